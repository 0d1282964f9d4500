from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "finance.analytics"
    label = "analytics"
    verbose_name = "Analytics"
