"""Writes to households and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from finance.audit.models import AuditAction
from finance.audit.services import audit_record, field_changes
from finance.core import events
from finance.core.exceptions import Conflict, FieldError, Forbidden, NotFound
from finance.core.money import validate_currency
from finance.households.errors import ErrorCode
from finance.households.events import BaseCurrencyChanged, HouseholdCreated
from finance.households.models import OWNER_ROLES, Household, Membership, Role
from finance.households.selectors import membership_for
from finance.users.models import User


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


def _find_user(identifier: str) -> Any:
    User = get_user_model()
    identifier = identifier.strip()
    user = User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier)).first()
    if user is None:
        raise FieldError("username", "No user with this username or email.", code=ErrorCode.DOES_NOT_EXIST)
    return user


@transaction.atomic
def member_add(*, household: Household, actor: User | None, identifier: str, role: str = Role.VIEWER) -> Membership:
    """Add an existing user (by username or email) to the household with a role."""
    require_role(household=household, actor=actor, roles=OWNER_ROLES)
    if role not in Role.values:
        raise FieldError("role", f"“{role}” is not a valid role.", code=ErrorCode.INVALID_CHOICE)
    user = _find_user(identifier)
    if Membership.objects.filter(household=household, user=user).exists():
        raise Conflict("This person is already a member of the household.", code=ErrorCode.ALREADY_MEMBER)
    membership = Membership.objects.create(household=household, user=user, role=role)
    audit_record(
        action=AuditAction.MEMBER_ADD,
        actor=actor,
        household=household,
        target=membership,
        changes={"user": user.pk, "role": role},
    )
    return membership


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
