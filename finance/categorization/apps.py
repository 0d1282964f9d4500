from django.apps import AppConfig


class CategorizationConfig(AppConfig):
    name = "finance.categorization"
    label = "categorization"
    verbose_name = "Categorization"
