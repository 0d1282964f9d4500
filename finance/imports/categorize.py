"""Category suggestions for imported rows: the file's own category, else the household's history.

:func:`suggest_categories` is the one entry point the import pipeline calls.
The categorization work (rules engine, ML model, review queue in
``finance/categorization``) replaces or extends it behind the same signature;
until then it does two things:

1. a category the file names (QIF ``L``, a CSV category column) that matches
   one of the household's categories of the right type by name (any case;
   ``Parent:Child`` matches the child under that parent) → source ``user``,
   confidence 1;
2. otherwise the majority category of the household's earlier transactions of
   the same type with the same normalized payee (letters only, any case) →
   source ``history``, confidence ``majority / (count + 1)``, so a payee seen
   once is a guess worth reviewing and one seen ten times the same way is not.

A suggestion whose confidence is below ``IMPORT_REVIEW_BELOW`` (0.8) marks the
transaction ``needs_review``.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.db.models import Count

from finance.households.models import Household
from finance.imports.fingerprint import payee_key
from finance.ledger.models import CategorizationSource, Category, CategoryType, Transaction, TransactionType


class RowLike(Protocol):
    @property
    def amount(self) -> Decimal: ...
    @property
    def payee(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The category a row would get, who chose it and how sure that is."""

    category_id: uuid.UUID | None
    source: str  # a CategorizationSource value, or "" when nothing was suggested
    confidence: Decimal | None
    needs_review: bool

    @classmethod
    def none(cls) -> Suggestion:
        """Nothing to suggest: the transaction stays uncategorized and waits for review."""
        return cls(None, "", None, True)


def review_threshold() -> Decimal:
    return Decimal(str(settings.IMPORT_REVIEW_BELOW))


def _kind(amount: Decimal) -> str:
    return CategoryType.EXPENSE if amount < 0 else CategoryType.INCOME


def _by_name(household: Household) -> dict[tuple[str, str], uuid.UUID]:
    """``(type, name)`` and ``(type, parent:name)`` → category, names folded; the top-level one wins a tie."""
    rows = list(Category.objects.filter(household=household).values_list("id", "name", "type", "parent_id"))
    names = {cid: name for cid, name, _type, _parent in rows}
    found: dict[tuple[str, str], uuid.UUID] = {}
    for cid, name, kind, parent_id in sorted(rows, key=lambda r: r[3] is not None):
        found.setdefault((kind, name.casefold().strip()), cid)
        if parent_id is not None:
            found.setdefault((kind, f"{names[parent_id]}:{name}".casefold()), cid)
    return found


def _history(household: Household, keys: set[str]) -> dict[tuple[str, str], Counter[uuid.UUID]]:
    """Per (type, payee key): how often each category was used (grouped in SQL, keyed in Python)."""
    votes: dict[tuple[str, str], Counter[uuid.UUID]] = defaultdict(Counter)
    if not keys:
        return votes
    grouped = (
        Transaction.objects.filter(household=household, category__isnull=False)
        .exclude(type=TransactionType.TRANSFER)
        .exclude(payee="")
        .values_list("type", "payee", "category_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for kind, payee, category_id, n in grouped:
        key = payee_key(payee)
        if key in keys:
            votes[(kind, key)][category_id] += n
    return votes


def _text(row: RowLike) -> str:
    return row.payee or row.description or ""


def suggest_categories(household: Household, rows: Sequence[RowLike]) -> list[Suggestion]:
    """One :class:`Suggestion` per row, in order."""
    names = _by_name(household) if any(row.category for row in rows) else {}
    votes = _history(household, {payee_key(_text(row)) for row in rows} - {""})
    threshold = review_threshold()
    decided: dict[tuple[str, str], Suggestion] = {}
    found = []
    for row in rows:
        kind = _kind(row.amount)
        if row.category:
            # QIF writes "Category:Subcategory/Class": the class is not a category.
            text = row.category.split("/", 1)[0].strip().strip("[]").casefold()
            category_id = names.get((kind, text)) or names.get((kind, text.rsplit(":", 1)[-1].strip()))
            if category_id is not None and not row.category.strip().startswith("["):  # [Account] is a QIF transfer
                found.append(Suggestion(category_id, CategorizationSource.USER, Decimal(1), False))
                continue
        key = (kind, payee_key(_text(row)))
        suggestion = decided.get(key)
        if suggestion is None:
            counter = votes.get(key)
            if counter:
                (category_id, top), total = counter.most_common(1)[0], sum(counter.values())
                confidence = (Decimal(top) / Decimal(total + 1)).quantize(Decimal("0.0001"))
                suggestion = Suggestion(category_id, CategorizationSource.HISTORY, confidence, confidence < threshold)
            else:
                suggestion = Suggestion.none()
            decided[key] = suggestion
        found.append(suggestion)
    return found
