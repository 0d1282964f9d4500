"""Shared model bases and the idempotency-key store."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from finance.households.models import Household


class UUIDModel(models.Model):
    """A model whose primary key is a random UUID."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimestampedModel(UUIDModel):
    """A UUID model with creation and modification times."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class HouseholdScopedQuerySet(models.QuerySet):
    """The one way to reach household-owned rows: through a household the actor belongs to."""

    def in_household(self, household: Household | Any) -> Self:
        return self.filter(household=household)

    def for_member(self, user: Any) -> Self:
        """Rows of the households ``user`` belongs to (ids from the cached principal: no join)."""
        from finance.users.principal import memberships_of

        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(household_id__in=[m.household_id for m in memberships_of(user)])


class HouseholdOwned(TimestampedModel):
    """Base of every financial row: it belongs to exactly one household."""

    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")

    objects = HouseholdScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """A stored response to a create request sent with an ``Idempotency-Key`` header."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="core_idempotency_key_unique_per_user",
                violation_error_message="This idempotency key was already used.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"
