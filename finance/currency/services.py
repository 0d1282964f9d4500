"""Writes to exchange rates; each one publishes ``ExchangeRatesChanged`` (the ledger reconverts what it affects)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core import events
from finance.core.dates import date_problem
from finance.core.exceptions import FieldError
from finance.core.money import iso_currencies, rate_problem
from finance.currency.errors import ErrorCode
from finance.currency.events import ExchangeRatesChanged
from finance.currency.models import ExchangeRate, RateSource
from finance.currency.selectors import RateValues, rate_taken
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.users.models import User

_TAKEN = "A rate for this pair on this date already exists."


def _rates_changed(household: Household, *codes: str) -> None:
    events.publish(ExchangeRatesChanged(household_id=household.id, currencies=frozenset(codes)))


def rate_clean(*, base: str, quote: str, rate: Decimal, day: date) -> tuple[str, str]:
    """The pair as stored (upper case), or the ``FieldError`` a write of these values would raise."""
    base, quote = base.strip().upper(), quote.strip().upper()
    for name, code in (("base", base), ("quote", quote)):
        if code not in iso_currencies():
            raise FieldError(name, f"“{code}” is not an ISO 4217 currency code.", code=ErrorCode.INVALID_CURRENCY)
    if base == quote:
        raise FieldError("quote", "Base and quote must differ.", code=ErrorCode.SAME_CURRENCY)
    problem = rate_problem(rate)
    if problem is not None:
        raise FieldError("rate", problem.message, code=problem.code)
    problem = date_problem(day)
    if problem is not None:
        raise FieldError("date", problem.message, code=problem.code)
    return base, quote


def rate_check(
    *, household: Household, base: str, quote: str, rate: Decimal, day: date, editing: ExchangeRate | None = None
) -> RateValues:
    """The values a write would store, or the ``FieldError`` it would raise (reconversion aside): what a
    preview of the write checks before asking what it reconverts."""
    base, quote = rate_clean(base=base, quote=quote, rate=rate, day=day)
    exclude = editing.pk if editing is not None else None
    if rate_taken(household_id=household.id, base=base, quote=quote, on=day, exclude_id=exclude):
        raise FieldError("date", _TAKEN, code=ErrorCode.UNIQUE)
    return RateValues(base=base, quote=quote, rate=rate, date=day)


@transaction.atomic
def rate_create(
    *,
    household: Household,
    actor: User | None,
    base: str,
    quote: str,
    rate: Decimal,
    date: date,
    source: str = RateSource.MANUAL,
) -> ExchangeRate:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    base, quote = rate_clean(base=base, quote=quote, rate=rate, day=date)
    try:
        with transaction.atomic():
            obj = ExchangeRate.objects.create(
                household=household, base=base, quote=quote, rate=rate, date=date, source=source
            )
    except IntegrityError:
        raise FieldError("date", _TAKEN, code=ErrorCode.UNIQUE) from None
    _rates_changed(household, base, quote)
    return obj


@transaction.atomic
def rate_update(*, rate_obj: ExchangeRate, actor: User | None, **fields: Any) -> ExchangeRate:
    household = rate_obj.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    old_pair = (rate_obj.base, rate_obj.quote)
    base, quote = rate_clean(
        base=fields.get("base", rate_obj.base),
        quote=fields.get("quote", rate_obj.quote),
        rate=fields.get("rate", rate_obj.rate),
        day=fields.get("date", rate_obj.date),
    )
    for key, value in {**fields, "base": base, "quote": quote}.items():
        setattr(rate_obj, key, value)
    try:
        with transaction.atomic():
            rate_obj.save()
    except IntegrityError:
        raise FieldError("date", _TAKEN, code=ErrorCode.UNIQUE) from None
    _rates_changed(household, *old_pair, base, quote)
    return rate_obj


@transaction.atomic
def rate_delete(*, rate_obj: ExchangeRate, actor: User | None) -> None:
    household = rate_obj.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    pair = (rate_obj.base, rate_obj.quote)
    audit_record(
        action=AuditAction.RATE_DELETE,
        actor=actor,
        household=household,
        target=rate_obj,
        changes={"base": rate_obj.base, "quote": rate_obj.quote, "rate": rate_obj.rate, "date": rate_obj.date},
    )
    rate_obj.delete()
    _rates_changed(household, *pair)
