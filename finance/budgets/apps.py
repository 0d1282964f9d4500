from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "finance.budgets"
    label = "budgets"
    verbose_name = "Budgets and goals"

    def ready(self) -> None:
        from finance.budgets.exports import register_resources
        from finance.budgets.listeners import on_ledger_changed
        from finance.ledger import hooks

        hooks.register(on_ledger_changed)
        register_resources()
