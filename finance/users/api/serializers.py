from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from finance.users.models import AuthSession, PersonalAccessToken, SignInAttempt, TokenScope, TokenUsage, User
from finance.users.selectors import avatar_version, user_two_factor_enabled


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
                "email_verified": True,
                "two_factor_enabled": False,
                "avatar": "https://finance.example.com/api/v1/auth/me/avatar/?v=3f9c2a1b7d4e",
            },
            response_only=True,
        )
    ]
)
class UserOutputSerializer(serializers.ModelSerializer):
    two_factor_enabled = serializers.SerializerMethodField()
    avatar = serializers.SerializerMethodField(
        help_text="Where your profile picture is (`GET me/avatar/`, signed in as you; the `v` changes with each "
        "new picture), or null without one."
    )

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
            "email_verified",
            "two_factor_enabled",
            "avatar",
        ]
        read_only_fields = fields

    def get_two_factor_enabled(self, user: User) -> bool:
        return user_two_factor_enabled(user=user)

    def get_avatar(self, user: User) -> str | None:
        version = avatar_version(user=user)
        if version is None:
            return None
        path = f"{reverse('auth-me-avatar')}?v={version}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(
        help_text="A PNG, JPEG or WebP image of at most 2 MiB and 25 megapixels; stored as a 256 px square WebP "
        "without its metadata."
    )


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
    current_password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Your current password: required to change `email`.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("With username", value={"username": "alex", "password": "a-long-unusual-passphrase"}),
        OpenApiExample("With email", value={"email": "alex@example.com", "password": "a-long-unusual-passphrase"}),
        OpenApiExample(
            "With a two-factor code",
            value={"username": "alex", "password": "a-long-unusual-passphrase", "otp": "492039"},
        ),
    ]
)
class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Username or email address.")
    email = serializers.CharField(required=False, help_text="Email address (instead of username).")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="With two-factor authentication on: the app's 6-digit code or an unused recovery code.",
    )

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


class EmailVerifySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=1000, help_text="The `key` parameter of the emailed link.")


class EmailChangeUndoSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=1000, help_text="The `key` parameter of the link sent to the previous address."
    )


class EmailResendSerializer(serializers.Serializer):
    email = serializers.CharField(
        max_length=254, required=False, help_text="Only when signed out: the address to send the link to."
    )


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "From the emailed link",
            value={"uid": "NWQxZjFjOGU", "token": "cf3k2a-8b1d6e0f4a2c", "new_password": "another-long-passphrase"},
            request_only=True,
        )
    ]
)
class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=200)
    token = serializers.CharField(max_length=200)
    new_password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Setup",
            value={
                "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                "otpauth_uri": "otpauth://totp/Personal%20Finance%20Tracker:alex%40example.com?secret=JBSWY3DPEHPK3PXP"
                "JBSWY3DPEHPK3PXP&issuer=Personal%20Finance%20Tracker",
                "qr_svg": '<svg xmlns="http://www.w3.org/2000/svg" ...></svg>',
            },
            response_only=True,
        )
    ]
)
class TwoFactorSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="Base32 secret, for typing into the app.")
    otpauth_uri = serializers.CharField(read_only=True)
    qr_svg = serializers.CharField(read_only=True, help_text="The otpauth URI as a QR code (SVG).")


class TwoFactorCodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="The 6-digit code the app shows.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Recovery codes", value={"recovery_codes": ["k7cm2-x9rfa", "p3hd8-q2mzt", "..."]}, response_only=True
        )
    ]
)
class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Ten single-use codes; shown once, store them safely."
    )


class TwoFactorSetupRequestSerializer(serializers.Serializer):
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, help_text="Your current password."
    )


class TwoFactorDisableSerializer(serializers.Serializer):
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(max_length=32, help_text="A current code or an unused recovery code.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A session",
            value={
                "id": "0b6c2f7e-3f1a-4d2b-9a7e-5c4d3b2a1f00",
                "device": "Firefox 133 on Ubuntu",
                "ip": "203.0.113.7",
                "created_at": "2026-01-05T09:30:00Z",
                "last_used_at": "2026-01-06T18:02:11Z",
                "current": True,
            },
            response_only=True,
        )
    ]
)
class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this is the session making the request.")

    class Meta:
        model = AuthSession
        fields = ["id", "device", "ip", "created_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, session: AuthSession) -> bool:
        return str(session.pk) == str(self.context.get("current_session_id"))


class RevokedCountSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(read_only=True, help_text="How many sessions were ended.")


_SCOPES_HELP = 'What the token may do: `["read"]` (GET only) or `["read", "write"]`.'


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Read-only for a year",
            value={"name": "spreadsheet sync", "scopes": ["read"], "expires_at": "2027-01-01T00:00:00Z"},
            request_only=True,
        )
    ]
)
class AccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=TokenScope.choices), allow_empty=False, help_text=_SCOPES_HELP
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AccessTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=TokenScope.choices), help_text=_SCOPES_HELP)

    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "scopes", "expires_at", "last_used_at", "last_used_ip", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Created",
            value={
                "id": "7d3f6c1a-2b4e-4f5a-8c9d-0e1f2a3b4c5d",
                "name": "spreadsheet sync",
                "scopes": ["read"],
                "token": "pft_Qm9vLXRoaXMtaXMtYW4tZXhhbXBsZS10b2tlbi0xMjM0",
                "expires_at": "2027-01-01T00:00:00Z",
                "last_used_at": None,
                "last_used_ip": None,
                "created_at": "2026-01-05T09:30:00Z",
            },
            response_only=True,
        )
    ]
)
class AccessTokenCreatedSerializer(AccessTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret: shown this once, never again.")

    class Meta(AccessTokenSerializer.Meta):
        fields = ["id", "name", "scopes", "token", "expires_at", "last_used_at", "last_used_ip", "created_at"]
        read_only_fields = fields


class TokenUsageSerializer(serializers.ModelSerializer):
    class Meta:
        model = TokenUsage
        fields = ["used_at", "ip", "method", "path", "status"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A failed attempt",
            value={
                "id": 812,
                "created_at": "2026-01-06T18:02:11Z",
                "succeeded": False,
                "reason": "bad_credentials",
                "method": "password",
                "ip": "203.0.113.7",
                "device": "Firefox 133 on Ubuntu",
            },
            response_only=True,
        )
    ]
)
class SignInAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignInAttempt
        fields = ["id", "created_at", "succeeded", "reason", "method", "ip", "device"]
        read_only_fields = fields


class OAuthProviderSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="`google` or `microsoft`.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Where to send the person",
            value={
                "authorization_url": "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=...",
                "state": "q3J9sVx0...",
            },
            response_only=True,
        )
    ]
)
class OAuthStartSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(read_only=True, help_text="Open this in the browser.")
    state = serializers.CharField(read_only=True, help_text="Comes back on the redirect; send it to callback/.")


@extend_schema_serializer(
    examples=[
        OpenApiExample("From the redirect", value={"code": "4/0AbCD...", "state": "q3J9sVx0..."}, request_only=True)
    ]
)
class OAuthCallbackSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=2000, help_text="The `code` parameter of the provider's redirect.")
    state = serializers.CharField(max_length=64, help_text="The `state` parameter of the provider's redirect.")
    otp = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32, help_text="With 2FA on: a code."
    )
