"""Reads of households and memberships, always from the actor's side."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from finance.core.exceptions import NotFound
from finance.households.links import invitation_id_of
from finance.households.models import Household, Invitation, InvitationStatus, Membership
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


def addressed_to(user: Any) -> QuerySet[Invitation]:
    """Invitations the user may answer without the emailed link: addressed to their account, or to
    their address before they had an account (only once they verified that address)."""
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    mine = Q(invitee=user)
    if user.email_verified and user.email:
        mine |= Q(invitee__isnull=True, email__iexact=user.email)
    return Invitation.objects.filter(mine)


def invitation_list_for(*, user: Any) -> QuerySet[Invitation]:
    """The invitations waiting for the user's answer (pending, not expired), newest first."""
    return (
        addressed_to(user)
        .filter(status=InvitationStatus.PENDING, expires_at__gt=timezone.now())
        .select_related("household", "invited_by")
        .order_by("-created_at", "-id")
    )


def answerable_invitations(*, user: Any, invitation_id: Any, token: str = "") -> QuerySet[Invitation]:
    """The invitation (at most one) the user may see and answer: opened with its emailed link's
    token (a link addressed to an account is that account's only), else addressed to them."""
    try:
        wanted = invitation_id if isinstance(invitation_id, uuid.UUID) else uuid.UUID(str(invitation_id))
    except ValueError:
        return Invitation.objects.none()
    if not getattr(user, "is_authenticated", False):
        return Invitation.objects.none()
    if token and invitation_id_of(token) == wanted:
        return Invitation.objects.filter(pk=wanted).filter(Q(invitee__isnull=True) | Q(invitee=user))
    return addressed_to(user).filter(pk=wanted)


def invitation_get_for(*, user: Any, invitation_id: Any, token: str = "") -> Invitation | None:
    """One invitation as its invitee sees it (``answerable_invitations``), or ``None``."""
    found = answerable_invitations(user=user, invitation_id=invitation_id, token=token)
    return found.select_related("household", "invited_by").first()


def household_invitation_list(*, household: Household) -> QuerySet[Invitation]:
    """A household's invitations, newest first (what its owners see: no invitee)."""
    return Invitation.objects.filter(household=household).select_related("invited_by").order_by("-created_at", "-id")
