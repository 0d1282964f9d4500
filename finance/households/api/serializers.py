from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from finance.households.models import Household, Membership, Role


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A household",
            value={
                "id": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "name": "Home",
                "base_currency": "EUR",
                "role": "owner",
                "is_default": True,
                "created_at": "2026-01-05T09:30:00Z",
            },
            response_only=True,
        )
    ]
)
class HouseholdOutputSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, help_text="Your role in this household.")
    is_default = serializers.BooleanField(read_only=True, help_text="Used when a request names no household.")

    class Meta:
        model = Household
        fields = ["id", "name", "base_currency", "role", "is_default", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample("New household", value={"name": "Holiday flat", "base_currency": "EUR"}, request_only=True)
    ]
)
class HouseholdInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    base_currency = serializers.CharField(max_length=10, required=False, help_text="ISO 4217 code, e.g. EUR.")


class HouseholdUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    base_currency = serializers.CharField(max_length=10, required=False)


class MemberUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A member",
            value={
                "id": "b7a9d0c4-2f55-4c1c-8f0c-3f1c2a7d9e21",
                "user": {"id": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f", "username": "sam", "email": "sam@example.com"},
                "role": "editor",
                "joined_at": "2026-02-01T12:00:00Z",
            },
            response_only=True,
        )
    ]
)
class MemberOutputSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "joined_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[OpenApiExample("Add by email", value={"email": "sam@example.com", "role": "editor"}, request_only=True)]
)
class MemberAddSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Username of an existing user.")
    email = serializers.EmailField(required=False, help_text="Or their email address.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError({"username": "Give a username or an email."}, code="required")
        return attrs


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
