"""Pagination: page numbers for small lists, keyset cursors for long ones."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import DateTimeField, Field, Model, QuerySet
from django.utils import timezone
from rest_framework import exceptions, pagination
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from finance.core.exceptions import ErrorCode
from finance.core.keyset import rows_after


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: stable under inserts and as fast deep as on page one.

    A cursor holds the values of every ordering field of the row it starts after, and a page is the rows
    strictly after them (``finance.core.keyset``): one range of an index in the list's order. DRF's own
    cursor holds only the first field and an offset past the rows that share it, which the database walks
    and throws away on every page (hundreds of rows a day at a million transactions) and which DRF caps at
    1,000: past a day of more rows, the next page repeated itself.

    The ordering must end with the primary key (the views end theirs with ``-id``), so that the position of a
    row is unique. Rows may be model instances or ``values()`` dicts.

    A cursor is opaque but travels through the client: one that does not decode, or whose position is not a
    value of its ordering field (a date that is no date, a number past the column), is a 400 on ``cursor``
    rather than a query the database refuses.
    """

    page_size: int | None = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering: tuple[str, ...] = ("-created_at", "-id")
    position: list[Any] | None = None
    _fields: tuple[Field[Any, Any], ...] = ()
    _edges: tuple[str, str] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        assert isinstance(queryset, QuerySet), "keyset pages need a queryset"
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self._fields = self._ordering_fields(queryset.model, self.ordering)
        self.cursor = self.decode_cursor(request)
        self.position = self._position(self.cursor)
        reverse = self.cursor is not None and self.cursor.reverse
        order = pagination._reverse_ordering(self.ordering) if reverse else tuple(self.ordering)
        queryset = queryset.order_by(*order)
        if self.position is not None:
            queryset = queryset.filter(rows_after(order, self.position))
        assert self.page_size is not None
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()
            # Came back from a later page; ``more`` says whether rows come before this one.
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.cursor is not None
        # Only the positions of the page's edges are kept, not the page: DRF's view, request and response
        # refer to each other, so what they hold outlives the request until a garbage collection.
        self._edges = (self._encode(page[0]), self._encode(page[-1])) if page else None
        self.display_page_controls = self.has_next or self.has_previous
        return page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return self._link(self._edges[1] if self._edges else None, reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        return self._link(self._edges[0] if self._edges else None, reverse=True)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid() from None
        if cursor is not None and (cursor.offset or cursor.position is None):
            raise self._invalid()  # our cursors carry a whole position and never an offset
        return cursor

    def _encode(self, row: Any) -> str:
        """A row's position as a cursor holds it: the JSON list of its ordering fields' values."""
        values = (row[f.attname] if isinstance(row, dict) else getattr(row, f.attname) for f in self._fields)
        return json.dumps([_text(value) for value in values])

    def _link(self, position: str | None, *, reverse: bool) -> str:
        """A cursor strictly after (or, reversed, before) ``position``; from an empty page, the one it was
        asked with."""
        if position is None:
            assert self.cursor is not None
            position = str(self.cursor.position)
        # The stubs type a position as an int; DRF carries it as the string it puts in the cursor.
        return self.encode_cursor(pagination.Cursor(offset=0, reverse=reverse, position=position))  # type: ignore[arg-type]

    def _position(self, cursor: pagination.Cursor | None) -> list[Any] | None:
        """The cursor's values, each checked against its ordering field."""
        if cursor is None:
            return None
        try:
            raw = json.loads(str(cursor.position))
        except ValueError:
            raise self._invalid() from None
        if not isinstance(raw, list) or len(raw) != len(self._fields) or not all(isinstance(v, str) for v in raw):
            raise self._invalid()
        values = []
        for field, text in zip(self._fields, raw, strict=True):
            try:
                value = field.to_python(text)
                field.run_validators(value)
            except (DjangoValidationError, ValueError, TypeError, OverflowError):
                raise self._invalid() from None
            if value is None or (isinstance(field, DateTimeField) and timezone.is_naive(value)):
                raise self._invalid()
            values.append(value)
        return values

    @staticmethod
    def _ordering_fields(model: type[Model], ordering: Sequence[str]) -> tuple[Field[Any, Any], ...]:
        fields = []
        for name in ordering:
            try:
                field = model._meta.get_field(name.lstrip("-"))
            except FieldDoesNotExist as exc:
                raise ImproperlyConfigured(f"keyset ordering {ordering!r}: {exc}") from exc
            if not isinstance(field, Field):
                raise ImproperlyConfigured(f"keyset ordering {ordering!r}: {name} is no column")
            fields.append(field)
        if not fields or not fields[-1].primary_key:
            raise ImproperlyConfigured(f"keyset ordering {ordering!r} must end with the primary key")
        return tuple(fields)

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: [ErrorDetail(str(self.invalid_cursor_message), code=ErrorCode.INVALID)]}
        )


def _text(value: Any) -> str:
    """A position value as the cursor holds it (read back by its field's ``to_python``)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
