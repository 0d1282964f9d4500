from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "finance.budgets"
    label = "budgets"
    verbose_name = "Budgets and goals"

    def ready(self) -> None:
        from finance.budgets import listeners

        listeners.connect()
