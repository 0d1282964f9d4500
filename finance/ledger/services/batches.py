"""Writes to many transactions at once: bulk create, update and delete, the lean import load and
revert, reconversion, and the rebuild after a restore."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.cache import bump_household_version
from finance.core.exceptions import Conflict, FieldError, FieldErrors
from finance.core.money import ZERO, converted_problem
from finance.currency.selectors import Rate, RateCache
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger import verify
from finance.ledger.bulk import copy_insert, in_lists
from finance.ledger.effects import LedgerDelta, SplitState, TransactionState, apply_change
from finance.ledger.errors import ErrorCode
from finance.ledger.events import MAX_EVENT_IDS, ChangeKind
from finance.ledger.inputs import TransactionInput
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
from finance.ledger.services._common import MAX_BULK, MAX_TAGS, check_converted
from finance.ledger.services.tags import distinct_names, tags_for_names
from finance.ledger.services.transactions import Prepared, _prepare
from finance.users.models import User


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
    tag_names = list(distinct_names(add_tags).values())
    if category is None and not tag_names:
        raise FieldError("category", "Choose a category or tags to add.", code=ErrorCode.REQUIRED)
    if len(tag_names) > MAX_TAGS:
        raise FieldError("tags", f"At most {MAX_TAGS} tags per transaction.", code=ErrorCode.TOO_MANY)
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
        _check_room_for_tags(rows, tags)
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
    apply_change(delta, household_id=household.id, kind=ChangeKind.UPDATED, ids=[txn.pk for txn in rows], field="ids")
    return len(rows)


def _check_room_for_tags(rows: Sequence[Transaction], tags: Sequence[Tag]) -> None:
    """Refuse (``tags``, ``too_many``) when adding ``tags`` would give a transaction more than ``MAX_TAGS``."""
    adding = {tag.id for tag in tags}
    present: dict[uuid.UUID, set[uuid.UUID]] = {txn.id: set() for txn in rows}
    for txn_id, tag_id in TransactionTag.objects.filter(transaction__in=list(present)).values_list(
        "transaction_id", "tag_id"
    ):
        present[txn_id].add(tag_id)
    over = sum(1 for have in present.values() if len(have | adding) > MAX_TAGS)
    if over:
        raise FieldError(
            "tags",
            f"{over} of the selected transactions would have more than {MAX_TAGS} tags.",
            code=ErrorCode.TOO_MANY,
        )


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
    apply_change(delta, household_id=household.id, kind=ChangeKind.DELETED, ids=deleted_ids, field="ids")
    return len(rows)


def transactions_insert(
    *, household: Household, actor: User | None, prepared: Sequence[Prepared], field: str = "transactions"
) -> list[Transaction]:
    """Insert validated transactions in bulk and apply their effects once (callers hold the transaction); one
    that would take an aggregate out of the supported range is refused on ``field``."""
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
    apply_change(delta, household_id=household.id, kind=ChangeKind.CREATED, ids=[t.id for t in txns], field=field)
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
    label: Callable[[int], str] = lambda i: f"transactions.{i}.amount",
    field: str = "transactions",
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
    kinds = (TransactionType.INCOME, TransactionType.EXPENSE)
    base_currency = household.base_currency
    day_rates: dict[tuple[str, date], Rate | None] = {}  # an import has 100k rows and a few thousand days
    for i, txn in enumerate(txns):
        if txn.type not in kinds or not txn.amount > 0:
            raise ValueError(f"transactions_load takes positive incomes and expenses, not {txn.type} {txn.amount}")
        if txn.household_id != household.id:
            raise ValueError("transactions_load writes into one household")
        on = (txn.currency, txn.date)
        try:
            rate = day_rates[on]
        except KeyError:
            rate = day_rates[on] = rates.get(txn.currency, base_currency, txn.date)
        base = None
        if rate is not None:
            base = rate.convert(txn.amount)
            if converted_problem(base) is not None:
                check_converted(label(i), base, base_currency, rate.value)
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
        delta.add_group(
            household_id=household.id,
            account_id=account_id,
            kind=kind,
            on=on,
            amount=amount,
            amount_in_base=None if unconverted else base,
            category_id=category_id,
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
        field=field,
    )


# What :func:`transactions_load_from` takes of each source row: the fields of a :class:`NewTransaction` but the
# household, account and currency (the ledger's own).
LOAD_FROM_FIELDS = (
    "id",
    "type",
    "amount",
    "date",
    "posted_date",
    "category_id",
    "payee",
    "description",
    "notes",
    "reference_number",
    "is_pending",
    "needs_review",
    "categorization_source",
    "categorization_confidence",
    "import_batch",
)


@transaction.atomic
def transactions_load_from(
    *,
    household: Household,
    actor: User | None,
    account: Account,
    source: QuerySet[Any],
    values: Mapping[str, Any],
    field: str = "transactions",
) -> int:
    """Insert one income or expense into ``account`` per row of ``source``, in the database, with their effects.

    :func:`transactions_load` for rows that are in the database already (an import's analysed rows): one
    ``INSERT … SELECT`` on PostgreSQL instead of reading 100k rows out and writing them back. ``values`` maps
    each of :data:`LOAD_FROM_FIELDS` to what gives it in a row of the queryset ``source`` (a field name, ``F``
    or an expression). The household, account, currency, creator and timestamps are set here, and the effects are
    summed by the database per (type, month, category) from the rows the insert returns, into one
    :class:`LedgerDelta` applied in the same database transaction, as every other write does.

    Only for an account in the household's base currency (nothing to convert: the base amount is the
    amount, at rate 1 on the transaction's day, as :class:`RateCache` gives it); other accounts go through
    :func:`transactions_load`. Returns how many transactions were inserted.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if connection.vendor != "postgresql":
        raise ValueError("transactions_load_from needs PostgreSQL; use transactions_load")
    if account.household_id != household.id:
        raise ValueError("transactions_load_from writes into one household")
    if account.currency != household.base_currency:
        raise ValueError("transactions_load_from converts nothing: another currency's account needs transactions_load")
    now = timezone.now()
    fields = {f.attname: f for f in Transaction._meta.concrete_fields}
    # Columns and what the SELECT gives them: the source's values (s.cN), then values set here (parameters).
    items = [(fields[name], f"s.c{i}") for i, name in enumerate(LOAD_FROM_FIELDS)]
    items += [(fields["amount_in_base_currency"], "s.c2"), (fields["exchange_rate_date"], "s.c3")]
    own = {
        "household_id": household.id,
        "account_id": account.id,
        "currency": account.currency,
        "exchange_rate": Decimal(1),
        "created_by_id": getattr(actor, "pk", None),
        "created_at": now,
        "updated_at": now,
    }
    named = {f.attname for f, _ in items} | set(own)
    for f in fields.values():  # the rest: their defaults (an import's transactions are not excluded, ...)
        if f.attname not in named:
            own[f.attname] = f.get_default()
    params: list[Any] = []
    for name, value in own.items():
        items.append((fields[name], "%s"))
        params.append(fields[name].get_db_prep_save(value, connection))
    given = [values[name] for name in LOAD_FROM_FIELDS]
    select_sql, select_params = source.values_list(*given).query.sql_with_params()
    qn = connection.ops.quote_name
    table = qn(str(Transaction._meta.db_table))
    aliases = ", ".join(f"c{i}" for i in range(len(LOAD_FROM_FIELDS)))
    # Identifiers come from model metadata, values are parameters; the source is a compiled queryset.
    sql = (
        f"WITH new AS (INSERT INTO {table} ({', '.join(qn(str(f.column)) for f, _ in items)}) "  # noqa: S608
        f"SELECT {', '.join(expression for _, expression in items)} FROM ({select_sql}) AS s({aliases}) "
        "RETURNING id, type, date, category_id, amount), "
        "everything AS (SELECT count(*) AS n, CASE WHEN count(*) <= %s THEN array_agg(id) END AS ids FROM new) "
        "SELECT e.n, e.ids, g.type, g.first, g.category_id, g.total, g.count, g.days FROM everything e "
        "LEFT JOIN LATERAL (SELECT type, min(date) AS first, category_id, sum(amount) AS total, count(*) AS count, "
        "array_agg(DISTINCT date) AS days FROM new GROUP BY type, date_trunc('month', date), category_id) g ON true"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *select_params, MAX_EVENT_IDS])
        groups = cursor.fetchall()
    total, ids = groups[0][0], groups[0][1] or []
    if not total:
        return 0
    delta = LedgerDelta()
    days: set[date] = set()
    for _total, _ids, kind, first, category_id, amount, count, group_days in groups:
        if kind not in (TransactionType.INCOME, TransactionType.EXPENSE):
            raise ValueError(f"transactions_load_from takes incomes and expenses, not {kind}")
        days.update(group_days)
        delta.add_group(
            household_id=household.id,
            account_id=account.id,
            kind=kind,
            on=first,
            amount=amount,
            amount_in_base=amount,
            category_id=category_id,
            count=count,
        )
    apply_change(
        delta,
        household_id=household.id,
        kind=ChangeKind.CREATED,
        ids=ids,
        count=total,
        dates=days,
        account_ids={account.id},
        field=field,
    )
    return int(total)


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
    # By the ids just read, not by the subquery: right after a large import the planner has no statistics of its
    # rows, estimates one, and joined every split of the household to each of 100k transactions (45 s).
    for part in in_lists([state[0] for state in states]):
        for txn_id, category_id, base in Split.objects.filter(household=household, transaction_id__in=part).values_list(
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
def transactions_reconvert(
    *, household_id: uuid.UUID, currencies: Iterable[str] | None = None, field: str = "rate"
) -> int:
    """Recompute base-currency amounts (after a rate or base-currency change); returns how many changed.

    A conversion (or an aggregate) outside the supported range refuses the change that asked for it: a
    field error on ``field`` (the rate, the base currency), raised in the writing transaction.
    """
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
        new_base = None
        if rate is not None:
            new_base = check_converted(field, rate.convert(txn.amount), household.base_currency, rate.value)
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
        apply_change(
            delta,
            household_id=household.id,
            kind=ChangeKind.RECONVERTED,
            ids=[t.id for t in changed_txns],
            field=field,
        )
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
