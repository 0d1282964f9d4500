from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "finance.demo"
    label = "demo"
    verbose_name = "Demo data"
