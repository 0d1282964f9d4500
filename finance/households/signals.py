"""Households in the members' cached principals (``finance.users.principal``): what it loads, and
membership and household changes that replace it.

A role change, a new or removed member, a new default household or a
household's new base currency reaches the next request of every member.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from finance.households.models import Household, Membership
from finance.users.principal import membership_loader, principal_changed


def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    principal_changed([instance.user_id])


def household_changed(sender: Any, instance: Household, **kwargs: Any) -> None:
    principal_changed(Membership.objects.filter(household_id=instance.pk).values_list("user_id", flat=True))


def memberships_with_households(user_id: Any) -> QuerySet[Membership]:
    """What a user's principal holds: their memberships with the household of each, oldest first."""
    return Membership.objects.select_related("household").filter(user_id=user_id)


def connect() -> None:
    membership_loader.register(memberships_with_households)
    post_save.connect(membership_changed, sender=Membership, dispatch_uid="principal-membership-saved")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid="principal-membership-deleted")
    post_save.connect(household_changed, sender=Household, dispatch_uid="principal-household-saved")
