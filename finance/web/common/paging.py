"""Keyset (cursor) paging for the web lists, in the transaction list's order.

The cursor is the last row's ``(date, created_at, id)``; the next page is
everything strictly after it in ``(-date, -created_at, -id)`` order, which the
``(household, -date, -created_at, -id)`` index serves directly, as fast deep
in the history as on the first page. Rows inserted meanwhile never shift a
page.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from finance.core.keyset import rows_after

ORDER = ("-date", "-created_at", "-id")


@dataclass(frozen=True)
class Cursor:
    date: date
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.date.isoformat()}|{self.created_at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor in ``token``, or ``None`` for anything malformed (then paging starts over)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            day, created, ident = raw.split("|")
            created_at = datetime.fromisoformat(created)
            if created_at.tzinfo is None:
                return None
            return cls(date.fromisoformat(day), created_at, uuid.UUID(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str | None


def keyset_page(queryset: QuerySet[Any], cursor: Cursor | None, size: int) -> Page:
    queryset = queryset.order_by(*ORDER)
    if cursor is not None:
        queryset = queryset.filter(rows_after(ORDER, (cursor.date, cursor.created_at, cursor.id)))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].date, rows[-1].created_at, rows[-1].id).encode() if more and rows else None
    return Page(rows, next_cursor)


# Lists kept in the order things happened (the audit log): newest first by ``(-created_at, -id)``.
TIME_ORDER = ("-created_at", "-id")


@dataclass(frozen=True)
class TimeCursor:
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> TimeCursor | None:
        """The cursor in ``token``, or ``None`` for anything malformed (then paging starts over)."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            created, ident = raw.split("|")
            created_at = datetime.fromisoformat(created)
            if created_at.tzinfo is None:
                return None
            return cls(created_at, uuid.UUID(ident))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None


def keyset_page_by_time(queryset: QuerySet[Any], cursor: TimeCursor | None, size: int) -> Page:
    """A page of ``queryset`` newest first, strictly after ``cursor`` (served by a ``-created_at`` index)."""
    queryset = queryset.order_by(*TIME_ORDER)
    if cursor is not None:
        queryset = queryset.filter(rows_after(TIME_ORDER, (cursor.created_at, cursor.id)))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = TimeCursor(rows[-1].created_at, rows[-1].id).encode() if more and rows else None
    return Page(rows, next_cursor)
