"""Writes to one transaction: validation and conversion (``_prepare``), create, update, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core import events, rows
from finance.core.dates import date_problem
from finance.core.exceptions import FieldError, FieldErrors
from finance.core.money import WIDE, ZERO, quantum
from finance.core.wording import article, capitalized
from finance.currency.selectors import RateCache
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger import extensions
from finance.ledger.effects import LedgerDelta, TransactionState, apply_change
from finance.ledger.errors import ErrorCode
from finance.ledger.events import CategoryCorrected, ChangeKind
from finance.ledger.inputs import Categorization, SplitInput, TransactionInput
from finance.ledger.models import (
    Account,
    CategorizationSource,
    Category,
    Split,
    Tag,
    Transaction,
    TransactionTag,
    TransactionType,
)
from finance.ledger.services._common import MAX_SPLITS, MAX_TAGS, check_amount, check_converted
from finance.ledger.services.tags import distinct_names, tags_for_names
from finance.users.models import User


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
    tags = values.get("tags")
    if len(splits) > MAX_SPLITS:
        err("splits", f"At most {MAX_SPLITS} splits per transaction.", ErrorCode.TOO_MANY)
        splits = ()  # refused: not worth checking each
    if tags is not None and len(distinct_names(tags)) > MAX_TAGS:
        err("tags", f"At most {MAX_TAGS} tags per transaction.", ErrorCode.TOO_MANY)

    if account is None:
        err("account", "This field is required.", ErrorCode.REQUIRED)
    elif account.household_id != household.id:
        err("account", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
    elif not account.is_active and (instance is None or instance.account_id != account.id):
        err("account", "This account is archived; reactivate it to add transactions.", ErrorCode.ARCHIVED)
    if kind not in TransactionType.values:
        err("type", "Must be income, expense or transfer.", ErrorCode.INVALID_CHOICE)
    for name in ("date", "posted_date"):
        problem = date_problem(on if name == "date" else values.get(name))
        if problem is not None:
            err(name, problem.message, problem.code)
    if account is not None:
        check_amount(errors, prefix + "amount", amount, account.currency)

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
                err(
                    "category", f"{capitalized(article(kind))} needs {article(kind)} category.", ErrorCode.TYPE_MISMATCH
                )
        if splits:
            if category is not None:
                err("category", "A split transaction takes its categories from the splits.", ErrorCode.NOT_ALLOWED)
            total = ZERO
            for i, part in enumerate(splits):
                name = f"splits.{i}"
                if part.category.household_id != household.id:
                    err(f"{name}.category", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
                elif kind in TransactionType.values and part.category.type != kind:
                    err(
                        f"{name}.category",
                        f"{capitalized(article(kind))} needs {kind} categories.",
                        ErrorCode.TYPE_MISMATCH,
                    )
                if account is not None:
                    check_amount(errors, f"{prefix}{name}.amount", part.amount, account.currency)
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
            transfer_amount = check_converted(
                prefix + "amount",
                rate.convert(amount).quantize(quantum(transfer_account.currency), context=WIDE),
                transfer_account.currency,
                rate.value,
            )
        else:
            check_amount(errors, prefix + "transfer_amount", transfer_amount, transfer_account.currency)
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
        txn.amount_in_base_currency = check_converted(
            prefix + "amount", base_rate.convert(amount), household.base_currency, base_rate.value
        )
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
    """Attach the splits and tags just written (``selectors.transaction_row`` reads them),
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
    rows.insert(txn)
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
