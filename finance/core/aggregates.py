"""``ExactSum``: ``SUM`` of decimals that is exact on SQLite too.

SQLite has no decimal type: Django stores decimals there as binary floats, and
its ``SUM`` adds them as floats, so 100000000000.00 - 100000000000.01 sums to
-0.0099945068. Every value the supported range accepts has at most 15
significant digits, which a float's shortest representation gives back
exactly; ``EXACT_SUM`` (registered on every SQLite connection) adds those
decimals exactly and hands the total back as text, read as a ``Decimal``
(a float, or Django's 15-digit reading of one, would round a total such as
10000000000000.05). On PostgreSQL ``ExactSum`` is ``SUM`` over ``NUMERIC``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.backends.signals import connection_created
from django.db.models import Sum


class _ExactDecimal(models.DecimalField):
    """What ``ExactSum`` gives: a ``Decimal``, from text on SQLite (its backend's float converter skipped)."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(value if isinstance(value, str) else repr(value))


class ExactSum(Sum):
    def __init__(self, *expressions: Any, **extra: Any) -> None:
        extra.setdefault("output_field", _ExactDecimal())
        super().__init__(*expressions, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="EXACT_SUM", **extra_context)


class _ExactSumAggregate:
    """The SQLite aggregate behind ``EXACT_SUM``."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        self.total = exact if self.total is None else self.total + exact

    def finalize(self) -> str | None:
        return None if self.total is None else str(self.total)


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("EXACT_SUM", 1, _ExactSumAggregate)


def connect() -> None:
    """Register ``EXACT_SUM`` on SQLite connections (``CoreConfig.ready()``)."""
    connection_created.connect(_register, dispatch_uid="finance-core-exact-sum")
