"""Routes whose ids are UUIDs: a path whose id is not one is no resource at all (404), whatever the method.

DRF's routers match any segment as the id (``[^/.]+``), so ``PUT
/households/not-a-uuid/`` reached the view and, for a method the resource does
not offer, answered 405 instead of 404. Every router of the API is
:class:`Router` and every id captured in a hand-written path is ``<id:…>``:
both match a UUID only (hyphenated or 32 hex digits, any case, as the models'
``UUIDField`` reads it), so anything else falls through to the not-found
handler. The id reaches the view as the text it was given.
"""

from __future__ import annotations

from django.urls import register_converter
from rest_framework.routers import SimpleRouter

UUID_PATTERN = r"[0-9a-fA-F]{8}(?:-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}"


class Router(SimpleRouter):
    """DRF's ``SimpleRouter`` whose detail routes match a UUID id only (a viewset's own
    ``lookup_value_regex`` still wins)."""

    def __init__(self, trailing_slash: bool = True) -> None:
        super().__init__(trailing_slash=trailing_slash, use_regex_path=True)
        self._default_value_pattern = UUID_PATTERN


class UUIDConverter:
    """``<id:name>`` in a path: a UUID (as :data:`UUID_PATTERN`), handed to the view as given."""

    regex = UUID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(UUIDConverter, "id")
