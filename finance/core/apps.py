from django.apps import AppConfig

from finance.core import aggregates


class CoreConfig(AppConfig):
    name = "finance.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        aggregates.connect()
