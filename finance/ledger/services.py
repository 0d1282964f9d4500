"""Every write to the ledger: accounts, categories, tags and transactions.

Each service runs in one database transaction, validates with field-level
errors, keeps balances and monthly aggregates exact through
:mod:`finance.ledger.effects`, and invalidates the household's cached
analytics after commit.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core import events
from finance.core.cache import bump_household_version
from finance.core.exceptions import Conflict, FieldError, FieldErrors
from finance.core.money import ZERO, currency_precision, iso_currencies
from finance.currency.selectors import RateCache
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger import extensions, verify
from finance.ledger.bulk import copy_insert
from finance.ledger.defaults import DEFAULT_CATEGORIES
from finance.ledger.effects import LedgerDelta, SplitState, TransactionState, apply_change
from finance.ledger.errors import ErrorCode
from finance.ledger.events import CategoryCorrected, ChangeKind
from finance.ledger.inputs import Categorization, SplitInput, TransactionInput
from finance.ledger.models import (
    Account,
    AccountType,
    CategorizationSource,
    Category,
    CategoryType,
    Split,
    Tag,
    Transaction,
    TransactionTag,
    TransactionType,
)
from finance.users.models import User

MAX_BULK = 1000


def _check_amount(errors: FieldErrors, name: str, amount: Decimal | None, currency: str) -> None:
    if amount is None:
        errors.add(name, "This field is required.", ErrorCode.REQUIRED)
        return
    if not amount.is_finite() or amount <= 0:
        errors.add(name, "Must be greater than zero.", ErrorCode.MIN_VALUE)
        return
    places = currency_precision(currency)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        errors.add(name, f"{currency} amounts have at most {places} decimal places.", ErrorCode.MAX_DECIMAL_PLACES)


def _check_currency(errors: FieldErrors, name: str, code: str) -> str:
    code = (code or "").strip().upper()
    if code not in iso_currencies():
        errors.add(name, f"“{code}” is not an ISO 4217 currency code.", ErrorCode.INVALID_CURRENCY)
    return code


def _same_household(errors: FieldErrors, name: str, obj: Any, household: Household) -> None:
    if obj is not None and obj.household_id != household.id:
        errors.add(name, "Not found in this household.", ErrorCode.DOES_NOT_EXIST)


# --- Accounts --------------------------------------------------------------------------------------


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
    code = _check_currency(errors, "currency", currency or household.base_currency)
    if not name.strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if fields.get("type", AccountType.CHECKING) not in AccountType.values:
        errors.add("type", "Not a valid account type.", ErrorCode.INVALID_CHOICE)
    fields["opening_balance"] = fields.get("opening_balance", ZERO)
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
        code = _check_currency(errors, "currency", fields["currency"])
        if code != account.currency and _account_in_use(account):
            errors.add("currency", "An account with transactions cannot change currency.", ErrorCode.IN_USE)
        fields["currency"] = code
    if "name" in fields and not str(fields["name"]).strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if "type" in fields and fields["type"] not in AccountType.values:
        errors.add("type", "Not a valid account type.", ErrorCode.INVALID_CHOICE)
    errors.raise_if_any()
    opening_change = fields.get("opening_balance", account.opening_balance) - account.opening_balance
    for name, value in fields.items():
        setattr(account, name, value.strip() if isinstance(value, str) else value)
    account.save(update_fields=[*fields, "updated_at"])
    if opening_change:
        delta = LedgerDelta()
        delta.accounts[account.pk] += opening_change
        apply_change(delta, household_id=account.household_id, kind=ChangeKind.BALANCE, account_ids={account.pk})
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


# --- Categories ------------------------------------------------------------------------------------


@transaction.atomic
def categories_create_defaults(*, household_id: uuid.UUID) -> int:
    """Give a new household the default category tree; returns how many were made."""
    made = 0
    for kind, tree in DEFAULT_CATEGORIES.items():
        for order, (name, children) in enumerate(tree):
            parent = Category.objects.create(
                household_id=household_id, name=name, type=kind, is_system=True, sort_order=order * 10
            )
            made += 1
            Category.objects.bulk_create(
                Category(household_id=household_id, name=child, type=kind, parent=parent, is_system=True, sort_order=i)
                for i, child in enumerate(children)
            )
            made += len(children)
    return made


def _check_category_place(
    errors: FieldErrors, household: Household, name: str, kind: str, parent: Category | None
) -> None:
    if not name.strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if kind not in CategoryType.values:
        errors.add("type", "Must be income or expense.", ErrorCode.INVALID_CHOICE)
    _same_household(errors, "parent", parent, household)
    if parent is not None and parent.type != kind:
        errors.add("parent", "A subcategory has its parent's type.", ErrorCode.TYPE_MISMATCH)


def _unique_category_name(household: Household, name: str, parent: Category | None, exclude: Any = None) -> bool:
    clash = Category.objects.filter(household=household, parent=parent, name__iexact=name.strip())
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    return not clash.exists()


@transaction.atomic
def category_create(
    *, household: Household, actor: User | None, name: str, type: str, parent: Category | None = None, **fields: Any
) -> Category:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    errors = FieldErrors()
    _check_category_place(errors, household, name, type, parent)
    errors.raise_if_any()
    if not _unique_category_name(household, name, parent):
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE)
    try:
        with transaction.atomic():
            category = Category.objects.create(
                household=household, name=name.strip(), type=type, parent=parent, **fields
            )
    except IntegrityError:
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE) from None
    bump_household_version(household.id)
    return category


def _descendant_ids(category: Category) -> set[uuid.UUID]:
    """The category and everything below it (trees are small: one query per level)."""
    found = {category.id}
    frontier = {category.id}
    while frontier:
        frontier = set(Category.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def category_in_use(ids: Iterable[uuid.UUID]) -> bool:
    ids = list(ids)
    return (
        Transaction.objects.filter(category_id__in=ids).exists() or Split.objects.filter(category_id__in=ids).exists()
    )


@transaction.atomic
def category_update(*, category: Category, actor: User | None, **fields: Any) -> Category:
    household = category.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    category = Category.objects.select_for_update().get(pk=category.pk)
    name = fields.get("name", category.name)
    kind = fields.get("type", category.type)
    parent = fields.get("parent", category.parent)
    errors = FieldErrors()
    _check_category_place(errors, household, name, kind, parent)
    if parent is not None and parent.id in _descendant_ids(category):
        errors.add("parent", "A category cannot be moved under itself.", ErrorCode.CYCLE)
    if kind != category.type and category_in_use(_descendant_ids(category)):
        errors.add("type", "Transactions use this category; its type cannot change.", ErrorCode.IN_USE)
    errors.raise_if_any()
    if not _unique_category_name(household, name, parent, exclude=category.pk):
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE)
    for key, value in fields.items():
        setattr(category, key, value.strip() if isinstance(value, str) else value)
    category.save()
    bump_household_version(household.id)
    return category


@transaction.atomic
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete a category and its subcategories, unless any of them is in use (409)."""
    require_role(household=category.household, actor=actor, roles=WRITE_ROLES)
    ids = _descendant_ids(category)
    if category_in_use(ids):
        raise Conflict(
            "Transactions use this category or one below it; recategorize them first.", code=ErrorCode.IN_USE
        )
    audit_record(
        action=AuditAction.CATEGORY_DELETE,
        actor=actor,
        household=category.household_id,
        target=category,
        changes={"categories_deleted": len(ids)},
    )
    Category.objects.filter(pk__in=ids).delete()
    bump_household_version(category.household_id)


# --- Tags ---------------------------------------------------------------------------------------------


def tags_for_names(*, household: Household, names: Iterable[str]) -> list[Tag]:
    """The household's tags with these names (any case), creating the missing ones."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = raw.strip()
        if name:
            wanted.setdefault(name.lower(), name)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in Tag.objects.filter(household=household, name__in=list(wanted.values()))}
    if len(existing) < len(wanted):
        existing.update({t.name.lower(): t for t in _tags_iexact(household, wanted.keys() - existing.keys())})
    for key in wanted.keys() - existing.keys():
        try:
            with transaction.atomic():
                existing[key] = Tag.objects.create(household=household, name=wanted[key])
        except IntegrityError:  # created concurrently
            existing[key] = Tag.objects.get(household=household, name__iexact=wanted[key])
    return [existing[key] for key in wanted]


def _tags_iexact(household: Household, lowered: Iterable[str]) -> list[Tag]:
    query = Q()
    for name in lowered:
        query |= Q(name__iexact=name)
    return list(Tag.objects.filter(query, household=household))


@transaction.atomic
def tag_create(*, household: Household, actor: User | None, name: str, color: str = "") -> Tag:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if not name.strip():
        raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
    if Tag.objects.filter(household=household, name__iexact=name.strip()).exists():
        raise FieldError("name", "A tag with this name already exists.", code=ErrorCode.UNIQUE)
    return Tag.objects.create(household=household, name=name.strip(), color=color)


@transaction.atomic
def tag_update(*, tag: Tag, actor: User | None, **fields: Any) -> Tag:
    require_role(household=tag.household, actor=actor, roles=WRITE_ROLES)
    if "name" in fields:
        name = str(fields["name"]).strip()
        if not name:
            raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
        if Tag.objects.filter(household_id=tag.household_id, name__iexact=name).exclude(pk=tag.pk).exists():
            raise FieldError("name", "A tag with this name already exists.", code=ErrorCode.UNIQUE)
        fields["name"] = name
    for key, value in fields.items():
        setattr(tag, key, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: User | None) -> None:
    require_role(household=tag.household, actor=actor, roles=WRITE_ROLES)
    audit_record(action=AuditAction.TAG_DELETE, actor=actor, household=tag.household_id, target=tag)
    tag.delete()


# --- Transactions -------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A validated transaction, ready to save, with its conversion done."""

    txn: Transaction
    splits: list[Split] = field(default_factory=list)
    tag_names: list[str] | None = None


def _prepare(
    *,
    household: Household,
    values: dict[str, Any],
    rates: RateCache,
    instance: Transaction | None = None,
    prefix: str = "",
    changed: Iterable[str] | None = None,
) -> Prepared:
    """Validate ``values`` (a complete description of the transaction: ``TransactionInput.given()``) and
    build the rows."""
    errors = FieldErrors()

    def err(name: str, message: str, code: str = ErrorCode.INVALID) -> None:
        errors.add(prefix + name, message, code)

    account: Account | None = values.get("account")
    kind = values.get("type")
    amount = values.get("amount")
    transfer_account: Account | None = values.get("transfer_account")
    transfer_amount = values.get("transfer_amount")
    category: Category | None = values.get("category")
    splits: Sequence[SplitInput] = values.get("splits") or ()
    on = values.get("date") or timezone.localdate()

    if account is None:
        err("account", "This field is required.", ErrorCode.REQUIRED)
    elif account.household_id != household.id:
        err("account", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
    elif not account.is_active and (instance is None or instance.account_id != account.id):
        err("account", "This account is archived; reactivate it to add transactions.", ErrorCode.ARCHIVED)
    if kind not in TransactionType.values:
        err("type", "Must be income, expense or transfer.", ErrorCode.INVALID_CHOICE)
    if account is not None:
        _check_amount(errors, prefix + "amount", amount, account.currency)

    if kind == TransactionType.TRANSFER:
        if transfer_account is None:
            err("transfer_account", "A transfer needs the account the money goes to.", ErrorCode.REQUIRED)
        elif transfer_account.household_id != household.id:
            err("transfer_account", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
        elif account is not None and transfer_account.id == account.id:
            err("transfer_account", "A transfer goes between two different accounts.", ErrorCode.SAME_ACCOUNT)
        elif not transfer_account.is_active and (
            instance is None or instance.transfer_account_id != transfer_account.id
        ):
            err("transfer_account", "This account is archived.", ErrorCode.ARCHIVED)
        if category is not None:
            err("category", "Transfers are neither income nor expense and take no category.", ErrorCode.NOT_ALLOWED)
        if splits:
            err("splits", "Transfers cannot be split.", ErrorCode.NOT_ALLOWED)
    else:
        if transfer_account is not None:
            err("transfer_account", "Only transfers have a destination account.", ErrorCode.NOT_ALLOWED)
        if transfer_amount is not None:
            err("transfer_amount", "Only transfers have a received amount.", ErrorCode.NOT_ALLOWED)
        if category is not None:
            if category.household_id != household.id:
                err("category", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
            elif kind in TransactionType.values and category.type != kind:
                err("category", f"A {kind} needs a {kind} category.", ErrorCode.TYPE_MISMATCH)
        if splits:
            if category is not None:
                err("category", "A split transaction takes its categories from the splits.", ErrorCode.NOT_ALLOWED)
            total = ZERO
            for i, part in enumerate(splits):
                name = f"splits.{i}"
                if part.category.household_id != household.id:
                    err(f"{name}.category", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
                elif kind in TransactionType.values and part.category.type != kind:
                    err(f"{name}.category", f"A {kind} needs {kind} categories.", ErrorCode.TYPE_MISMATCH)
                if account is not None:
                    _check_amount(errors, f"{prefix}{name}.amount", part.amount, account.currency)
                total += part.amount or ZERO
            if isinstance(amount, Decimal) and total != amount:
                err("splits", f"Split amounts add up to {total}, not {amount}.", ErrorCode.SPLIT_SUM)
    errors.raise_if_any()
    assert account is not None and isinstance(amount, Decimal)

    if kind == TransactionType.TRANSFER:
        assert transfer_account is not None
        if transfer_amount is None:
            rate = rates.get(account.currency, transfer_account.currency, on)
            if rate is None:
                raise FieldError(
                    prefix + "transfer_amount",
                    f"No {account.currency}→{transfer_account.currency} rate on or before {on}; "
                    "give the amount received.",
                    code=ErrorCode.REQUIRED,
                )
            transfer_amount = rate.convert(amount).quantize(
                Decimal(1).scaleb(-currency_precision(transfer_account.currency))
            )
        else:
            _check_amount(errors, prefix + "transfer_amount", transfer_amount, transfer_account.currency)
            errors.raise_if_any()

    base_rate = rates.get(account.currency, household.base_currency, on)
    txn = instance or Transaction(household=household)
    txn.account = account
    txn.type = str(kind)
    txn.amount = amount
    txn.currency = account.currency
    txn.date = on
    txn.transfer_account = transfer_account if kind == TransactionType.TRANSFER else None
    txn.transfer_amount = transfer_amount if kind == TransactionType.TRANSFER else None
    txn.category = None if (kind == TransactionType.TRANSFER or splits) else category
    for name in ("posted_date", "payee", "description", "notes", "reference_number"):
        if name in values:
            value = values[name]
            setattr(txn, name, value.strip() if isinstance(value, str) else value)
    for name in ("is_pending", "is_excluded", "is_reconciled"):
        if name in values:
            setattr(txn, name, bool(values[name]))
    if "import_batch" in values:
        txn.import_batch = values["import_batch"]
    if base_rate is None:
        txn.amount_in_base_currency = txn.exchange_rate = txn.exchange_rate_date = None
    else:
        txn.amount_in_base_currency = base_rate.convert(amount)
        txn.exchange_rate = base_rate.value
        txn.exchange_rate_date = base_rate.date
    _set_categorization(txn, values, instance, set(values) if changed is None else set(changed))

    split_rows = [
        Split(
            household=household,
            transaction=txn,
            category=part.category,
            amount=part.amount,
            description=(part.description or "").strip(),
            position=i,
        )
        for i, part in enumerate(splits)
    ]
    if base_rate is not None and split_rows:
        converted = base_rate.convert_parts([s.amount for s in split_rows])
        for split, base in zip(split_rows, converted, strict=True):
            split.amount_in_base_currency = base
    tags = values.get("tags")
    return Prepared(txn=txn, splits=split_rows, tag_names=list(tags) if tags is not None else None)


def _set_categorization(
    txn: Transaction, values: dict[str, Any], instance: Transaction | None, changed: set[str]
) -> None:
    """Record how the category was chosen; a category set by a person is theirs."""
    given: Categorization | None = values.get("categorization")
    if given is not None:
        txn.categorization_source = given.source
        txn.categorization_confidence = given.confidence
        txn.categorization_rule = given.rule
        txn.needs_review = given.needs_review
        return
    # Only a change of category (or splits) is a person's decision; editing the payee is not.
    category_changed = instance is None or bool({"category", "splits", "type"} & changed)
    if not category_changed:
        return
    if txn.category_id is not None or values.get("splits"):
        txn.categorization_source = CategorizationSource.USER
        txn.categorization_confidence = Decimal(1)
        txn.categorization_rule = None
        txn.needs_review = False
    elif instance is not None:
        # Cleared by hand: nothing to review, nothing decided.
        txn.categorization_source = ""
        txn.categorization_confidence = None
        txn.categorization_rule = None


def _save_tags(household: Household, txn: Transaction, names: list[str] | None, *, replace: bool) -> list[Tag]:
    """Give ``txn`` exactly these tags (``replace``) or add them; the tags named."""
    if names is None:
        return []
    tags = tags_for_names(household=household, names=names)
    if replace:
        TransactionTag.objects.filter(transaction=txn).exclude(tag__in=tags).delete()
        present = set(TransactionTag.objects.filter(transaction=txn).values_list("tag_id", flat=True))
    else:
        present = set()
    TransactionTag.objects.bulk_create(
        [TransactionTag(household=household, transaction=txn, tag=tag) for tag in tags if tag.id not in present],
        ignore_conflicts=True,
    )
    return list(tags)


def _remember_details(txn: Transaction, splits: list[Split], tags: list[Tag]) -> None:
    """Attach the splits and tags just written (as ``selectors.attach_details`` would),
    so presenting a new transaction reads nothing back."""
    txn.split_rows = splits  # type: ignore[attr-defined]
    txn.tag_names = [tag.name for tag in tags]  # type: ignore[attr-defined]


@transaction.atomic
def transaction_create(*, household: Household, actor: User | None, data: TransactionInput) -> Transaction:
    """Record one transaction and update balances and aggregates with it."""
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if (
        not data.category
        and not data.splits
        and data.type in (TransactionType.INCOME, TransactionType.EXPENSE)
        and "categorization" not in data
        and data.account
    ):
        # No category given: the categorizer (finance.categorization) may suggest one.
        suggest = extensions.suggest_categorization.implementation
        if suggest is not None:
            data = suggest(household, data)
    prepared = _prepare(household=household, values=data.given(), rates=RateCache(household.id))
    txn = prepared.txn
    txn.created_by = actor
    txn.save(force_insert=True)
    Split.objects.bulk_create(prepared.splits)
    tags = _save_tags(household, txn, prepared.tag_names, replace=False)
    delta = LedgerDelta()
    delta.add(TransactionState.of(txn, prepared.splits))
    apply_change(delta, household_id=household.id, kind=ChangeKind.CREATED, ids=[txn.id])
    _remember_details(txn, sorted(prepared.splits, key=lambda split: split.position), tags)
    return txn


@transaction.atomic
def transaction_update(*, txn: Transaction, actor: User | None, changes: TransactionInput) -> Transaction:
    """Change a transaction (the fields ``changes`` gives); derived data moves from its old state to its new one."""
    household = txn.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    # Lock the row so two concurrent edits cannot both subtract the same old state.
    current = (
        Transaction.objects.select_for_update(of=("self",))
        .select_related("account", "transfer_account", "category")
        .get(pk=txn.pk)
    )
    old_splits = list(Split.objects.filter(transaction=current).select_related("category"))
    old_state = TransactionState.of(current, old_splits)
    values: dict[str, Any] = {
        "account": current.account,
        "type": current.type,
        "amount": current.amount,
        "date": current.date,
        "category": current.category,
        "transfer_account": current.transfer_account,
        "transfer_amount": current.transfer_amount,
        "splits": [SplitInput(s.category, s.amount, s.description) for s in old_splits],
    }
    if "type" in changes and changes.type != current.type:
        # A new type invalidates type-specific parts unless they are given again.
        for name in ("transfer_account", "transfer_amount", "category", "splits"):
            values.pop(name)
    if (
        any(k in changes for k in ("amount", "account", "transfer_account", "date"))
        and "transfer_amount" not in changes
    ):
        values.pop("transfer_amount", None)
    if "category" in changes and "splits" not in changes:
        values["splits"] = []
    if changes.splits and "category" not in changes:
        values["category"] = None
    given = changes.given()
    values.update(given)
    prepared = _prepare(
        household=household, values=values, rates=RateCache(household.id), instance=current, changed=given.keys()
    )
    new = prepared.txn
    new.save()
    # Splits are rebuilt every time: their base amounts follow the transaction's conversion.
    Split.objects.filter(transaction=new).delete()
    Split.objects.bulk_create(prepared.splits)
    _save_tags(household, new, prepared.tag_names, replace=True)
    delta = LedgerDelta()
    delta.add(old_state, -1)
    delta.add(TransactionState.of(new, prepared.splits))
    apply_change(delta, household_id=household.id, kind=ChangeKind.UPDATED, ids=[new.id])
    corrected = changes.category if isinstance(changes.category, Category) else None
    if actor is not None and corrected is not None and corrected.pk != old_state.category_id:
        # A person corrected the category (API or web app): the categorizer learns from it.
        events.publish(
            CategoryCorrected(
                household_id=household.id,
                transaction_id=new.id,
                category_id=corrected.pk,
                previous_category_id=old_state.category_id,
                actor_id=actor.pk,
            )
        )
    return new


@transaction.atomic
def transaction_delete(*, txn: Transaction, actor: User | None) -> None:
    household = txn.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    current = Transaction.objects.select_for_update().filter(pk=txn.pk).first()
    if current is None:
        return
    state = TransactionState.of(current, list(Split.objects.filter(transaction=current)))
    audit_record(
        action=AuditAction.TRANSACTION_DELETE,
        actor=actor,
        household=household,
        target=current,
        changes={"type": current.type, "amount": current.amount, "currency": current.currency, "date": current.date},
    )
    deleted_id = current.pk
    current.delete()
    delta = LedgerDelta()
    delta.add(state, -1)
    apply_change(delta, household_id=household.id, kind=ChangeKind.DELETED, ids=[deleted_id])


@transaction.atomic
def transaction_bulk_create(
    *, household: Household, actor: User | None, items: Sequence[TransactionInput]
) -> list[Transaction]:
    """Create up to ``MAX_BULK`` transactions: all of them, or none (errors name each row)."""
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if not items:
        raise FieldError("transactions", "Give at least one transaction.", code=ErrorCode.EMPTY)
    if len(items) > MAX_BULK:
        raise FieldError("transactions", f"At most {MAX_BULK} transactions per call.", code=ErrorCode.MAX_LENGTH)
    rates = RateCache(household.id)
    prepared: list[Prepared] = []
    row_errors = FieldErrors()
    for i, item in enumerate(items):
        try:
            prepared.append(
                _prepare(household=household, values=item.given(), rates=rates, prefix=f"transactions.{i}.")
            )
        except FieldError as exc:
            row_errors.extend(exc)
    row_errors.raise_if_any()
    created = transactions_insert(household=household, actor=actor, prepared=prepared)
    audit_record(
        action=AuditAction.TRANSACTION_BULK_CREATE,
        actor=actor,
        household=household,
        target_type="ledger.transaction",
        changes={"created": len(created)},
    )
    return created


def _bulk_targets(household: Household, ids: Sequence[uuid.UUID]) -> list[Transaction]:
    """The selected transactions of this household, locked in a fixed order; all of them or an error."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise FieldError("ids", "Select at least one transaction.", code=ErrorCode.EMPTY)
    if len(wanted) > MAX_BULK:
        raise FieldError("ids", f"At most {MAX_BULK} transactions per call.", code=ErrorCode.MAX_LENGTH)
    rows = list(Transaction.objects.select_for_update().filter(household=household, pk__in=wanted).order_by("pk"))
    if len(rows) != len(wanted):
        raise FieldError(
            "ids", "Some of the selected transactions are not in this household.", code=ErrorCode.DOES_NOT_EXIST
        )
    return rows


def _splits_of(rows: Sequence[Transaction]) -> dict[uuid.UUID, list[Split]]:
    by_txn: dict[uuid.UUID, list[Split]] = {}
    for split in Split.objects.filter(transaction__in=rows).order_by("transaction_id", "position"):
        by_txn.setdefault(split.transaction_id, []).append(split)
    return by_txn


@transaction.atomic
def transaction_bulk_update(
    *,
    household: Household,
    actor: User | None,
    ids: Sequence[uuid.UUID],
    category: Category | None = None,
    add_tags: Iterable[str] = (),
) -> int:
    """Give the selected transactions one category (replacing any splits) and/or add tags to them.

    All or nothing: a transaction outside the household, or one the category
    does not fit (a transfer, or an income for an expense category), refuses
    the whole call. Returns how many transactions were changed.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    tag_names = [name for name in add_tags if name.strip()]
    if category is None and not tag_names:
        raise FieldError("category", "Choose a category or tags to add.", code=ErrorCode.REQUIRED)
    if category is not None and category.household_id != household.id:
        raise FieldError("category", "Not found in this household.", code=ErrorCode.DOES_NOT_EXIST)
    rows = _bulk_targets(household, ids)
    delta = LedgerDelta()
    if category is not None:
        misfits = sum(1 for txn in rows if txn.type != category.type)
        if misfits:
            raise FieldError(
                "category",
                f"{misfits} of the selected transactions are not of type {category.type} (transfers take no category).",
                code=ErrorCode.TYPE_MISMATCH,
            )
        old_splits = _splits_of(rows)
        now = timezone.now()
        for txn in rows:
            delta.add(TransactionState.of(txn, old_splits.get(txn.id, [])), -1)
            txn.category = category
            txn.categorization_source = CategorizationSource.USER
            txn.categorization_confidence = Decimal(1)
            txn.categorization_rule = None
            txn.needs_review = False
            txn.updated_at = now
            delta.add(TransactionState.of(txn, []))
        Split.objects.filter(transaction_id__in=list(old_splits)).delete()
        Transaction.objects.bulk_update(
            rows,
            [
                "category",
                "categorization_source",
                "categorization_confidence",
                "categorization_rule",
                "needs_review",
                "updated_at",
            ],
            batch_size=500,
        )
    if tag_names:
        tags = tags_for_names(household=household, names=tag_names)
        TransactionTag.objects.bulk_create(
            [TransactionTag(household=household, transaction=txn, tag=tag) for txn in rows for tag in tags],
            batch_size=500,
            ignore_conflicts=True,
        )
    audit_record(
        action=AuditAction.TRANSACTION_BULK_UPDATE,
        actor=actor,
        household=household,
        target_type="ledger.transaction",
        changes={"updated": len(rows), "category": category, "tags_added": len(tag_names)},
    )
    # Tags alone move no money (no dates, no accounts in the event), but the transactions did change.
    apply_change(delta, household_id=household.id, kind=ChangeKind.UPDATED, ids=[txn.pk for txn in rows])
    return len(rows)


@transaction.atomic
def transaction_bulk_delete(*, household: Household, actor: User | None, ids: Sequence[uuid.UUID]) -> int:
    """Delete the selected transactions (all of them or none); returns how many."""
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    rows = _bulk_targets(household, ids)
    splits = _splits_of(rows)
    delta = LedgerDelta()
    for txn in rows:
        delta.add(TransactionState.of(txn, splits.get(txn.id, [])), -1)
    deleted_ids = [txn.pk for txn in rows]
    Transaction.objects.filter(pk__in=deleted_ids).delete()
    audit_record(
        action=AuditAction.TRANSACTION_BULK_DELETE,
        actor=actor,
        household=household,
        target_type="ledger.transaction",
        changes={"deleted": len(rows)},
    )
    apply_change(delta, household_id=household.id, kind=ChangeKind.DELETED, ids=deleted_ids)
    return len(rows)


def transactions_insert(*, household: Household, actor: User | None, prepared: Sequence[Prepared]) -> list[Transaction]:
    """Insert validated transactions in bulk and apply their effects once (callers hold the transaction)."""
    now = timezone.now()
    txns = []
    for item in prepared:
        item.txn.id = item.txn.id or uuid.uuid4()
        item.txn.created_by = actor
        item.txn.created_at = item.txn.updated_at = now
        txns.append(item.txn)
    Transaction.objects.bulk_create(txns, batch_size=500)
    Split.objects.bulk_create([s for item in prepared for s in item.splits], batch_size=500)
    names = {name for item in prepared for name in (item.tag_names or [])}
    if names:
        by_name = {t.name.lower(): t for t in tags_for_names(household=household, names=names)}
        TransactionTag.objects.bulk_create(
            [
                TransactionTag(household=household, transaction=item.txn, tag=by_name[name.strip().lower()])
                for item in prepared
                for name in dict.fromkeys(n for n in (item.tag_names or []) if n.strip())
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
    delta = LedgerDelta()
    for item in prepared:
        delta.add(TransactionState.of(item.txn, item.splits))
    apply_change(delta, household_id=household.id, kind=ChangeKind.CREATED, ids=[t.id for t in txns])
    return txns


LOAD_CHUNK = 5000


@dataclass(slots=True)
class NewTransaction:
    """One income or expense for :func:`transactions_load`: plain values, no model instance (100k per import)."""

    id: uuid.UUID
    household_id: uuid.UUID
    account_id: uuid.UUID
    type: str
    amount: Decimal  # positive
    currency: str
    posted_date: date | None  # before ``date``, whose name hides the type in the class body
    date: date
    category_id: uuid.UUID | None = None
    payee: str = ""
    description: str = ""
    notes: str = ""
    reference_number: str = ""
    is_pending: bool = False
    needs_review: bool = False
    categorization_source: str = ""
    categorization_confidence: Decimal | None = None
    import_batch: uuid.UUID | None = None


_LOAD_COLUMNS = (
    *NewTransaction.__dataclass_fields__,
    "amount_in_base_currency",
    "exchange_rate",
    "exchange_rate_date",
    "created_by_id",
    "created_at",
    "updated_at",
)


@transaction.atomic
def transactions_load(
    *,
    household: Household,
    actor: User | None,
    txns: Sequence[NewTransaction],
    progress: Callable[[float], None] | None = None,
) -> None:
    """Insert many new income/expense transactions, validated by the caller, with their effects applied once.

    The lean path for imports: no splits or tags, rows written with ``COPY`` on
    PostgreSQL straight from the values (no model instances). Each transaction
    gets its base-currency conversion, timestamps and creator here; derived
    data is summed into one :class:`LedgerDelta` and applied in the caller's
    database transaction, as every other write does.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    rates = RateCache(household.id)
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    delta = LedgerDelta()
    values = operator.attrgetter(*NewTransaction.__dataclass_fields__)
    rows: list[tuple[Any, ...]] = []
    # Effects summed per (account, type, month, category, converted?) first: one LedgerDelta.add per group.
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for txn in txns:
        if txn.type not in (TransactionType.INCOME, TransactionType.EXPENSE) or not txn.amount > 0:
            raise ValueError(f"transactions_load takes positive incomes and expenses, not {txn.type} {txn.amount}")
        if txn.household_id != household.id:
            raise ValueError("transactions_load writes into one household")
        rate = rates.get(txn.currency, household.base_currency, txn.date)
        base = rate.convert(txn.amount) if rate else None
        rows.append((*values(txn), base, rate.value if rate else None, rate.date if rate else None, actor_id, now, now))
        key = (txn.account_id, txn.type, txn.date.year, txn.date.month, txn.category_id, base is None)
        group = groups.get(key)
        if group is None:
            groups[key] = [txn.date, txn.amount, base or ZERO, 1]
        else:
            group[1] += txn.amount
            group[2] += base or ZERO
            group[3] += 1
    for (account_id, kind, _year, _month, category_id, unconverted), (on, amount, base, count) in groups.items():
        delta.add(
            TransactionState(
                household_id=household.id,
                account_id=account_id,
                type=kind,
                amount=amount,
                date=on,
                transfer_account_id=None,
                transfer_amount=None,
                amount_in_base=None if unconverted else base,
                is_excluded=False,
                category_id=category_id,
            ),
            count=count,
        )
    for start in range(0, len(rows), LOAD_CHUNK):
        copy_insert(Transaction, rows[start : start + LOAD_CHUNK], columns=_LOAD_COLUMNS)
        if progress is not None:
            progress(min(1.0, (start + LOAD_CHUNK) / len(rows)))
    apply_change(
        delta,
        household_id=household.id,
        kind=ChangeKind.CREATED,
        ids=[t.id for t in txns],
        dates={t.date for t in txns},
        account_ids={t.account_id for t in txns},
    )


_STATE_COLUMNS = (
    "id",
    "household_id",
    "account_id",
    "type",
    "amount",
    "date",
    "transfer_account_id",
    "transfer_amount",
    "amount_in_base_currency",
    "is_excluded",
    "category_id",
)


@transaction.atomic
def transactions_delete_where(*, household: Household, actor: User | None, where: Q) -> int:
    """Delete every transaction of the household matching ``where`` in a few set-based statements.

    The lean path for reverting an import (100k rows): the transactions are
    locked and read as plain values (one query, their splits in a second), their
    effects removed with one :class:`LedgerDelta`, rows that point at them
    handled by their ``on_delete`` in one statement per relation (``SET_NULL``
    → one ``UPDATE``, ``CASCADE`` → the ORM's delete of the related rows,
    ``PROTECT`` → refused), and the transactions removed with one ``DELETE``.
    No model instances are built. Returns how many were deleted.
    """
    from django.db.models import deletion

    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    targets = Transaction.objects.filter(household=household).filter(where).order_by()
    ids = targets.values("id")
    states = list(targets.select_for_update(of=("self",)).values_list(*_STATE_COLUMNS))
    if not states:
        return 0
    splits: dict[uuid.UUID, list[SplitState]] = {}
    for txn_id, category_id, base in Split.objects.filter(household=household, transaction_id__in=ids).values_list(
        "transaction_id", "category_id", "amount_in_base_currency"
    ):
        splits.setdefault(txn_id, []).append(SplitState(category_id, base))
    delta = LedgerDelta()
    for txn_id, hid, account_id, kind, amount, on, to_account, to_amount, base, excluded, category_id in states:
        delta.add(
            TransactionState(
                household_id=hid,
                account_id=account_id,
                type=kind,
                amount=amount,
                date=on,
                transfer_account_id=to_account,
                transfer_amount=to_amount,
                amount_in_base=base,
                is_excluded=excluded,
                category_id=category_id,
                splits=tuple(splits.get(txn_id, ())),
            ),
            -1,
        )
    meta: Any = Transaction._meta
    relations: list[Any] = list(deletion.get_candidate_relations_to_delete(meta))
    for relation in relations:
        name = relation.field.name
        related = relation.related_model._base_manager.filter(**{f"{name}__in": ids})
        if relation.on_delete is deletion.SET_NULL:
            related.update(**{name: None})
        elif relation.on_delete is deletion.CASCADE:
            related.delete()
        elif relation.on_delete is deletion.DO_NOTHING:
            continue
        elif related.exists():
            raise Conflict(f"Some of these transactions are still used by {relation.related_model._meta.verbose_name}.")
    targets._raw_delete(targets.db)
    apply_change(delta, household_id=household.id, kind=ChangeKind.DELETED, ids=[state[0] for state in states])
    return len(states)


@transaction.atomic
def transactions_reconvert(*, household_id: uuid.UUID, currencies: Iterable[str] | None = None) -> int:
    """Recompute base-currency amounts (after a rate or base-currency change); returns how many changed."""
    household = Household.objects.get(pk=household_id)
    rates = RateCache(household.id)
    qs = Transaction.objects.filter(household=household).select_related("account").prefetch_related("splits")
    if currencies is not None:
        qs = qs.filter(currency__in=list(currencies))
    delta = LedgerDelta()
    changed_txns: list[Transaction] = []
    changed_splits: list[Split] = []
    for txn in qs.iterator(chunk_size=2000):
        splits = list(txn.splits.all())
        old = TransactionState.of(txn, splits)
        rate = rates.get(txn.currency, household.base_currency, txn.date)
        new_base = rate.convert(txn.amount) if rate else None
        if new_base == txn.amount_in_base_currency and (rate.value if rate else None) == txn.exchange_rate:
            continue
        txn.amount_in_base_currency = new_base
        txn.exchange_rate = rate.value if rate else None
        txn.exchange_rate_date = rate.date if rate else None
        if splits:
            parts: list[Decimal | None] = (
                list(rate.convert_parts([s.amount for s in splits])) if rate else [None] * len(splits)
            )
            for split, base in zip(splits, parts, strict=True):
                split.amount_in_base_currency = base
            changed_splits.extend(splits)
        delta.add(old, -1)
        delta.add(TransactionState.of(txn, splits))
        changed_txns.append(txn)
    Transaction.objects.bulk_update(
        changed_txns, ["amount_in_base_currency", "exchange_rate", "exchange_rate_date"], batch_size=1000
    )
    Split.objects.bulk_update(changed_splits, ["amount_in_base_currency"], batch_size=1000)
    if changed_txns:
        apply_change(delta, household_id=household.id, kind=ChangeKind.RECONVERTED, ids=[t.id for t in changed_txns])
    else:
        bump_household_version(household.id)
    return len(changed_txns)


@transaction.atomic
def transactions_restored(*, household: Household) -> None:
    """After a restore wrote a household's transactions directly: rebuild its balances and aggregates from
    them and tell the listeners (budgets, goals) of all of them, as of any other write."""
    verify.repair(household.id)
    rows = list(
        Transaction.objects.filter(household=household).values_list("id", "date", "account_id", "transfer_account_id")
    )
    apply_change(
        LedgerDelta(),
        household_id=household.id,
        kind=ChangeKind.CREATED,
        ids=[row[0] for row in rows],
        dates={row[1] for row in rows},
        account_ids={a for row in rows for a in row[2:] if a is not None},
    )


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


@transaction.atomic
def category_by_name(*, household: Household, actor: User | None, name: str, type: str) -> Category | None:
    """The household's category of that type and name (any case, any level), created at the top if new."""
    name = name.strip()
    if not name:
        return None
    found = (
        Category.objects.filter(household=household, type=type, name__iexact=name)
        .order_by("parent_id", "created_at")
        .first()
    )
    if found is not None:
        return found
    return category_create(household=household, actor=actor, name=name, type=type)
