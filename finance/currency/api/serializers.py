from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from finance.core.api.fields import RateField
from finance.currency.models import ExchangeRate, RateSource


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "EUR to USD",
            value={
                "id": "5e2d8c4a-9b1f-4a7e-8c3d-2f6b1a9e7d40",
                "base": "EUR",
                "quote": "USD",
                "rate": "1.085200000000",
                "date": "2026-03-14",
                "source": "manual",
            },
            response_only=True,
        )
    ]
)
class RateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "household", "base", "quote", "rate", "date", "source"]
        read_only_fields = fields


class RateUpdateSerializer(serializers.Serializer):
    base = serializers.CharField(max_length=10, required=False)
    quote = serializers.CharField(max_length=10, required=False)
    rate = RateField(required=False, help_text="1 base = rate quote.")
    date = serializers.DateField(required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A rate", value={"base": "EUR", "quote": "USD", "rate": "1.0852", "date": "2026-03-14"}, request_only=True
        )
    ]
)
class RateInputSerializer(RateUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True)
    base = serializers.CharField(max_length=10)
    quote = serializers.CharField(max_length=10)
    rate = RateField(help_text="1 base = rate quote.")
    date = serializers.DateField()
    source = serializers.ChoiceField(choices=RateSource.choices, default=RateSource.MANUAL)  # type: ignore[assignment]
