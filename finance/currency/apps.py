from django.apps import AppConfig


class CurrencyConfig(AppConfig):
    name = "finance.currency"
    label = "currency"
    verbose_name = "Currency"
