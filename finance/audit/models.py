"""The audit log: an append-only record of sensitive actions."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.core.models import UUIDModel


class AuditAction(models.TextChoices):
    """Every kind of event the log records (docs/privacy.md explains each)."""

    SIGN_IN = "auth.sign_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in failed")
    PASSWORD_CHANGE = "auth.password_change", _("Password changed")
    PASSWORD_RESET = "auth.password_reset", _("Password reset with an emailed link")
    EMAIL_VERIFIED = "auth.email_verified", _("Email address verified")
    TWO_FACTOR_ENABLED = "auth.2fa_enabled", _("Two-factor authentication turned on")
    TWO_FACTOR_DISABLED = "auth.2fa_disabled", _("Two-factor authentication turned off")
    SESSION_CREATED = "auth.session_created", _("Session started")
    SESSION_REVOKED = "auth.session_revoked", _("Session ended")
    TOKEN_CREATED = "auth.token_created", _("API token created")
    TOKEN_REVOKED = "auth.token_revoked", _("API token revoked")
    PROFILE_UPDATE = "profile.update", _("Profile changed")
    EMAIL_CHANGE = "profile.email_change", _("Email address changed")
    EMAIL_CHANGE_UNDO = "profile.email_change_undo", _("Email address change undone from the old address")
    HOUSEHOLD_CREATE = "household.create", _("Household created")
    HOUSEHOLD_UPDATE = "household.update", _("Household changed")
    HOUSEHOLD_DELETE = "household.delete", _("Household deleted")
    HOUSEHOLD_ANONYMIZE = "household.anonymize", _("Anonymized copy made")
    MEMBER_ADD = "member.add", _("Member added")
    INVITATION_CREATE = "member.invite", _("Member invited")
    INVITATION_ACCEPT = "member.invite_accept", _("Invitation accepted")
    INVITATION_DECLINE = "member.invite_decline", _("Invitation declined")
    INVITATION_REVOKE = "member.invite_revoke", _("Invitation revoked")
    MEMBER_ROLE_CHANGE = "member.role_change", _("Member's role changed")
    MEMBER_REMOVE = "member.remove", _("Member removed or left")
    OWNERSHIP_TRANSFER = "member.ownership_transfer", _("Ownership passed to another member")
    ACCOUNT_DELETE = "ledger.account_delete", _("Account deleted")
    CATEGORY_DELETE = "ledger.category_delete", _("Category deleted")
    TAG_DELETE = "ledger.tag_delete", _("Tag deleted")
    TRANSACTION_DELETE = "ledger.transaction_delete", _("Transaction deleted")
    TRANSACTION_BULK_CREATE = "ledger.transaction_bulk_create", _("Transactions created in bulk")
    TRANSACTION_BULK_UPDATE = "ledger.transaction_bulk_update", _("Transactions recategorized or tagged in bulk")
    TRANSACTION_BULK_DELETE = "ledger.transaction_bulk_delete", _("Transactions deleted in bulk")
    RATE_DELETE = "currency.rate_delete", _("Exchange rate deleted")
    IMPORT_COMMIT = "import.commit", _("Statement import committed")
    IMPORT_REVERT = "import.revert", _("Statement import reverted")
    BUDGET_DELETE = "budget.delete", _("Budget deleted")
    GOAL_DELETE = "goal.delete", _("Goal deleted")
    RULE_APPLY = "rule.apply", _("Rule applied to existing transactions")
    RULE_DISABLE = "rule.disable", _("Rule turned off: it took too long")
    EXPORT_REQUEST = "privacy.export_request", _("Data export requested")
    EXPORT_DOWNLOAD = "privacy.export_download", _("Data export downloaded")
    DATA_IMPORT = "privacy.import", _("Data export imported (restore)")
    DELETION_REQUEST = "privacy.deletion_request", _("Account deletion requested")
    DELETION_CANCEL = "privacy.deletion_cancel", _("Account deletion cancelled")
    ACCOUNT_PURGE = "privacy.account_purge", _("Account deleted for good")


class AuditImmutable(Exception):
    """Audit events are never changed or deleted through the application."""


# Set only inside :func:`audit_purge`: the retention purge and account deletion.
_purging: contextvars.ContextVar[bool] = contextvars.ContextVar("finance_audit_purge", default=False)


@contextmanager
def audit_purge() -> Iterator[None]:
    """The one way to delete (or redact) audit events: retention and account deletion.

    On PostgreSQL a trigger refuses UPDATE and DELETE on the table unless the
    transaction set ``finance.audit_purge``; this sets it for the enclosing
    transaction only (``SET LOCAL``).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL finance.audit_purge = 'on'")
        token = _purging.set(True)
        try:
            yield
        finally:
            _purging.reset(token)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL finance.audit_purge = 'off'")


def _refuse_unless_purging(what: str) -> None:
    if not _purging.get():
        raise AuditImmutable(f"Audit events cannot be {what}.")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        _refuse_unless_purging("changed")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_unless_purging("deleted")
        return super().delete()


class AuditEvent(UUIDModel):
    """One sensitive action: who, in which household, on what, what changed, from where and when."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    # No database constraints: events outlive the users and households they name, and the
    # deletion purge decides what happens to them (docs/privacy.md).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    household = models.ForeignKey(
        "households.Household",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    target_type = models.CharField(max_length=64, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="audit_event_actor_recent"),
            models.Index(fields=["household", "-created_at"], name="audit_event_household_recent"),
            models.Index(fields=["action", "-created_at"], name="audit_event_action_recent"),
            models.Index(fields=["created_at"], name="audit_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("Audit events cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("Audit events cannot be deleted.")
