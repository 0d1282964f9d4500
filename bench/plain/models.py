from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Transaction(models.Model):
    """One row of a user's ledger, the same kind of fields as ours, without foreign keys to check."""

    class Type(models.TextChoices):
        INCOME = "income"
        EXPENSE = "expense"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.UUIDField()
    type = models.CharField(max_length=16, choices=Type.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField()
    payee = models.CharField(max_length=200, blank=True)
    category = models.UUIDField(null=True, blank=True)
    reference_number = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Declared, so that mypy (whose Django plugin runs on our settings, without this app) knows it.
    objects: models.Manager[Transaction] = models.Manager()

    class Meta:
        db_table = "plain_transaction"
        indexes = [models.Index(fields=["user", "-date", "-created_at"], name="plain_tx_user_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.type} {self.amount}"
