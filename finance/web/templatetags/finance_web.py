"""Template tags of the web app: locale-aware formatting and accessible form widgets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.forms import BoundField
from django.urls import reverse
from django.utils.safestring import SafeString

from finance.ledger.models import TransactionType
from finance.users.selectors import avatar_version
from finance.web.common import formatting

register = template.Library()


def _locale(context: template.Context) -> str:
    request = context.get("request")
    return getattr(request, "locale", None) or "en"


@register.simple_tag(takes_context=True)
def money(context: template.Context, amount: Decimal | str | None, currency: str) -> str:
    if amount is None or amount == "":
        return "—"
    return formatting.money(amount, currency, _locale(context))


@register.simple_tag(takes_context=True)
def txn_amount(context: template.Context, txn: Any) -> str:
    """A transaction's amount with its direction: + income, − expense, none for transfers."""
    kind = txn["type"] if isinstance(txn, dict) else txn.type
    amount = txn["amount"] if isinstance(txn, dict) else txn.amount
    currency = txn["currency"] if isinstance(txn, dict) else txn.currency
    sign = {TransactionType.INCOME: 1, TransactionType.EXPENSE: -1}.get(kind, 0)
    return formatting.signed_money(amount, currency, _locale(context), sign)


@register.simple_tag(takes_context=True)
def number(context: template.Context, value: Any, places: int | None = None) -> str:
    return formatting.number(value, _locale(context), places)


@register.simple_tag(takes_context=True)
def percent(context: template.Context, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return formatting.percent(value, _locale(context))


@register.simple_tag(takes_context=True)
def change(context: template.Context, value: Any) -> str:
    """A relative change with its sign (+12.3 %, −4 %), or a dash when there is nothing to compare."""
    if value is None:
        return "—"
    text = formatting.percent(abs(Decimal(str(value))), _locale(context))
    if value > 0:
        return "+" + text
    if value < 0:
        return "−" + text
    return text


PALETTE_SIZE = 10


@register.simple_tag
def swatch(index: int) -> int:
    """The chart colour of the n-th slice (CSS ``--chart-<n>``, read by app.js too)."""
    return index % PALETTE_SIZE


@register.simple_tag(takes_context=True)
def rate(context: template.Context, value: Decimal | str | None) -> str:
    """An exchange rate with all its significant decimals, in the person's locale."""
    return formatting.rate(value, _locale(context)) if value is not None else ""


@register.simple_tag(takes_context=True)
def day(context: template.Context, value: date | None, length: str = "medium") -> str:
    return formatting.day(value, _locale(context), length) if value else ""


@register.simple_tag(takes_context=True)
def moment(context: template.Context, value: datetime | None) -> str:
    """A date and time in the signed-in person's time zone and locale; "—" for none."""
    if value is None:
        return "—"
    request = context.get("request")
    tz = getattr(getattr(request, "user", None), "timezone", "") or "UTC"
    return formatting.moment(value, _locale(context), tz)


@register.simple_tag(takes_context=True)
def month(context: template.Context, value: date) -> str:
    return formatting.month(value, _locale(context))


@register.simple_tag
def avatar_url(user: Any) -> str:
    """The address of the person's own picture (changing with each new one), or "" without one."""
    version = avatar_version(user=user) if getattr(user, "is_authenticated", False) else None
    return f"{reverse('web:profile-avatar')}?v={version}" if version else ""


@register.simple_tag
def widget(field: BoundField, **attrs: Any) -> SafeString:
    """The field's widget, tied to its help text and errors for screen readers."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def signed_amount(context: template.Context, amount: Decimal | str | None, currency: str) -> str:
    """A signed amount (negative = money out) with its direction: +$20.00, −$103.00; a dash for none."""
    if amount is None or amount == "":
        return "—"
    value = Decimal(str(amount))
    return formatting.signed_money(abs(value), currency, _locale(context), (value > 0) - (value < 0))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
