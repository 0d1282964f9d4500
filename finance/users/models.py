"""People who sign in."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from finance.core.models import UUIDModel
from finance.core.money import CurrencyField


class FinanceUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Usernames are unique regardless of case, so look them up that way.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person with a login; their data lives in the households they belong to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address")
    default_currency = CurrencyField(default="USD")
    country = models.CharField(max_length=2, blank=True, default="")
    locale = models.CharField(max_length=35, default="en")
    timezone = models.CharField(max_length=64, default="UTC")
    email_verified = models.BooleanField(default=False)
    # A 256 px square WebP re-encoded by ``services.user_set_avatar`` (never the uploaded bytes); served
    # only to the person through their own profile URLs, never as a public media file.
    avatar = models.FileField(max_length=200, blank=True, default="", editable=False)

    objects: ClassVar[FinanceUserManager] = FinanceUserManager()

    REQUIRED_FIELDS: ClassVar[list[str]] = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="users_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                name="users_user_email_ci_unique",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)


class AuthSession(UUIDModel):
    """One signed-in device: a refresh-token family (rotation keeps the session)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_sessions")
    device = models.CharField(max_length=200, blank=True, default="")
    user_agent = models.CharField(max_length=512, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=40, default="password", help_text="How the session was started.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="users_session_user_active")]

    def __str__(self) -> str:
        return f"{self.device or 'session'} ({self.user_id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class TOTPDevice(models.Model):
    """A user's authenticator app: the TOTP secret (encrypted) and the last time step used."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="totp_device"
    )
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Codes of this step or earlier are refused: a code works once.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"TOTP for {self.user_id} ({'on' if self.confirmed_at else 'pending'})"


class RecoveryCode(models.Model):
    """A single-use 2FA recovery code, stored as a SHA-256 digest."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"],
                name="users_recovery_code_unique",
                violation_error_message="This recovery code already exists.",
            )
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class PersonalAccessToken(UUIDModel):
    """An API key: a random secret shown once, stored as its SHA-256 digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="users_pat_user_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def can_write(self) -> bool:
        return TokenScope.WRITE in self.scopes


class TokenUsage(models.Model):
    """One request made with a personal access token (the usage audit)."""

    id = models.BigAutoField(primary_key=True)
    token = models.ForeignKey(PersonalAccessToken, on_delete=models.CASCADE, related_name="usages")
    used_at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [models.Index(fields=["token", "-used_at"], name="users_token_usage_recent")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


class SignInAttempt(models.Model):
    """One sign-in attempt, successful or not: the activity log and the lockout's memory."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="sign_in_attempts"
    )
    identifier = models.CharField(max_length=254, help_text="What was typed as the username, lower-cased.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=200, blank=True, default="")
    method = models.CharField(max_length=40, default="password")
    succeeded = models.BooleanField()
    reason = models.CharField(max_length=40)
    # Whether this attempt counts towards slow-down and lockout (a checked, wrong credential).
    counts = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="users_signin_user_recent"),
            models.Index(fields=["identifier", "-created_at"], name="users_signin_ident_recent"),
            models.Index(fields=["ip", "-created_at"], name="users_signin_ip_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.reason}"


class SocialIdentity(UUIDModel):
    """A link between a user and their account at an OpenID Connect provider."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="social_identities")
    provider = models.CharField(max_length=40)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"],
                name="users_social_identity_unique",
                violation_error_message="This provider account is already linked.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject}"


class OAuthRequest(models.Model):
    """An authorization request in flight: state, nonce and PKCE verifier, used once."""

    state = models.CharField(max_length=64, primary_key=True)
    provider = models.CharField(max_length=40)
    nonce = models.CharField(max_length=64)
    code_verifier = models.CharField(max_length=128)
    redirect_uri = models.URLField(max_length=500)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.state[:8]}"
