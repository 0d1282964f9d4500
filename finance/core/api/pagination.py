"""Pagination: page numbers for small lists, keyset cursors for long ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from rest_framework import exceptions, pagination
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request

from finance.core.exceptions import ErrorCode


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: stable under inserts and as fast deep as on page one.

    A cursor is opaque but travels through the client: one that does not decode, or whose position is not a
    value of the ordering field (a date that is no date, a number past the column), is a 400 on ``cursor``
    rather than a query the database refuses.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"
    _model: type[Model] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self._invalid() from None
        if cursor is None or cursor.position is None or self._model is None:
            return cursor
        name = str(self.ordering[0]).lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except FieldDoesNotExist:
            return cursor
        try:
            value = field.to_python(cursor.position)  # type: ignore[union-attr]
            field.run_validators(value)  # type: ignore[union-attr]
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise self._invalid() from None
        return cursor

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError(
            {self.cursor_query_param: [ErrorDetail(str(self.invalid_cursor_message), code=ErrorCode.INVALID)]}
        )
