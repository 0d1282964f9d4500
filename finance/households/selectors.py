"""Reads of households and memberships, always from the actor's side."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F, QuerySet

from finance.core.exceptions import NotFound
from finance.households.models import Household, Membership


def household_list(*, user: Any) -> QuerySet[Household]:
    """The households ``user`` belongs to, each annotated with ``role`` and ``is_default``."""
    if not getattr(user, "is_authenticated", False):
        return Household.objects.none()
    return (
        Household.objects.filter(memberships__user=user)
        .annotate(role=F("memberships__role"), is_default=F("memberships__is_default"))
        .order_by("created_at")
    )


def membership_for(*, user: Any, household: Household | uuid.UUID) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.select_related("household").filter(user=user, household=household).first()


def default_membership(*, user: Any) -> Membership | None:
    """The user's default household membership, or failing that the oldest one."""
    return Membership.objects.select_related("household").filter(user=user).order_by("-is_default", "joined_at").first()


def resolve_membership(*, user: Any, household_id: str | uuid.UUID | None) -> Membership:
    """The actor's membership in the household asked for, or in their default one.

    Any household the actor is not a member of (or a malformed id) is
    indistinguishable from one that does not exist: 404.
    """
    if household_id in (None, ""):
        membership = default_membership(user=user)
    else:
        try:
            hid = household_id if isinstance(household_id, uuid.UUID) else uuid.UUID(str(household_id))
        except ValueError:
            raise NotFound("Household not found.") from None
        membership = membership_for(user=user, household=hid)
    if membership is None:
        raise NotFound("Household not found.")
    return membership


def member_list(*, household: Household) -> QuerySet[Membership]:
    return Membership.objects.filter(household=household).select_related("user").order_by("joined_at")
