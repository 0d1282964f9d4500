"""What the ledger's services share: input checks and the limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finance.core.exceptions import FieldError, FieldErrors
from finance.core.money import amount_problem, converted_problem, iso_currencies
from finance.households.models import Household
from finance.ledger.errors import ErrorCode

MAX_BULK = 1000
#: Most splits one transaction may have, and most tags: beyond, a 400 on ``splits`` / ``tags`` (code ``too_many``).
#: Every list, edit page and export reads them per transaction, so they must stay small.
MAX_SPLITS = 50
MAX_TAGS = 50


def check_amount(errors: FieldErrors, name: str, amount: Decimal | None, currency: str) -> None:
    if amount is None:
        errors.add(name, "This field is required.", ErrorCode.REQUIRED)
        return
    if amount.is_finite() and amount <= 0:
        errors.add(name, "Must be greater than zero.", ErrorCode.MIN_VALUE)
        return
    check_money(errors, name, amount, currency)


def check_money(errors: FieldErrors, name: str, amount: Decimal, currency: str | None = None) -> None:
    """The supported range of ``finance.core.money`` (any sign)."""
    problem = amount_problem(amount, currency)
    if problem is not None:
        errors.add(name, problem.message, problem.code)


def check_converted(name: str, converted: Decimal, currency: str, rate: Decimal) -> Decimal:
    """``converted`` (an amount times ``rate``), refused on ``name`` when it is outside the supported range."""
    problem = converted_problem(converted)
    if problem is not None:
        raise FieldError(
            name,
            f"Converted to {currency} at {rate} this is {converted:f}, outside the supported range. {problem.message}",
            problem.code,
        )
    return converted


def check_currency(errors: FieldErrors, name: str, code: str) -> str:
    code = (code or "").strip().upper()
    if code not in iso_currencies():
        errors.add(name, f"“{code}” is not an ISO 4217 currency code.", ErrorCode.INVALID_CURRENCY)
    return code


def same_household(errors: FieldErrors, name: str, obj: Any, household: Household) -> None:
    if obj is not None and obj.household_id != household.id:
        errors.add(name, "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
