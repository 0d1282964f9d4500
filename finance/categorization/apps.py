from django.apps import AppConfig


class CategorizationConfig(AppConfig):
    name = "finance.categorization"
    label = "categorization"
    verbose_name = "Categorization"

    def ready(self) -> None:
        from finance.categorization import listeners

        listeners.connect()
