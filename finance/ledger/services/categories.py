"""Writes to categories: the default tree, create, update, delete, lookup by name."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.cache import bump_household_version
from finance.core.exceptions import Conflict, FieldError, FieldErrors
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger.defaults import DEFAULT_CATEGORIES
from finance.ledger.errors import ErrorCode
from finance.ledger.models import (
    Category,
    CategoryType,
    Split,
    Transaction,
)
from finance.ledger.services._common import same_household
from finance.users.models import User


@transaction.atomic
def categories_create_defaults(*, household_id: uuid.UUID) -> int:
    """Give a new household the default category tree; returns how many were made."""
    made = 0
    for kind, tree in DEFAULT_CATEGORIES.items():
        for order, (name, children) in enumerate(tree):
            parent = Category.objects.create(
                household_id=household_id, name=name, type=kind, is_system=True, sort_order=order * 10
            )
            made += 1
            Category.objects.bulk_create(
                Category(household_id=household_id, name=child, type=kind, parent=parent, is_system=True, sort_order=i)
                for i, child in enumerate(children)
            )
            made += len(children)
    return made


def _check_category_place(
    errors: FieldErrors, household: Household, name: str, kind: str, parent: Category | None
) -> None:
    if not name.strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if kind not in CategoryType.values:
        errors.add("type", "Must be income or expense.", ErrorCode.INVALID_CHOICE)
    same_household(errors, "parent", parent, household)
    if parent is not None and parent.type != kind:
        errors.add("parent", "A subcategory has its parent's type.", ErrorCode.TYPE_MISMATCH)


def _unique_category_name(household: Household, name: str, parent: Category | None, exclude: Any = None) -> bool:
    clash = Category.objects.filter(household=household, parent=parent, name__iexact=name.strip())
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    return not clash.exists()


@transaction.atomic
def category_create(
    *, household: Household, actor: User | None, name: str, type: str, parent: Category | None = None, **fields: Any
) -> Category:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    errors = FieldErrors()
    _check_category_place(errors, household, name, type, parent)
    errors.raise_if_any()
    if not _unique_category_name(household, name, parent):
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE)
    try:
        with transaction.atomic():
            category = Category.objects.create(
                household=household, name=name.strip(), type=type, parent=parent, **fields
            )
    except IntegrityError:
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE) from None
    bump_household_version(household.id)
    return category


def _descendant_ids(category: Category) -> set[uuid.UUID]:
    """The category and everything below it (trees are small: one query per level)."""
    found = {category.id}
    frontier = {category.id}
    while frontier:
        frontier = set(Category.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def category_in_use(ids: Iterable[uuid.UUID]) -> bool:
    ids = list(ids)
    return (
        Transaction.objects.filter(category_id__in=ids).exists() or Split.objects.filter(category_id__in=ids).exists()
    )


@transaction.atomic
def category_update(*, category: Category, actor: User | None, **fields: Any) -> Category:
    household = category.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    category = Category.objects.select_for_update().get(pk=category.pk)
    name = fields.get("name", category.name)
    kind = fields.get("type", category.type)
    parent = fields.get("parent", category.parent)
    errors = FieldErrors()
    _check_category_place(errors, household, name, kind, parent)
    if parent is not None and parent.id in _descendant_ids(category):
        errors.add("parent", "A category cannot be moved under itself.", ErrorCode.CYCLE)
    if kind != category.type and category_in_use(_descendant_ids(category)):
        errors.add("type", "Transactions use this category; its type cannot change.", ErrorCode.IN_USE)
    errors.raise_if_any()
    if not _unique_category_name(household, name, parent, exclude=category.pk):
        raise FieldError("name", "A category with this name already exists here.", code=ErrorCode.UNIQUE)
    for key, value in fields.items():
        setattr(category, key, value.strip() if isinstance(value, str) else value)
    category.save()
    bump_household_version(household.id)
    return category


@transaction.atomic
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete a category and its subcategories, unless any of them is in use (409)."""
    require_role(household=category.household, actor=actor, roles=WRITE_ROLES)
    ids = _descendant_ids(category)
    if category_in_use(ids):
        raise Conflict(
            "Transactions use this category or one below it; recategorize them first.", code=ErrorCode.IN_USE
        )
    audit_record(
        action=AuditAction.CATEGORY_DELETE,
        actor=actor,
        household=category.household_id,
        target=category,
        changes={"categories_deleted": len(ids)},
    )
    Category.objects.filter(pk__in=ids).delete()
    bump_household_version(category.household_id)


@transaction.atomic
def category_by_name(*, household: Household, actor: User | None, name: str, type: str) -> Category | None:
    """The household's category of that type and name (any case, any level), created at the top if new."""
    name = name.strip()
    if not name:
        return None
    found = (
        Category.objects.filter(household=household, type=type, name__iexact=name)
        .order_by("parent_id", "created_at")
        .first()
    )
    if found is not None:
        return found
    return category_create(household=household, actor=actor, name=name, type=type)
