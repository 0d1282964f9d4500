"""What callers give the ledger's transaction services: typed inputs, built by the API, the web app,
imports, rules and the review queue alike.

A :class:`TransactionInput` describes a new transaction, or the changes to one: a field left
:data:`UNSET` is not given (a create treats it as empty, an update keeps the stored value).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any, Final

from finance.ledger.models import Account, Category


class _Unset:
    """The value of a field the caller did not give."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset()


@dataclass(frozen=True, slots=True)
class SplitInput:
    """One part of a split income or expense."""

    category: Category
    amount: Decimal
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Categorization:
    """How a transaction's category was chosen, when not by a person (the categorizer, a rule, an import's
    file): its source, confidence, the rule that decided and whether a person should review it."""

    source: str
    confidence: Decimal | float | None = None
    rule: uuid.UUID | None = None
    needs_review: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionInput:
    """A transaction as a caller describes it; every field optional so an update names only what changes."""

    account: Account | _Unset = UNSET
    type: str | _Unset = UNSET
    amount: Decimal | _Unset = UNSET
    posted_date: date | _Unset | None = UNSET  # before ``date``, whose name hides the type in the class body
    date: date | _Unset | None = UNSET
    category: Category | _Unset | None = UNSET
    payee: str | _Unset = UNSET
    description: str | _Unset = UNSET
    notes: str | _Unset = UNSET
    tags: Sequence[str] | _Unset | None = UNSET
    transfer_account: Account | _Unset | None = UNSET
    transfer_amount: Decimal | _Unset | None = UNSET
    splits: Sequence[SplitInput] | _Unset = UNSET
    is_pending: bool | _Unset = UNSET
    is_excluded: bool | _Unset = UNSET
    is_reconciled: bool | _Unset = UNSET
    reference_number: str | _Unset = UNSET
    # Set by the categorizer, a rule or an import; without it a category given is a person's choice.
    categorization: Categorization | _Unset | None = UNSET
    import_batch: uuid.UUID | _Unset | None = UNSET

    def given(self) -> dict[str, Any]:
        """The fields the caller gave, by name."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not UNSET}

    def __contains__(self, name: str) -> bool:
        return getattr(self, name) is not UNSET

    def with_values(self, **values: Any) -> TransactionInput:
        """A copy with these fields set."""
        return replace(self, **values)
