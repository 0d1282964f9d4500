from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "finance.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from finance.ledger import listeners

        listeners.connect()
