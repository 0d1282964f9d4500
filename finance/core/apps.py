from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "finance.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from finance.core import aggregates

        aggregates.connect()
