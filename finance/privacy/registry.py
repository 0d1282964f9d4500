"""The export registry: every table a user's data export contains, and how to restore it.

A resource names its rows (a queryset over the households in the export),
how one row looks in JSON (a serializer), which of its fields hold ids of
other resources (so a restore can give the copies new ids) and, when a flat
``bulk_create`` is not enough, its own restore function. Resources are
exported and restored in an order where every resource comes after the ones
it refers to, whatever order the apps registered them in. Fields that point
at a user (``created_by``) need no declaration: in a restore they become the
owner when they named the export's own user, and empty otherwise.

Another app plugs in from its ``AppConfig.ready``::

    from finance.privacy.registry import Resource, register

    register(Resource(
        name="budgets",
        model=Budget,
        serializer=BudgetExportSerializer,
        rows=lambda user, households: Budget.objects.filter(household__in=households),
        references={"household": "households", "category": "categories"},
    ))
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from finance.core.exceptions import FieldError
from finance.core.money import MoneyField, converted_problem
from finance.core.text import text_problem
from finance.core.wording import article
from finance.privacy.errors import ErrorCode

# Fields never copied from a file: new ids are made, timestamps are the restore's.
SKIPPED_ON_RESTORE = frozenset({"id", "created_at", "updated_at"})


class RestoreContext:
    """What a restore has made so far: the new id of every old one, per resource."""

    def __init__(self, *, owner: Any, households: Mapping[str, Any], source_user_id: str = "") -> None:
        self.owner = owner
        # Who made the export: their rows become the owner's in the copy; other people are not copied.
        self.source_user_id = str(source_user_id)
        self.ids: dict[str, dict[str, uuid.UUID]] = {"households": {k: v.pk for k, v in households.items()}}
        self.households = dict(households)

    def person(self, old: Any) -> Any:
        """The user a copied row names (``created_by``): the owner for the export's own user, else nobody."""
        return self.owner if old is not None and str(old) == self.source_user_id else None

    def remember(self, resource: str, old: Any, new: uuid.UUID) -> None:
        self.ids.setdefault(resource, {})[str(old)] = new

    def new_id(self, resource: str, old: Any, *, where: str) -> uuid.UUID:
        try:
            return self.ids[resource][str(old)]
        except KeyError:
            raise FieldError(
                "file",
                f"{where}: refers to {article(resource)} row that is not in the file.",
                code=ErrorCode.INVALID_FILE,
            ) from None

    def knows(self, resource: str, old: Any) -> bool:
        return str(old) in self.ids.get(resource, {})


@dataclass(frozen=True)
class Resource:
    """One table of the export."""

    name: str
    serializer: type[serializers.BaseSerializer]
    rows: Callable[[Any, list[Any]], Iterable[Any]]
    model: type[models.Model] | None = None
    references: Mapping[str, str] = field(default_factory=dict)
    # Restores the rows itself (nested data, special rules); default: ``restore_flat``.
    restore: Callable[[Resource, list[dict[str, Any]], RestoreContext], None] | None = None
    # Turns the JSON records into CSV tables; default: one table, nested values as JSON text.
    csv_tables: Callable[[list[dict[str, Any]]], dict[str, list[dict[str, Any]]]] | None = None
    # One object rather than a list (the profile).
    single: bool = False
    # Only household-scoped rows are restored; the rest (profile, memberships) is informational.
    restorable: bool = True
    # Files that go into the archive beside the JSON (the profile picture): {path in the archive: bytes}.
    files: Callable[[Any], Mapping[str, bytes]] | None = None

    def export(self, user: Any, households: list[Any]) -> Any:
        rows = self.rows(user, households)
        if self.single:
            return self.serializer(rows).data
        return self.serializer(rows, many=True).data


_registry: dict[str, Resource] = {}


def register(resource: Resource) -> Resource:
    if resource.name in _registry:
        raise ValueError(f"An export resource named {resource.name!r} is already registered.")
    _registry[resource.name] = resource
    return resource


def resources() -> list[Resource]:
    """Every registered resource, each after the ones it refers to (else in registration order)."""
    ordered: list[Resource] = []
    placed: set[str] = set()
    pending = list(_registry.values())
    while pending:
        ready = [r for r in pending if all(ref in placed or ref == r.name for ref in r.references.values())]
        if not ready:
            missing = {ref for r in pending for ref in r.references.values() if ref not in _registry}
            raise ValueError(f"Export resources refer to unknown or circular resources: {sorted(missing) or pending}")
        ordered.extend(ready)
        placed.update(r.name for r in ready)
        pending = [r for r in pending if r.name not in placed]
    return ordered


def unregister(name: str) -> None:
    """For tests that register a resource of their own."""
    _registry.pop(name, None)


def python_value(model: type[models.Model], name: str, value: Any, *, where: str) -> Any:
    """A value from the file as the model field's Python value, checked against its choices."""
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field), f"{name} is not a field of {model.__name__}"
    if value is None:
        if not model_field.null:
            raise FieldError("file", f"{where}: {name} may not be empty.", code=ErrorCode.INVALID_FILE)
        return None
    try:
        converted = model_field.to_python(value)
        if isinstance(converted, Decimal):
            model_field.run_validators(converted)  # the column's digits and decimal places
    except DjangoValidationError:
        raise FieldError("file", f"{where}: {name} has an invalid value.", code=ErrorCode.INVALID_FILE) from None
    # What every other way in refuses: text the databases cannot store, amounts outside the supported range.
    problem = text_problem(converted) if isinstance(converted, str) else None
    if isinstance(converted, Decimal) and isinstance(model_field, MoneyField):
        problem = converted_problem(converted)
    if problem is not None:
        raise FieldError("file", f"{where}: {name}: {problem.message}", code=ErrorCode.INVALID_FILE)
    choices = getattr(model_field, "choices", None)
    blank_ok = model_field.blank and converted == ""
    if choices and not blank_ok and converted not in {choice[0] for choice in choices}:
        raise FieldError("file", f"{where}: {name} is not one of its choices.", code=ErrorCode.INVALID_FILE)
    return converted


def build_row(resource: Resource, record: Mapping[str, Any], context: RestoreContext, *, where: str) -> Any:
    """A new, unsaved model instance from one JSON record, its references pointing at the copies."""
    model = resource.model
    assert model is not None, f"{resource.name} has no model to restore into"
    concrete = {f.name: f for f in model._meta.concrete_fields}
    user_model = get_user_model()
    values: dict[str, Any] = {}
    for name, value in record.items():
        if name in SKIPPED_ON_RESTORE or name not in concrete:
            continue
        if concrete[name].is_relation and concrete[name].related_model is user_model:
            values[name] = context.person(value)
            continue
        if name in resource.references:
            values[f"{name}_id"] = (
                None if value is None else context.new_id(resource.references[name], value, where=where)
            )
            continue
        values[name] = python_value(model, name, value, where=where)
    obj = model(**values)
    obj.pk = uuid.uuid4()
    return obj


def restore_flat(resource: Resource, records: list[dict[str, Any]], context: RestoreContext) -> None:
    """Insert the records in bulk with new ids (rows may refer to earlier rows of their own table)."""
    assert resource.model is not None
    pending: list[models.Model] = []
    for i, record in enumerate(records):
        obj = build_row(resource, record, context, where=f"{resource.name}[{i}]")
        context.remember(resource.name, record.get("id"), obj.pk)
        pending.append(obj)
    resource.model._default_manager.bulk_create(pending, batch_size=500)


def model_serializer(model: type[models.Model]) -> type[serializers.ModelSerializer]:
    """A serializer of every concrete field of ``model`` (foreign keys as ids), for flat resources."""
    meta = type("Meta", (), {"model": model, "fields": "__all__"})
    return type(f"{model.__name__}ExportSerializer", (serializers.ModelSerializer,), {"Meta": meta})
