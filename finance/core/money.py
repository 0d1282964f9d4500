"""Money and currency helpers shared by every app.

Amounts are :class:`~decimal.Decimal` end to end and stored with enough scale
for crypto assets; rounding happens only when presenting.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY_MAX_DIGITS = 28
MONEY_DECIMAL_PLACES = 10
RATE_MAX_DIGITS = 28
RATE_DECIMAL_PLACES = 12
CURRENCY_CODE_LENGTH = 10
ZERO = Decimal("0")


@cache
def iso_currencies() -> frozenset[str]:
    """The ISO 4217 codes known to CLDR (via Babel)."""
    return frozenset(list_currencies())


def validate_currency(code: str) -> None:
    if code not in iso_currencies():
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code."), code="invalid_currency", params={"code": code}
        )


class CurrencyField(models.CharField):
    """An ISO 4217 currency code, upper case."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_length", CURRENCY_CODE_LENGTH)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class MoneyField(models.DecimalField):
    """A decimal amount with the project's money precision."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


@cache
@cache
def currency_precision(code: str) -> int:
    """Decimal places of the currency's minor unit (USD 2, JPY 0, BHD 3)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def quantum(code: str) -> Decimal:
    return Decimal(1).scaleb(-currency_precision(code))


def present(amount: Decimal | None, code: str) -> str | None:
    """An amount as the API shows it: exact to the currency's minor unit, as a string."""
    if amount is None:
        return None
    return str(Decimal(amount).quantize(quantum(code)))


def stored(amount: Decimal) -> Decimal:
    """An amount rounded to the storage scale (half-even, as banks do)."""
    return amount.quantize(Decimal(1).scaleb(-MONEY_DECIMAL_PLACES))
