"""Reading exchange rates and converting amounts."""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from finance.core.money import RATE_DECIMAL_PLACES, WIDE, stored
from finance.currency.models import ExchangeRate

_RATE_QUANTUM = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)
# Conversions multiply 28-digit amounts by 28-digit rates: keep every digit, round once.
_WIDE = WIDE


@dataclass(frozen=True)
class Rate:
    """How many units of the target currency one unit of the source is worth, and on which date."""

    value: Decimal
    date: date

    def convert(self, amount: Decimal) -> Decimal:
        """``amount`` in the target currency at the storage scale. Never fails for want of digits, however
        large the product: a writer checks the result against the supported range (``finance.core.money``)
        before storing it."""
        return stored(_WIDE.multiply(amount, self.value))

    def convert_parts(self, parts: list[Decimal]) -> list[Decimal]:
        """Convert the parts of one amount so they add up exactly to the converted whole.

        Each part is converted on its own; the last takes the rounding remainder.
        """
        if not parts:
            return []
        converted = [self.convert(part) for part in parts]
        converted[-1] = stored(self.convert(sum(parts, Decimal(0))) - sum(converted[:-1], Decimal(0)))
        return converted


def rate_list(*, household_id: uuid.UUID) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.filter(household_id=household_id)


class RateCache:
    """The rate from one currency to another on a date: that day's, else the most recent earlier one.

    A stored inverse pair is used when the direct one is missing; ``None`` means
    the amount cannot be converted, and callers must say so rather than assume
    1:1. Answers many dates from each pair's history, loaded once per pair.

    For batches (imports, bulk writes, reconversion, analytics over many
    months): two queries per currency pair instead of two per conversion.
    """

    def __init__(self, household_id: uuid.UUID) -> None:
        self.household_id = household_id
        self._history: dict[tuple[str, str], tuple[list[date], list[Decimal]]] = {}

    def _load(self, source: str, target: str) -> tuple[list[date], list[Decimal]]:
        key = (source, target)
        if key not in self._history:
            merged: dict[date, Decimal] = {}
            inverse = rate_list(household_id=self.household_id).filter(base=target, quote=source)
            for rate, day in inverse.values_list("rate", "date"):
                merged[day] = _WIDE.divide(Decimal(1), rate).quantize(_RATE_QUANTUM, context=_WIDE)
            direct = rate_list(household_id=self.household_id).filter(base=source, quote=target)
            merged.update({day: rate for rate, day in direct.values_list("rate", "date")})  # direct wins a tie
            days = sorted(merged)
            self._history[key] = (days, [merged[d] for d in days])
        return self._history[key]

    def get(self, source: str, target: str, on: date) -> Rate | None:
        if source == target:
            return Rate(Decimal(1), on)
        days, rates = self._load(source, target)
        index = bisect.bisect_right(days, on) - 1
        if index < 0:
            return None
        return Rate(rates[index], days[index])
