"""Reading exchange rates and converting amounts."""

from __future__ import annotations

import decimal
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from finance.core.money import RATE_DECIMAL_PLACES, stored
from finance.currency.models import ExchangeRate

_RATE_QUANTUM = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)
# Conversions multiply 28-digit amounts by 28-digit rates: keep every digit, round once.
_WIDE = decimal.Context(prec=80)


@dataclass(frozen=True)
class Rate:
    """How many units of the target currency one unit of the source is worth, and on which date."""

    value: Decimal
    date: date

    def convert(self, amount: Decimal) -> Decimal:
        return stored(_WIDE.multiply(amount, self.value))


def rate_list(*, household_id: uuid.UUID) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.filter(household_id=household_id)


def rate_on(*, household_id: uuid.UUID, source: str, target: str, on: date) -> Rate | None:
    """The rate from ``source`` to ``target`` on ``on``: that day's, else the most recent earlier one.

    A stored inverse pair is used when the direct one is missing. ``None`` means
    the amount cannot be converted; callers must say so rather than assume 1:1.
    """
    if source == target:
        return Rate(Decimal(1), on)
    candidates = [
        ExchangeRate.objects.filter(household_id=household_id, base=source, quote=target, date__lte=on)
        .order_by("-date")
        .values_list("rate", "date")
        .first(),
        ExchangeRate.objects.filter(household_id=household_id, base=target, quote=source, date__lte=on)
        .order_by("-date")
        .values_list("rate", "date")
        .first(),
    ]
    direct, inverse = candidates
    if direct is not None and (inverse is None or direct[1] >= inverse[1]):
        return Rate(direct[0], direct[1])
    if inverse is not None:
        return Rate(_WIDE.divide(Decimal(1), inverse[0]).quantize(_RATE_QUANTUM, context=_WIDE), inverse[1])
    return None


class RateCache:
    """Memoises :func:`rate_on` for one batch of conversions (imports, bulk writes, demo data)."""

    def __init__(self, household_id: uuid.UUID) -> None:
        self.household_id = household_id
        self._memo: dict[tuple[str, str, date], Rate | None] = {}

    def get(self, source: str, target: str, on: date) -> Rate | None:
        key = (source, target, on)
        if key not in self._memo:
            self._memo[key] = rate_on(household_id=self.household_id, source=source, target=target, on=on)
        return self._memo[key]
