"""Audit events in plain words: who did what, when, and what changed, in the person's language and locale.

``changes`` is the small JSON the services recorded (``{field: [old, new]}`` or a summary such as
``{"rows_imported": 120}``, docs/privacy.md); this turns each entry into "Role: Viewer → Editor" rather than
showing the JSON. Unknown keys still show, with their name made readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Role
from finance.web.common import formatting

LABELS = {
    "amount": gettext_lazy("Amount"),
    "api_access_revoked": gettext_lazy("API tokens revoked"),
    "base": gettext_lazy("From currency"),
    "base_currency": gettext_lazy("Base currency"),
    "budget_ms": gettext_lazy("Time allowed (ms)"),
    "categories_deleted": gettext_lazy("Categories deleted"),
    "category": gettext_lazy("Category"),
    "copy": gettext_lazy("Copy"),
    "counts": gettext_lazy("Rows"),
    "created": gettext_lazy("Created"),
    "currency": gettext_lazy("Currency"),
    "date": gettext_lazy("Date"),
    "deleted": gettext_lazy("Deleted"),
    "device": gettext_lazy("Device"),
    "email": gettext_lazy("Email"),
    "expires_at": gettext_lazy("Expires"),
    "export_created_at": gettext_lazy("Export made"),
    "first_name": gettext_lazy("First name"),
    "format": gettext_lazy("Format"),
    "households_deleted": gettext_lazy("Households deleted"),
    "households_kept": gettext_lazy("Households kept"),
    "identifier": gettext_lazy("Sent to"),
    "invitation": gettext_lazy("Invitation"),
    "last_name": gettext_lazy("Last name"),
    "locale": gettext_lazy("Language"),
    "method": gettext_lazy("Method"),
    "name": gettext_lazy("Name"),
    "purge_after": gettext_lazy("Deleted for good after"),
    "quote": gettext_lazy("To currency"),
    "rate": gettext_lazy("Rate"),
    "reason": gettext_lazy("Reason"),
    "role": gettext_lazy("Role"),
    "rows_imported": gettext_lazy("Imported"),
    "rows_merged": gettext_lazy("Merged"),
    "rows_skipped": gettext_lazy("Skipped"),
    "rows_transferred": gettext_lazy("Recorded as transfers"),
    "scopes": gettext_lazy("Access"),
    "spent_ms": gettext_lazy("Time taken (ms)"),
    "tags_added": gettext_lazy("Tags added"),
    "timezone": gettext_lazy("Time zone"),
    "transactions_deleted": gettext_lazy("Transactions deleted"),
    "two_factor_removed": gettext_lazy("Two-factor authentication removed"),
    "type": gettext_lazy("Type"),
    "updated": gettext_lazy("Changed"),
    "user": gettext_lazy("Member"),
}
# Keys that name a user: shown as the member's name when the household knows them.
USER_KEYS = frozenset({"user"})
ROLES = dict(Role.choices)
ACTIONS = dict(AuditAction.choices)


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    when: str
    who: str
    what: str
    details: list[str]


def _label(key: str) -> str:
    label = LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ").capitalize()


def _value(key: str, value: Any, *, locale: str, tz: str, people: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in USER_KEYS:
        return people.get(str(value), _("a former member"))
    if key == "role" and value in ROLES:
        return str(ROLES[value])
    if isinstance(value, int):
        return formatting.number(value, locale)
    if isinstance(value, list):
        return ", ".join(_value(key, item, locale=locale, tz=tz, people=people) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)} {_value(k, v, locale=locale, tz=tz, people=people)}" for k, v in value.items())
    text = str(value)
    if key == "rate":
        try:
            return formatting.rate(Decimal(text), locale)
        except InvalidOperation:
            return text
    if len(text) == 10 and text[4:5] == "-":
        try:
            return formatting.day(date.fromisoformat(text), locale)
        except ValueError:
            return text
    if len(text) > 10 and text[4:5] == "-" and "T" in text:
        try:
            return formatting.moment(datetime.fromisoformat(text.replace("Z", "+00:00")), locale, tz)
        except ValueError:
            return text
    return text


def _details(changes: Any, *, locale: str, tz: str, people: dict[str, str]) -> list[str]:
    if not isinstance(changes, dict):
        return []
    lines: list[str] = []
    if "amount" in changes and "currency" in changes:
        try:
            amount = formatting.money(Decimal(str(changes["amount"])), str(changes["currency"]), locale)
        except (InvalidOperation, ValueError):
            amount = str(changes["amount"])
        lines.append(f"{_label('amount')}: {amount}")
        changes = {k: v for k, v in changes.items() if k not in ("amount", "currency")}
    for key, value in changes.items():
        label = _label(key)
        if isinstance(value, list) and len(value) == 2 and key not in ("scopes",):
            old = _value(key, value[0], locale=locale, tz=tz, people=people)
            new = _value(key, value[1], locale=locale, tz=tz, people=people)
            lines.append(f"{label}: {old} → {new}")
        else:
            lines.append(f"{label}: {_value(key, value, locale=locale, tz=tz, people=people)}")
    return lines


def event_rows(events: list[AuditEvent], *, locale: str, tz: str, people: dict[str, str]) -> list[EventRow]:
    """``people``: user id → the name to show (the household's members)."""
    rows = []
    for event in events:
        if event.actor_id is None:
            who = _("The system")
        else:
            who = people.get(str(event.actor_id), "")
            if not who and event.actor is not None:
                who = event.actor.get_full_name() or event.actor.username
            who = who or _("a former member")
        rows.append(
            EventRow(
                event=event,
                when=formatting.moment(event.created_at, locale, tz),
                who=who,
                what=str(ACTIONS.get(event.action, event.action)),
                details=_details(event.changes, locale=locale, tz=tz, people=people),
            )
        )
    return rows


def people_of(members: list[Any]) -> dict[str, str]:
    return {str(m.user_id): m.user.get_full_name() or m.user.username for m in members}
