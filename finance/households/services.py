"""Writes to households and memberships."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record, field_changes
from finance.core import events
from finance.core.exceptions import Conflict, FieldError, FieldErrors, Forbidden, NotFound
from finance.core.money import validate_currency
from finance.households import mail
from finance.households.errors import ErrorCode
from finance.households.events import BaseCurrencyChanged, HouseholdCreated, InvitationAccepted, InvitationCreated
from finance.households.models import OWNER_ROLES, Household, Invitation, InvitationStatus, Membership, Role
from finance.households.selectors import answerable_invitations, membership_for
from finance.users.models import User
from finance.users.selectors import user_by_identifier


def require_role(*, household: Household, actor: User | None, roles: frozenset[Role]) -> Membership | None:
    """Check the actor's role; ``actor=None`` is the system itself (commands, migrations of data).

    The membership comes from the actor's cached principal (``finance.users.principal``),
    which every membership change replaces, so a view and the service it calls share one read.
    """
    if actor is None:
        return None
    membership = membership_for(user=actor, household=household)
    if membership is None:
        raise NotFound("Household not found.")
    if membership.role not in roles:
        raise Forbidden()
    return membership


def _check_currency(field: str, code: str) -> str:
    code = code.strip().upper()
    try:
        validate_currency(code)
    except ValidationError:
        raise FieldError(
            field, f"“{code}” is not an ISO 4217 currency code.", code=ErrorCode.INVALID_CURRENCY
        ) from None
    return code


@transaction.atomic
def household_create(*, owner: Any, name: str, base_currency: str = "USD", make_default: bool = False) -> Household:
    name = name.strip()
    if not name:
        raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
    household = Household.objects.create(name=name, base_currency=_check_currency("base_currency", base_currency))
    has_default = Membership.objects.filter(user=owner, is_default=True).exists()
    Membership.objects.create(
        household=household, user=owner, role=Role.OWNER, is_default=make_default or not has_default
    )
    audit_record(
        action=AuditAction.HOUSEHOLD_CREATE,
        actor=owner,
        household=household,
        target=household,
        changes={"name": household.name, "base_currency": household.base_currency},
    )
    # The ledger gives it its default categories in this transaction.
    events.publish(
        HouseholdCreated(household_id=household.id, owner_id=owner.pk, base_currency=household.base_currency)
    )
    return household


@transaction.atomic
def household_update(
    *, household: Household, actor: User | None, name: str | None = None, base_currency: str | None = None
) -> Household:
    require_role(household=household, actor=actor, roles=OWNER_ROLES)
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = {"name": household.name, "base_currency": household.base_currency}
    if name is not None:
        if not name.strip():
            raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
        household.name = name.strip()
    old_base = household.base_currency
    if base_currency is not None:
        household.base_currency = _check_currency("base_currency", base_currency)
    household.save()
    changes = field_changes(before, {"name": household.name, "base_currency": household.base_currency})
    if changes:
        audit_record(
            action=AuditAction.HOUSEHOLD_UPDATE, actor=actor, household=household, target=household, changes=changes
        )
    if household.base_currency != old_base:
        # Every stored base amount and aggregate is in the old currency: the ledger converts them again.
        events.publish(BaseCurrencyChanged(household_id=household.id, old=old_base, new=household.base_currency))
    return household


# Invitations ------------------------------------------------------------------------------------------

MAX_PENDING_INVITATIONS = 50  # per household; each one may send a message


def _open_invitation(invitation: Invitation) -> None:
    """Refuse an invitation that can no longer be answered."""
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict("This invitation was already answered or withdrawn.", code=ErrorCode.INVITATION_CLOSED)
    if invitation.expires_at <= timezone.now():
        raise Conflict("This invitation has expired; ask for a new one.", code=ErrorCode.INVITATION_EXPIRED)


@transaction.atomic
def invitation_create(
    *, household: Household, actor: User | None, identifier: str, role: str = Role.VIEWER
) -> Invitation:
    """Invite someone, by username or email address, to the household with a role (owners).

    Nobody becomes a member here: the person sees the invitation (``GET /invitations/``, the web
    app, an emailed link) and accepts or declines it. The answer is the same whether or not the
    identifier matches an account, and nothing about such an account reaches the household: its
    owners see what they typed, the role and the status. An account is matched by username or
    address (any case); with none, a valid address gets the emailed link (its holder may sign up,
    then accept), anything else an invitation nobody can see, which expires. Inviting the same
    person again replaces their pending invitation.
    """
    require_role(household=household, actor=actor, roles=OWNER_ROLES)
    identifier = identifier.strip()
    errors = FieldErrors()
    if not identifier:
        errors.add("username", "Give a username or an email address.", ErrorCode.BLANK)
    if role not in Role.values:
        errors.add("role", f"“{role}” is not a valid role.", ErrorCode.INVALID_CHOICE)
    errors.raise_if_any()
    # One invitation at a time per household: the replacement and the cap below cannot race.
    household = Household.objects.select_for_update().get(pk=household.pk)
    found = user_by_identifier(identifier=identifier)
    invitee = found if found is not None and found.is_active else None
    email = ""
    if "@" in identifier:
        try:
            validate_email(identifier)
        except ValidationError:
            email = ""
        else:
            email = identifier
    if invitee is not None and Membership.objects.filter(household=household, user=invitee).exists():
        # Owners see their members (and their addresses) anyway: this tells them nothing new.
        raise Conflict("This person is already a member of the household.", code=ErrorCode.ALREADY_MEMBER)
    now = timezone.now()
    pending = Invitation.objects.filter(household=household, status=InvitationStatus.PENDING)
    same = Q(identifier__iexact=identifier) | (Q(invitee=invitee) if invitee is not None else Q(pk__in=[]))
    for earlier in pending.filter(same):
        _invitation_close(earlier, actor=actor, status=InvitationStatus.REVOKED, reason="replaced")
    if pending.filter(expires_at__gt=now).count() >= MAX_PENDING_INVITATIONS:
        raise Conflict(
            f"At most {MAX_PENDING_INVITATIONS} invitations can wait for an answer; withdraw some first.",
            code=ErrorCode.TOO_MANY_INVITATIONS,
        )
    timeout: timedelta = settings.INVITATION_TIMEOUT
    invitation = Invitation.objects.create(
        household=household,
        role=role,
        identifier=identifier[:254],
        email=email,
        invitee=invitee,
        invited_by=actor,
        expires_at=now + timeout,
    )
    audit_record(
        action=AuditAction.INVITATION_CREATE,
        actor=actor,
        household=household,
        target=invitation,
        changes={"identifier": identifier, "role": role},
    )
    events.publish(
        InvitationCreated(
            household_id=household.pk,
            invitation_id=invitation.pk,
            role=role,
            invited_by_id=actor.pk if actor is not None else None,
        )
    )
    mail.send_after_commit(invitation)
    return invitation


def _invitation_close(invitation: Invitation, *, actor: Any, status: InvitationStatus, reason: str = "") -> None:
    invitation.status = status
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at", "updated_at"])
    action = {
        InvitationStatus.DECLINED: AuditAction.INVITATION_DECLINE,
        InvitationStatus.REVOKED: AuditAction.INVITATION_REVOKE,
    }[status]
    audit_record(
        action=action,
        actor=actor,
        household=invitation.household_id,
        target=invitation,
        changes={"role": invitation.role, **({"reason": reason} if reason else {})},
    )


def _invitation_for(*, invitation_id: Any, actor: User, token: str = "") -> Invitation:
    """The invitation, locked, if it is the actor's to answer (``selectors.answerable_invitations``);
    anything else is 404, like an invitation that does not exist."""
    found = answerable_invitations(user=actor, invitation_id=invitation_id, token=token)
    invitation = found.select_for_update(of=("self",)).select_related("household").first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


@transaction.atomic
def invitation_accept(*, invitation_id: Any, actor: User, token: str = "") -> Membership:
    """Accept an invitation: the actor becomes a member with its role (their default household if
    they have none)."""
    invitation = _invitation_for(invitation_id=invitation_id, actor=actor, token=token)
    _open_invitation(invitation)
    household = invitation.household
    if Membership.objects.filter(household=household, user=actor).exists():
        raise Conflict("You are already a member of this household.", code=ErrorCode.ALREADY_MEMBER)
    has_default = Membership.objects.filter(user=actor, is_default=True).exists()
    membership = Membership.objects.create(
        household=household, user=actor, role=invitation.role, is_default=not has_default
    )
    invitation.status = InvitationStatus.ACCEPTED
    invitation.invitee = actor
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "invitee", "responded_at", "updated_at"])
    audit_record(
        action=AuditAction.INVITATION_ACCEPT,
        actor=actor,
        household=household,
        target=invitation,
        changes={"role": invitation.role},
    )
    audit_record(
        action=AuditAction.MEMBER_ADD,
        actor=actor,
        household=household,
        target=membership,
        changes={"user": actor.pk, "role": invitation.role, "invitation": invitation.pk},
    )
    events.publish(
        InvitationAccepted(
            household_id=household.pk,
            invitation_id=invitation.pk,
            user_id=actor.pk,
            membership_id=membership.pk,
            role=invitation.role,
        )
    )
    return membership


@transaction.atomic
def invitation_decline(*, invitation_id: Any, actor: User, token: str = "") -> Invitation:
    """Decline an invitation addressed to the actor (or opened with its link)."""
    invitation = _invitation_for(invitation_id=invitation_id, actor=actor, token=token)
    _open_invitation(invitation)
    if invitation.invitee_id is None:
        invitation.invitee = actor
        invitation.save(update_fields=["invitee", "updated_at"])
    _invitation_close(invitation, actor=actor, status=InvitationStatus.DECLINED)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None) -> Invitation:
    """Withdraw a pending invitation (owners); its link stops working."""
    require_role(household=invitation.household, actor=actor, roles=OWNER_ROLES)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict("This invitation was already answered or withdrawn.", code=ErrorCode.INVITATION_CLOSED)
    _invitation_close(invitation, actor=actor, status=InvitationStatus.REVOKED)
    return invitation


def _owner_count_locked(household: Household) -> int:
    # Lock every owner row so two concurrent demotions cannot both pass the check.
    return len(list(Membership.objects.select_for_update().filter(household=household, role=Role.OWNER)))


@transaction.atomic
def member_update_role(*, membership: Membership, actor: User | None, role: str) -> Membership:
    require_role(household=membership.household, actor=actor, roles=OWNER_ROLES)
    if role not in Role.values:
        raise FieldError("role", f"“{role}” is not a valid role.", code=ErrorCode.INVALID_CHOICE)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count_locked(membership.household) <= 1:
        raise Conflict(
            "A household needs at least one owner; make someone else owner first.", code=ErrorCode.LAST_OWNER
        )
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if old_role != role:
        audit_record(
            action=AuditAction.MEMBER_ROLE_CHANGE,
            actor=actor,
            household=membership.household_id,
            target=membership,
            changes={"user": membership.user_id, "role": [old_role, role]},
        )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None) -> None:
    """Remove a member; owners may remove anyone, everyone may leave."""
    if actor is None or membership.user_id != actor.pk:
        require_role(household=membership.household, actor=actor, roles=OWNER_ROLES)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.OWNER and _owner_count_locked(membership.household) <= 1:
        raise Conflict(
            "The last owner cannot leave the household; make someone else owner first.", code=ErrorCode.LAST_OWNER
        )
    audit_record(
        action=AuditAction.MEMBER_REMOVE,
        actor=actor,
        household=membership.household_id,
        target=membership,
        changes={"user": membership.user_id, "role": membership.role},
    )
    membership.delete()
