"""Writes to accounts: create, update (an opening balance moves the balance), delete, the default account."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.cache import bump_household_version
from finance.core.exceptions import Conflict, FieldErrors
from finance.core.money import ZERO
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger.effects import LedgerDelta, apply_change
from finance.ledger.errors import ErrorCode
from finance.ledger.events import ChangeKind
from finance.ledger.models import (
    Account,
    AccountType,
    Transaction,
)
from finance.ledger.services._common import check_currency, check_money
from finance.users.models import User

ACCOUNT_FIELDS = (
    "name",
    "type",
    "institution",
    "currency",
    "opening_balance",
    "color",
    "icon",
    "group",
    "is_active",
    "include_in_net_worth",
)


@transaction.atomic
def account_create(
    *, household: Household, actor: User | None, name: str, currency: str | None = None, **fields: Any
) -> Account:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    errors = FieldErrors()
    code = check_currency(errors, "currency", currency or household.base_currency)
    if not name.strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if fields.get("type", AccountType.CHECKING) not in AccountType.values:
        errors.add("type", "Not a valid account type.", ErrorCode.INVALID_CHOICE)
    fields["opening_balance"] = fields.get("opening_balance", ZERO)
    check_money(errors, "opening_balance", fields["opening_balance"])
    errors.raise_if_any()
    account = Account.objects.create(
        household=household, name=name.strip(), currency=code, balance=fields["opening_balance"], **fields
    )
    bump_household_version(household.id)
    return account


@transaction.atomic
def account_update(*, account: Account, actor: User | None, **fields: Any) -> Account:
    require_role(household=account.household, actor=actor, roles=WRITE_ROLES)
    account = Account.objects.select_for_update().get(pk=account.pk)
    errors = FieldErrors()
    if "currency" in fields:
        code = check_currency(errors, "currency", fields["currency"])
        if code != account.currency and _account_in_use(account):
            errors.add("currency", "An account with transactions cannot change currency.", ErrorCode.IN_USE)
        fields["currency"] = code
    if "name" in fields and not str(fields["name"]).strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if "type" in fields and fields["type"] not in AccountType.values:
        errors.add("type", "Not a valid account type.", ErrorCode.INVALID_CHOICE)
    if "opening_balance" in fields:
        check_money(errors, "opening_balance", fields["opening_balance"])
    errors.raise_if_any()
    opening_change = fields.get("opening_balance", account.opening_balance) - account.opening_balance
    for name, value in fields.items():
        setattr(account, name, value.strip() if isinstance(value, str) else value)
    account.save(update_fields=[*fields, "updated_at"])
    if opening_change:
        delta = LedgerDelta()
        delta.accounts[account.pk] += opening_change
        apply_change(
            delta,
            household_id=account.household_id,
            kind=ChangeKind.BALANCE,
            account_ids={account.pk},
            field="opening_balance",
        )
        account.refresh_from_db(fields=["balance"])
    else:
        bump_household_version(account.household_id)
    return account


def _account_in_use(account: Account) -> bool:
    return Transaction.objects.filter(Q(account=account) | Q(transfer_account=account)).exists()


@transaction.atomic
def account_delete(*, account: Account, actor: User | None) -> None:
    require_role(household=account.household, actor=actor, roles=WRITE_ROLES)
    if _account_in_use(account):
        raise Conflict("This account has transactions; archive it (is_active: false) instead.", code=ErrorCode.IN_USE)
    audit_record(
        action=AuditAction.ACCOUNT_DELETE,
        actor=actor,
        household=account.household_id,
        target=account,
        changes={"type": account.type, "currency": account.currency},
    )
    account.delete()
    bump_household_version(account.household_id)


def account_default(*, household: Household, actor: User | None) -> Account:
    """The account that clients without accounts write to: the oldest active one in the base currency.

    A household without one gets a "Main account" (the first implementations had no accounts).
    """
    account = (
        Account.objects.filter(household=household, is_active=True, currency=household.base_currency)
        .order_by("created_at")
        .first()
    )
    if account is not None:
        return account
    return account_create(household=household, actor=actor, name="Main account", currency=household.base_currency)
