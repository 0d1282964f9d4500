"""Money and currency helpers shared by every app.

Amounts are :class:`~decimal.Decimal` end to end and stored with enough scale
for crypto assets; rounding happens only when presenting.

**The supported range** is one rule for every way a value comes in (the API's
fields, the web's forms, imported files, the services behind them): what both
databases store and read back exactly. PostgreSQL's ``NUMERIC(28, 10)`` is exact
to 18 digits before the point; SQLite has no decimal type and keeps a decimal as
a 64-bit float, which holds any number of at most 15 significant digits exactly
(and Django reads it back rounded to 15). So an amount (a transaction's, an
opening balance, a budget or goal figure, a converted amount) is accepted when
it is below :data:`MONEY_LIMIT` in absolute value, has at most
:data:`SIGNIFICANT_DIGITS` significant digits and at most
:data:`MONEY_DECIMAL_PLACES` decimal places (fewer where its currency says so);
a rate when it is positive, below :data:`RATE_LIMIT`, with at most 15 significant
digits and :data:`RATE_DECIMAL_PLACES` places. :func:`amount_problem` and
:func:`rate_problem` say why a value is refused. Sums of amounts (balances,
monthly totals) are kept below :data:`AGGREGATE_LIMIT` by the ledger's writes,
far inside the columns, so every aggregate fits and reads back on both
databases (see docs/ledger.md).
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from functools import cache

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from finance.core.exceptions import ErrorCode, Issue

MONEY_MAX_DIGITS = 28
MONEY_DECIMAL_PLACES = 10
RATE_MAX_DIGITS = 28
RATE_DECIMAL_PLACES = 12
CURRENCY_CODE_LENGTH = 10
ZERO = Decimal("0")

# What a 64-bit float (SQLite's storage of a decimal) holds exactly, whatever the digits.
SIGNIFICANT_DIGITS = 15
# Every accepted amount is below this in absolute value: 9,999,999,999,999.99 at most in cents.
MONEY_LIMIT = Decimal(10) ** 13
# Balances and monthly sums: a write that would take one past this is refused (the columns hold 10^18).
AGGREGATE_LIMIT = Decimal(10) ** 15
# A rate converts 1 unit into at most this many (the inverse of the smallest rate, 10^-12, is 10^12).
RATE_LIMIT = Decimal(10) ** 12
# What a MoneyField column holds (18 digits before the point): figures computed from aggregates (a budget's spending
# converted, a goal's balance) are stored only below it.
COLUMN_LIMIT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES)
# Arithmetic on stored values (a product of an amount and a rate, rounding it) never runs out of digits here.
WIDE = decimal.Context(prec=80)


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
def currency_precision(code: str) -> int:
    """Decimal places of the currency's minor unit (USD 2, JPY 0, BHD 3)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(code))


def quantum(code: str) -> Decimal:
    return Decimal(1).scaleb(-currency_precision(code))


def present(amount: Decimal | None, code: str) -> str | None:
    """An amount as the API shows it: exact to the currency's minor unit, as a string (any size: sums of many
    amounts, converted, can pass what one column holds)."""
    if amount is None:
        return None
    return str(Decimal(amount).quantize(quantum(code), context=WIDE))


def stored(amount: Decimal) -> Decimal:
    """An amount rounded to the storage scale (half-even, as banks do); whether it may be stored is
    :func:`amount_problem`'s to say."""
    return amount.quantize(Decimal(1).scaleb(-MONEY_DECIMAL_PLACES), context=WIDE)


def _plain(limit: Decimal) -> str:
    return f"{limit:f}"


def _decimal(value: Decimal | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _shape(value: Decimal) -> tuple[int, int]:
    """(significant digits, decimal places) of a finite value, trailing zeros left out: 1.50 → (2, 1).

    Read from the digits, not with ``normalize()``, which would round a long value to the context's precision.
    """
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).lstrip("0")
    kept = text.rstrip("0")
    if not kept:
        return 0, 0
    return len(kept), max(0, -(exponent + len(text) - len(kept)))


def _finite_problem(value: Decimal, limit: Decimal, places: int, too_large: str) -> Issue | None:
    value = _decimal(value)
    if not value.is_finite():
        return Issue(code=ErrorCode.INVALID, message="Must be a finite number.")
    if abs(value) >= limit:
        return Issue(code=ErrorCode.MAX_VALUE, message=too_large)
    significant, decimals = _shape(value)
    if decimals > places:
        return Issue(code=ErrorCode.MAX_DECIMAL_PLACES, message=f"At most {places} decimal places.")
    if significant > SIGNIFICANT_DIGITS:
        return Issue(
            code=ErrorCode.MAX_DIGITS,
            message=f"At most {SIGNIFICANT_DIGITS} significant digits: more cannot be stored exactly.",
        )
    return None


def amount_problem(amount: Decimal, currency: str | None = None) -> Issue | None:
    """Why ``amount`` cannot be accepted as money (its sign is the caller's rule), or ``None``.

    Outside the range both databases store exactly (``max_value``, ``max_digits``), or with more decimal
    places than ``currency``'s minor unit or the storage scale (``max_decimal_places``).
    """
    value = _decimal(amount)
    if value.is_finite():
        # The usual amount (an import checks 100k): few digits, no more places than allowed even counting
        # trailing zeros, small. Then none of the checks below can fail.
        _sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        places = MONEY_DECIMAL_PLACES if currency is None else min(MONEY_DECIMAL_PLACES, currency_precision(currency))
        if -exponent <= places and len(digits) <= SIGNIFICANT_DIGITS and abs(value) < MONEY_LIMIT:
            return None
    return _amount_problem(value, currency)


def _amount_problem(amount: Decimal, currency: str | None) -> Issue | None:
    too_large = f"Amounts must be less than {_plain(MONEY_LIMIT)} in absolute value."
    problem = _finite_problem(amount, MONEY_LIMIT, MONEY_DECIMAL_PLACES, too_large)
    if problem is None and currency is not None:
        places = currency_precision(currency)
        if _shape(_decimal(amount))[1] > places:
            return Issue(
                code=ErrorCode.MAX_DECIMAL_PLACES, message=f"{currency} amounts have at most {places} decimal places."
            )
    return problem


def converted_problem(amount: Decimal) -> Issue | None:
    """Why an amount computed here (converted at a rate) may not be stored, or ``None``: only its size counts,
    its digits are this application's own rounding."""
    amount = _decimal(amount)
    if not amount.is_finite() or abs(amount) >= MONEY_LIMIT:
        return Issue(
            code=ErrorCode.MAX_VALUE, message=f"Amounts must be less than {_plain(MONEY_LIMIT)} in absolute value."
        )
    return None


def rate_problem(rate: Decimal) -> Issue | None:
    """Why ``rate`` cannot be accepted as an exchange rate, or ``None``."""
    rate = _decimal(rate)
    if rate.is_finite() and rate <= 0:
        return Issue(code=ErrorCode.MIN_VALUE, message="Must be greater than zero.")
    return _finite_problem(rate, RATE_LIMIT, RATE_DECIMAL_PLACES, f"Rates must be less than {_plain(RATE_LIMIT)}.")


def fits_column(value: Decimal) -> bool:
    """Whether a computed figure (a snapshot of a sum, converted) fits a MoneyField column."""
    return value.is_finite() and abs(value) < COLUMN_LIMIT


def aggregate_problem(total: Decimal) -> Issue | None:
    """Why a sum of amounts (a balance, a monthly total) may not be stored, or ``None``."""
    total = _decimal(total)
    if not total.is_finite() or abs(total) >= AGGREGATE_LIMIT:
        return Issue(
            code=ErrorCode.MAX_VALUE,
            message=f"This would take a balance or a monthly total past {_plain(AGGREGATE_LIMIT)}, "
            "beyond the amounts this application stores.",
        )
    return None
