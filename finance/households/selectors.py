"""Reads of households and memberships, always from the actor's side."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F, QuerySet

from finance.core.exceptions import NotFound
from finance.households.models import Household, Membership
from finance.users.principal import memberships_of


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
    """The user's membership in ``household`` (with the household), from the per-user cache."""
    household_id = household.pk if isinstance(household, Household) else household
    return next((m for m in memberships_of(user) if m.household_id == household_id), None)


def default_membership(*, user: Any) -> Membership | None:
    """The user's default household membership, or failing that the oldest one."""
    memberships = memberships_of(user)
    return next((m for m in memberships if m.is_default), memberships[0] if memberships else None)


def member_roles(*, user: Any) -> dict[uuid.UUID, str]:
    """The user's role in each of their households."""
    return {m.household_id: m.role for m in memberships_of(user)}


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
