from __future__ import annotations

from rest_framework import serializers

from bench.plain.models import Transaction


class TransactionSerializer(serializers.ModelSerializer[Transaction]):
    class Meta:
        model = Transaction
        fields = ["id", "account", "type", "amount", "date", "payee", "category", "reference_number", "created_at"]
        read_only_fields = ["id", "created_at"]
