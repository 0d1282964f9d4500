"""Category suggestions for imported rows: the file's own category, else the categorization pipeline.

:func:`suggest_categories` is the one entry point the import pipeline calls.
It does two things:

1. a category the file names (QIF ``L``, a CSV category column) that matches
   one of the household's categories of the right type by name (any case;
   ``Parent:Child`` matches the child under that parent) → source ``user``,
   confidence 1;
2. otherwise ``finance.categorization.services.categorize_for``: the
   household's rules, then its history, then the model. A suggestion below
   ``CATEGORIZATION_AUTO_THRESHOLD`` is shown in the preview and marks the
   transaction ``needs_review``.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings

from finance.categorization.services import Categorizer
from finance.households.models import Household
from finance.ledger.models import CategorizationSource, Category, CategoryType


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


def suggest_categories(household: Household, rows: Sequence[RowLike]) -> list[Suggestion]:
    """One :class:`Suggestion` per row, in order: the file's category, else the categorization pipeline."""
    return CategorySuggestions(household, rows).part(0, len(rows))


class CategorySuggestions:
    """The suggestions for a file's rows: prepared at once, computed part by part.

    Everything read from the database is read when it is made (the household's categories, rules, history
    and model, and what the rules do to every row, within the batch's time budget), so the analysis can
    write the rows of one part while it computes the next.
    """

    def __init__(self, household: Household, rows: Sequence[RowLike]) -> None:
        names = _by_name(household) if any(row.category for row in rows) else {}
        self.found: list[Suggestion | None] = []
        self.pending: list[int] = []
        items: list[dict[str, Any]] = []
        expense, income = CategoryType.EXPENSE, CategoryType.INCOME
        for i, row in enumerate(rows):
            amount = row.amount
            kind = expense if amount < 0 else income
            if row.category:
                # QIF writes "Category:Subcategory/Class": the class is not a category.
                text = row.category.split("/", 1)[0].strip().strip("[]").casefold()
                category_id = names.get((kind, text)) or names.get((kind, text.rsplit(":", 1)[-1].strip()))
                if category_id is not None and not row.category.strip().startswith("["):  # [Account] is a transfer
                    self.found.append(Suggestion(category_id, CategorizationSource.USER, Decimal(1), False))
                    continue
            self.found.append(None)
            self.pending.append(i)
            items.append(
                {
                    "type": kind,
                    "amount": abs(amount),
                    "date": getattr(row, "date", None),
                    "payee": row.payee or "",
                    "description": row.description or "",
                }
            )
        self.items = items
        self.categorizer = Categorizer.prepare(household, items) if items else None
        self.records = self.categorizer.records(items) if self.categorizer else []
        self.outcomes = self.categorizer.run_rules(self.records) if self.categorizer else []

    def part(self, start: int, end: int) -> list[Suggestion]:
        """The suggestions of ``rows[start:end]``."""
        first, last = bisect.bisect_left(self.pending, start), bisect.bisect_left(self.pending, end)
        if first < last:
            assert self.categorizer is not None
            suggestions = self.categorizer.suggest(
                self.items[first:last], self.records[first:last], self.outcomes[first:last], detail=False
            )
            for i, suggestion in zip(self.pending[first:last], suggestions, strict=True):
                # Below the threshold the preview shows the guess and the transaction is flagged for review.
                self.found[i] = Suggestion(
                    suggestion.category_id, suggestion.source, suggestion.confidence, suggestion.needs_review
                )
        part = self.found[start:end]
        assert all(suggestion is not None for suggestion in part)
        return part  # type: ignore[return-value]
