"""Bulk row loading: PostgreSQL ``COPY`` when available, ``bulk_create`` elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models


def _copy_converter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value becomes a COPY value; ``None`` when psycopg adapts it as it is (most types)."""
    if isinstance(field, models.JSONField):
        from psycopg.types.json import Jsonb

        return lambda value: None if value is None else Jsonb(value)
    if isinstance(field, models.FileField):
        return lambda value: str(value) if value else ""
    return None


def copy_insert(model: type[Any], rows: Sequence[Any], *, batch_size: int = 2000) -> None:
    """Insert model instances whose primary keys are set (no signals, no ``save``)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=batch_size)
        return
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    plan = [(f.attname, _copy_converter(f)) for f in fields]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3: COPY is an order of magnitude faster than INSERT for bulk loads
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = row.__dict__
                copy.write_row([convert(values[name]) if convert else values[name] for name, convert in plan])
