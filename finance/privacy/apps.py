from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "finance.privacy"
    label = "privacy"
    verbose_name = "Privacy: exports, deletion, anonymization"

    def ready(self) -> None:
        # The ledger's, households' and currencies' tables join the export registry.
        from finance.privacy import resources  # noqa: F401
