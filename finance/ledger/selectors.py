"""Reads of the ledger, scoped to a household and shaped for their callers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from finance.households.models import Household
from finance.ledger.models import Account, Category, Split, Tag, Transaction, TransactionTag


def account_list(*, household: Household | uuid.UUID) -> QuerySet[Account]:
    return Account.objects.in_household(household)


def category_list(*, household: Household | uuid.UUID) -> QuerySet[Category]:
    return Category.objects.in_household(household)


def tag_list(*, household: Household | uuid.UUID) -> QuerySet[Tag]:
    return Tag.objects.in_household(household)


def category_with_descendants(*, household_id: uuid.UUID, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The given categories and every category below them (one query for the household's tree)."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for cid, parent_id in Category.objects.filter(household_id=household_id).values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(cid)
    found: set[uuid.UUID] = set()
    stack = list(ids)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def with_details(queryset: QuerySet[Transaction]) -> QuerySet[Transaction]:
    """What the transaction serializers read, fetched in a fixed number of queries."""
    return queryset.select_related("household", "transfer_account").prefetch_related(
        Prefetch("splits", queryset=Split.objects.order_by("position")),
        "tags",
    )


def attach_details(rows: list[Transaction]) -> list[Transaction]:
    """Give a page of transactions their splits and tag names in two plain queries.

    What ``with_details`` does with ``prefetch_related``, without its per-row
    managers and querysets: each row gets ``split_rows`` (in position order) and
    ``tag_names``, which the transaction serializer reads when present.
    """
    if not rows:
        return rows
    ids = [row.pk for row in rows]
    splits: dict[uuid.UUID, list[Split]] = {}
    for split in Split.objects.filter(transaction_id__in=ids).order_by("transaction_id", "position"):
        splits.setdefault(split.transaction_id, []).append(split)
    tags: dict[uuid.UUID, list[str]] = {}
    links = TransactionTag.objects.filter(transaction_id__in=ids).values_list("transaction_id", "tag__name")
    for txn_id, name in links:
        tags.setdefault(txn_id, []).append(name)
    for row in rows:
        row.split_rows = splits.get(row.pk, [])  # type: ignore[attr-defined]
        row.tag_names = tags.get(row.pk, [])  # type: ignore[attr-defined]
    return rows


def transaction_list(*, household: Household | uuid.UUID) -> QuerySet[Transaction]:
    return with_details(Transaction.objects.in_household(household))
