from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "finance.households"
    label = "households"
    verbose_name = "Households"

    def ready(self) -> None:
        from finance.households import listeners, signals

        signals.connect()
        listeners.connect()
