"""What the currency domain tells the domains above it (finance.core.events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from finance.core.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRatesChanged(Event):
    """A household's exchange rates between these currencies were added, changed or removed: amounts
    converted at them are out of date (the ledger converts them again in the same transaction)."""

    name: ClassVar[str] = "currency.rates_changed"

    household_id: uuid.UUID
    currencies: frozenset[str]
