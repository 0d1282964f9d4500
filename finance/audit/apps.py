from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "finance.audit"
    label = "audit"
    verbose_name = "Audit log"
