"""Households share one set of books; memberships give people roles in them.

Every financial row belongs to one household (:class:`HouseholdOwned`) and is reached through a
household the actor is a member of (:class:`HouseholdScopedQuerySet`): scoping is structural.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finance.core.models import TimestampedModel, UUIDModel
from finance.core.money import CurrencyField
from finance.users.principal import memberships_of


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


READ_ROLES = frozenset({Role.OWNER, Role.EDITOR, Role.VIEWER})
WRITE_ROLES = frozenset({Role.OWNER, Role.EDITOR})
OWNER_ROLES = frozenset({Role.OWNER})


class HouseholdQuerySet(models.QuerySet):
    def for_member(self, user: Any) -> Self:
        """The households ``user`` belongs to (ids from the cached principal: no join)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(pk__in=[m.household_id for m in memberships_of(user)])


class Household(TimestampedModel):
    """A set of books shared by its members."""

    name = models.CharField(max_length=120)
    base_currency = CurrencyField(default="USD")

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class Membership(UUIDModel):
    """A person's role in a household."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    is_default = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "user"],
                name="households_membership_unique",
                violation_error_message="This person is already a member of the household.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="households_membership_one_default_per_user",
                violation_error_message="A person has one default household.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]),
                name="households_membership_role_valid",
                violation_error_message="Unknown role.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.household_id} as {self.role}"


class HouseholdScopedQuerySet(models.QuerySet):
    """The one way to reach household-owned rows: through a household the actor belongs to."""

    def in_household(self, household: Household | Any) -> Self:
        return self.filter(household=household)

    def for_member(self, user: Any) -> Self:
        """Rows of the households ``user`` belongs to (ids from the cached principal: no join)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(household_id__in=[m.household_id for m in memberships_of(user)])


class HouseholdOwned(TimestampedModel):
    """Base of every financial row: it belongs to exactly one household."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")

    objects = HouseholdScopedQuerySet.as_manager()

    class Meta:
        abstract = True
