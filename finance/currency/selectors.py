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


def _inverse(rate: Decimal) -> Decimal:
    return _WIDE.divide(Decimal(1), rate).quantize(_RATE_QUANTUM, context=_WIDE)


def _history(rates: QuerySet[ExchangeRate], source: str, target: str) -> dict[date, Decimal]:
    """Each day's rate from ``source`` to ``target`` among ``rates``: the direct pair's, else the inverse's."""
    merged: dict[date, Decimal] = {}
    for rate, day in rates.filter(base=target, quote=source).values_list("rate", "date"):
        merged[day] = _inverse(rate)
    merged.update(
        {day: rate for rate, day in rates.filter(base=source, quote=target).values_list("rate", "date")}
    )  # direct wins a tie
    return merged


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
            merged = _history(rate_list(household_id=self.household_id), source, target)
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


@dataclass(frozen=True)
class RateValues:
    """A rate as it would be stored: 1 ``base`` = ``rate`` ``quote`` on ``date``."""

    base: str
    quote: str
    rate: Decimal
    date: date


@dataclass(frozen=True)
class Window:
    """Days from ``start`` (inclusive) until ``end`` (exclusive; ``None``: no end) whose conversion changes."""

    currency: str
    start: date
    end: date | None


def rate_taken(
    *, household_id: uuid.UUID, base: str, quote: str, on: date, exclude_id: uuid.UUID | None = None
) -> bool:
    """Whether the household already has a rate for this pair on this day (other than ``exclude_id``)."""
    taken = rate_list(household_id=household_id).filter(base=base, quote=quote, date=on)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    return taken.exists()


def _effective(history: dict[date, Decimal], days: list[date], on: date) -> Decimal | None:
    index = bisect.bisect_right(days, on) - 1
    return history[days[index]] if index >= 0 else None


def rate_change_windows(
    *,
    household_id: uuid.UUID,
    target: str,
    remove: ExchangeRate | None = None,
    add: RateValues | None = None,
) -> list[Window]:
    """Where converting into ``target`` changes if ``remove`` is deleted and ``add`` stored (an edit is both).

    Conversions use the day's rate, else the most recent earlier one, direct pairs before inverse ones
    (:class:`RateCache`); a rate between two other currencies converts nothing. The answer is, per
    currency converted, the runs of days on which the rate used before and after the change differ
    (a day that had no rate and gets one counts), computed from the pair's history, not from transactions.
    """
    currencies: set[str] = set()
    for change in (remove, add):
        if change is None:
            continue
        if change.base == target:
            currencies.add(change.quote)
        elif change.quote == target:
            currencies.add(change.base)
    rates = rate_list(household_id=household_id)
    windows: list[Window] = []
    for currency in sorted(currencies - {target}):
        before = _history(rates, currency, target)
        after = _history(rates.exclude(pk=remove.pk) if remove is not None else rates, currency, target)
        if add is not None and {add.base, add.quote} == {currency, target}:
            value = add.rate if add.base == currency else _inverse(add.rate)
            direct_there = rates.filter(base=currency, quote=target, date=add.date)
            if remove is not None:
                direct_there = direct_there.exclude(pk=remove.pk)
            if add.base == currency or not direct_there.exists():  # a stored direct rate beats a new inverse
                after[add.date] = value
        before_days, after_days = sorted(before), sorted(after)
        changed: list[tuple[date, date | None]] = []
        edges = sorted(set(before_days) | set(after_days))
        for i, start in enumerate(edges):
            end = edges[i + 1] if i + 1 < len(edges) else None
            if _effective(before, before_days, start) == _effective(after, after_days, start):
                continue
            if changed and changed[-1][1] == start:
                changed[-1] = (changed[-1][0], end)
            else:
                changed.append((start, end))
        windows.extend(Window(currency, start, end) for start, end in changed)
    return windows
