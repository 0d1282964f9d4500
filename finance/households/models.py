"""Households share one set of books; memberships give people roles in them.

Every financial row belongs to one household (:class:`HouseholdOwned`) and is reached through a
household the actor is a member of (:class:`HouseholdScopedQuerySet`): scoping is structural.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("invitation", "Accepted")
    DECLINED = "declined", pgettext_lazy("invitation", "Declined")
    REVOKED = "revoked", pgettext_lazy("invitation", "Withdrawn")
    # Never stored: a pending invitation past its expiry reads as expired.
    EXPIRED = "expired", pgettext_lazy("invitation", "Expired")


STORED_INVITATION_STATUSES = [s.value for s in InvitationStatus if s != InvitationStatus.EXPIRED]


class Invitation(TimestampedModel):
    """An owner's offer of a role in a household; the person is a member only once they accept it."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    # What the owner typed (a username or an address): shown to the household's owners, who knew it already.
    identifier = models.CharField(max_length=254)
    # The address typed, when it was one: with no account behind it, the emailed link goes here.
    email = models.EmailField(blank=True, default="")
    # The account the identifier named when the invitation was made (never shown to the household).
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["invitee", "status"], name="households_invite_invitee"),
            models.Index(fields=["household", "status"], name="households_invite_household"),
            models.Index(fields=["email", "status"], name="households_invite_email"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]),
                name="households_invitation_role_valid",
                violation_error_message="Unknown role.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=STORED_INVITATION_STATUSES),
                name="households_invitation_status_valid",
                violation_error_message="Unknown status.",
            ),
            models.UniqueConstraint(
                fields=["household", "invitee"],
                condition=Q(status=InvitationStatus.PENDING, invitee__isnull=False),
                name="households_invitation_one_pending_per_person",
                violation_error_message="This person already has a pending invitation to the household.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} to {self.household_id} as {self.role} ({self.status})"

    @property
    def current_status(self) -> str:
        """The status as people see it: a pending invitation past its expiry is expired."""
        if self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED.value
        return str(self.status)

    def get_current_status_display(self) -> str:
        return str(InvitationStatus(self.current_status).label)


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
