"""One model row read by its key columns, or written, without building a queryset.

Validating a request that names related objects (an account, a category) reads
each of them by id and household. Through the ORM every such read compiles a
query (lookups, joins, the ``WHERE`` tree) and costs about five times the CPU
of the query itself; on the write path that is a large part of a request.
:func:`row` keeps the compiled SQL and the columns' converters per model and
key, so a read is one parameterised ``SELECT`` and the same instance the ORM
would build (every concrete field loaded, values converted by the same
backend and field converters, ``_state`` as after a query).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, signals

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Read:
    sql: str
    key_fields: tuple[Any, ...]
    attnames: list[str]
    converters: list[tuple[Any, list[Callable[..., Any]]]]


@lru_cache(maxsize=256)
def _read(model: type[Model], keys: tuple[str, ...], vendor: str) -> _Read:
    opts = model._meta
    fields: list[Any] = list(opts.concrete_fields)
    quote = connection.ops.quote_name
    key_fields: tuple[Any, ...] = tuple(opts.get_field(name) for name in keys)
    columns = ", ".join(quote(field.column) for field in fields)
    where = " AND ".join(f"{quote(field.column)} = %s" for field in key_fields)
    converters: list[tuple[Any, list[Callable[..., Any]]]] = []
    for field in fields:
        column = field.get_col(opts.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    # Identifiers come from model metadata; values are parameters.
    sql = f"SELECT {columns} FROM {quote(opts.db_table)} WHERE {where}"  # noqa: S608
    return _Read(sql, key_fields, [field.attname for field in fields], converters)


def row(model: type[M], **keys: Any) -> M | None:
    """The ``model`` instance whose columns equal ``keys`` (field names: ``id=…, household_id=…``), or
    ``None``. The keys must identify at most one row (a primary key, a unique set)."""
    names = tuple(sorted(keys))
    read = _read(model, names, connection.vendor)
    params = [
        field.get_db_prep_value(keys[name], connection) for field, name in zip(read.key_fields, names, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(read.sql, params)
        values = cursor.fetchone()
    if values is None:
        return None
    converted = []
    for (column, converters), value in zip(read.converters, values, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, read.attnames, converted)


@lru_cache(maxsize=256)
def _insert(model: type[Model], vendor: str) -> tuple[str, list[Any]]:
    opts = model._meta
    fields: list[Any] = [field for field in opts.local_concrete_fields if not field.generated]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # Identifiers come from model metadata; values are parameters.
    sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    return sql, fields


def insert(instance: Model) -> None:
    """Write a new ``instance`` (its primary key set, as a UUID default sets it) with one precompiled
    ``INSERT``, as ``save(force_insert=True)`` would: each field's ``pre_save`` runs (``auto_now``
    timestamps), then the instance is marked saved. A model somebody listens to (``pre_save``/``post_save``
    receivers) goes through ``save`` so the signals are sent."""
    model = type(instance)
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model) or instance.pk is None:
        instance.save(force_insert=True)
        return
    sql, fields = _insert(model, connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    instance._state.adding = False
    instance._state.db = connection.alias
