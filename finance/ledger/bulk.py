"""Bulk row loading: PostgreSQL ``COPY`` when available, ``bulk_create`` elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def copy_insert(model: type[Any], rows: Sequence[Any], *, batch_size: int = 2000) -> None:
    """Insert model instances whose primary keys are set (no signals, no ``save``)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=batch_size)
        return
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3: COPY is an order of magnitude faster than INSERT for bulk loads
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [f.get_db_prep_value(getattr(row, f.attname), connection, prepared=False) for f in fields]
                )
