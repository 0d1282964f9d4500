"""Numbers, money and dates for people, in their locale (Babel, CLDR data).

Amounts stay ``Decimal`` until here; rounding to the currency's minor unit
happens only in these functions.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    format_percent,
    get_decimal_symbol,
    parse_decimal,
)

from finance.core.money import currency_precision


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    """Parsed once: Babel re-parses a locale given as a string on every call (half of its cost)."""
    return Locale.parse(code)


def _decimal(value: Decimal | str | int | float) -> Decimal:
    # Shares from the analytics selectors are floats (presentation only); str() keeps their shortest form.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(amount: Decimal | str | int, currency: str, locale: str) -> str:
    """``$1,234.50`` / ``1.234,50 €`` / ``1234,50 €`` — rounded to the currency's minor unit."""
    return format_currency(_decimal(amount), currency, locale=_locale(locale))


def signed_money(amount: Decimal | str | int, currency: str, locale: str, sign: int) -> str:
    """An amount with an explicit direction: +$12.00 in, −$12.00 out."""
    value = _decimal(amount)
    text = format_currency(abs(value), currency, locale=_locale(locale))
    if sign > 0:
        return "+" + text
    if sign < 0:
        return "−" + text  # a real minus sign, read as "minus" by screen readers
    return text


def number(value: Decimal | str | int, locale: str, places: int | None = None) -> str:
    value = _decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format_decimal(value, locale=_locale(locale))


def percent(value: Decimal | float | str, locale: str) -> str:
    """A share as a percentage with at most one decimal: 0.1234 → 12.3 %."""
    return format_percent(_decimal(value), format="#,##0.#%", locale=_locale(locale))


def day(value: date, locale: str, length: str = "medium") -> str:
    return format_date(value, format=length, locale=_locale(locale))


def day_in_words(value: date, locale: str, *, with_year: bool = True) -> str:
    """``March 12`` / ``12. März`` / ``12 de marzo``; with the year: ``March 12, 2025`` / ``12. März 2025``."""
    if with_year:
        return format_date(value, format="long", locale=_locale(locale))
    return format_skeleton("MMMMd", value, locale=_locale(locale))


def moment(value: datetime, locale: str, tz: str = "UTC") -> str:
    """A point in time in the person's time zone: ``Mar 2, 2026, 9:00:00 AM`` / ``02.03.2026, 09:00:00``."""
    try:
        zone = zoneinfo.ZoneInfo(tz or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return format_datetime(value, format="medium", tzinfo=zone, locale=_locale(locale))


def month(value: date, locale: str, *, short: bool = False) -> str:
    """``Nov 2026`` / ``nov 2026`` / ``Nov. 2026`` (CLDR skeleton), or ``Nov`` when short."""
    return format_skeleton("MMM" if short else "yMMM", value, locale=_locale(locale))


def amount_input(value: Decimal | None, currency: str | None, locale: str) -> str:
    """An amount as a form shows it for editing: the locale's decimal sign, no grouping."""
    if value is None:
        return ""
    places = currency_precision(currency) if currency else 2
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(_decimal(value), format=pattern, locale=_locale(locale), group_separator=False)


def rate(value: Decimal | str, locale: str) -> str:
    """An exchange rate with every significant decimal it has: ``1.0852`` / ``1,0852`` / ``1,234.5``."""
    return format_decimal(_decimal(value), format="#,##0.############", locale=_locale(locale))


def rate_input(value: Decimal | None, locale: str) -> str:
    """A rate as a form shows it for editing: every significant decimal, the locale's sign, no grouping."""
    if value is None:
        return ""
    return format_decimal(_decimal(value), format="0.############", locale=_locale(locale), group_separator=False)


def parse_amount(text: str, locale: str) -> Decimal:
    """Read an amount as typed in the person's locale (``12,50`` in German, ``12.50`` in English).

    Ambiguous input (``12.50`` where ``.`` groups thousands) is refused rather than guessed.
    """
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    try:
        return parse_decimal(text, locale=_locale(locale), strict=True)
    except NumberFormatError:
        # A plain machine number ("12.5") is fine when the locale's decimal sign is ".".
        if get_decimal_symbol(_locale(locale)) == ".":
            try:
                return Decimal(text)
            except InvalidOperation:
                pass
        raise
