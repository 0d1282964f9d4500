"""Writes to tags: create, update, delete, and tags by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import FieldError
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger.errors import ErrorCode
from finance.ledger.models import (
    Tag,
)
from finance.users.models import User


def distinct_names(names: Iterable[str]) -> dict[str, str]:
    """Tag names as a transaction gets them: stripped, blanks left out, one per name in any case
    (lower-cased name → the name as first written)."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = raw.strip()
        if name:
            wanted.setdefault(name.lower(), name)
    return wanted


def tags_for_names(*, household: Household, names: Iterable[str]) -> list[Tag]:
    """The household's tags with these names (any case), creating the missing ones."""
    wanted = distinct_names(names)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in Tag.objects.filter(household=household, name__in=list(wanted.values()))}
    if len(existing) < len(wanted):
        existing.update({t.name.lower(): t for t in _tags_iexact(household, wanted.keys() - existing.keys())})
    for key in wanted.keys() - existing.keys():
        try:
            with transaction.atomic():
                existing[key] = Tag.objects.create(household=household, name=wanted[key])
        except IntegrityError:  # created concurrently
            existing[key] = Tag.objects.get(household=household, name__iexact=wanted[key])
    return [existing[key] for key in wanted]


def _tags_iexact(household: Household, lowered: Iterable[str]) -> list[Tag]:
    """Tags whose lower-cased name is one of ``lowered``: one ``IN`` (an ``OR`` of ``iexact`` per name grew an
    expression tree that SQLite refuses past about a thousand names)."""
    return list(Tag.objects.annotate(lowered=Lower("name")).filter(household=household, lowered__in=list(lowered)))


@transaction.atomic
def tag_create(*, household: Household, actor: User | None, name: str, color: str = "") -> Tag:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if not name.strip():
        raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
    if Tag.objects.filter(household=household, name__iexact=name.strip()).exists():
        raise FieldError("name", "A tag with this name already exists.", code=ErrorCode.UNIQUE)
    return Tag.objects.create(household=household, name=name.strip(), color=color)


@transaction.atomic
def tag_update(*, tag: Tag, actor: User | None, **fields: Any) -> Tag:
    require_role(household=tag.household, actor=actor, roles=WRITE_ROLES)
    if "name" in fields:
        name = str(fields["name"]).strip()
        if not name:
            raise FieldError("name", "This field may not be blank.", code=ErrorCode.BLANK)
        if Tag.objects.filter(household_id=tag.household_id, name__iexact=name).exclude(pk=tag.pk).exists():
            raise FieldError("name", "A tag with this name already exists.", code=ErrorCode.UNIQUE)
        fields["name"] = name
    for key, value in fields.items():
        setattr(tag, key, value)
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag, actor: User | None) -> None:
    require_role(household=tag.household, actor=actor, roles=WRITE_ROLES)
    audit_record(action=AuditAction.TAG_DELETE, actor=actor, household=tag.household_id, target=tag)
    tag.delete()
