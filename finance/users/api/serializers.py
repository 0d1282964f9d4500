from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from finance.users.models import User


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Register",
            value={
                "username": "alex",
                "email": "alex@example.com",
                "password": "a-long-unusual-passphrase",
                "first_name": "Alex",
                "default_currency": "EUR",
            },
            request_only=True,
        )
    ]
)
class RegisterSerializer(serializers.Serializer):
    # Shapes only; the service checks content so every bad field is reported at once.
    username = serializers.CharField(max_length=150)
    email = serializers.CharField(max_length=254, help_text="A valid email address.")
    password = serializers.CharField(write_only=True, style={"input_type": "password"}, trim_whitespace=False)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    default_currency = serializers.CharField(max_length=10, required=False, default="USD")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A profile",
            value={
                "id": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f",
                "username": "alex",
                "email": "alex@example.com",
                "first_name": "Alex",
                "last_name": "",
                "default_currency": "EUR",
                "country": "DE",
                "locale": "de_DE",
                "timezone": "Europe/Berlin",
                "date_joined": "2026-01-05T09:30:00Z",
            },
            response_only=True,
        )
    ]
)
class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "default_currency",
            "country",
            "locale",
            "timezone",
            "date_joined",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[OpenApiExample("Move to Berlin", value={"country": "DE", "timezone": "Europe/Berlin"}, request_only=True)]
)
class ProfileUpdateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False)
    default_currency = serializers.CharField(max_length=10, required=False, help_text="ISO 4217 code.")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2.")
    locale = serializers.CharField(max_length=35, required=False, help_text="e.g. en, de_DE, es.")
    timezone = serializers.CharField(max_length=64, required=False, help_text="IANA name, e.g. Europe/Berlin.")


@extend_schema_serializer(
    examples=[
        OpenApiExample("With username", value={"username": "alex", "password": "a-long-unusual-passphrase"}),
        OpenApiExample("With email", value={"email": "alex@example.com", "password": "a-long-unusual-passphrase"}),
    ]
)
class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Username or email address.")
    email = serializers.CharField(required=False, help_text="Email address (instead of username).")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs: dict[str, str]) -> dict[str, str]:
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError({"username": "Give a username or an email address."}, code="required")
        return attrs


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Tokens",
            value={"access": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...", "refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6..."},
            response_only=True,
        )
    ]
)
class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True, help_text="Short-lived JWT for the Authorization header.")
    refresh = serializers.CharField(read_only=True, help_text="Long-lived token to get a new pair once.")


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    new_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
