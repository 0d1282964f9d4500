from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "finance.privacy"
    label = "privacy"
    verbose_name = "Privacy: exports, deletion, anonymization"

    def ready(self) -> None:
        from finance.privacy import listeners, resources

        resources.register_all()
        listeners.connect()
