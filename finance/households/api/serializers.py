from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from finance.households.models import Household, Invitation, InvitationStatus, Membership, Role


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
    examples=[
        OpenApiExample("Invite by email", value={"email": "sam@example.com", "role": "editor"}, request_only=True)
    ]
)
class MemberAddSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, max_length=254, help_text="The person's username.")
    email = serializers.EmailField(required=False, help_text="Or their email address (they may have no account yet).")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("username") and not attrs.get("email"):
            raise serializers.ValidationError({"username": "Give a username or an email."}, code="required")
        return attrs


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationStatusField(serializers.ChoiceField):
    """The status as people see it (``Invitation.current_status``: pending past its expiry is expired)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=InvitationStatus.choices, read_only=True, source="current_status", **kwargs)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Invited",
            value={
                "id": "0b6f3d52-94a1-4c8e-a7c2-6d3e1f2a9b40",
                "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "role": "editor",
                "status": "pending",
                "expires_at": "2026-03-09T09:00:00Z",
            },
            response_only=True,
        )
    ]
)
class InvitationSentSerializer(serializers.ModelSerializer):
    """The answer to an invitation: the same whether or not such a person exists."""

    status = InvitationStatusField()

    class Meta:
        model = Invitation
        fields = ["id", "household", "role", "status", "expires_at"]
        read_only_fields = fields


class InviterSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)


class HouseholdInvitationSerializer(serializers.ModelSerializer):
    """An invitation as the household's owners see it: what they typed, never who it matched."""

    status = InvitationStatusField()
    identifier = serializers.CharField(read_only=True, help_text="The username or address the invitation was sent to.")
    invited_by = InviterSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = ["id", "household", "role", "status", "expires_at", "identifier", "invited_by", "created_at"]
        read_only_fields = fields


class InvitationHouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An invitation to you",
            value={
                "id": "0b6f3d52-94a1-4c8e-a7c2-6d3e1f2a9b40",
                "household": {"id": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10", "name": "Home"},
                "role": "editor",
                "invited_by": {"username": "alex"},
                "status": "pending",
                "expires_at": "2026-03-09T09:00:00Z",
            },
            response_only=True,
        )
    ]
)
class InvitationOutputSerializer(serializers.ModelSerializer):
    """An invitation as its invitee sees it."""

    household = InvitationHouseholdSerializer(read_only=True)
    invited_by = InviterSerializer(read_only=True, allow_null=True)
    status = InvitationStatusField()

    class Meta:
        model = Invitation
        fields = ["id", "household", "role", "invited_by", "status", "expires_at"]
        read_only_fields = fields


class InvitationAnswerSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="The `token` of the emailed link: needed when the invitation went to an address, not your account.",
    )
