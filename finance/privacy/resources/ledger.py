"""The export's identity, household and ledger tables: profile, households, memberships, accounts,
categories, tags, exchange rates and transactions (with splits and tags)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from rest_framework import serializers

from finance.currency.models import ExchangeRate
from finance.households.models import Household, Membership
from finance.ledger.models import Account, Category, Split, Tag, Transaction, TransactionTag
from finance.privacy.registry import Resource, RestoreContext, build_row, register, restore_flat
from finance.users.selectors import avatar_content

AVATAR_PATH = "files/avatar.webp"


def _avatar_files(user: Any) -> dict[str, bytes]:
    content = avatar_content(user=user)
    return {} if content is None else {AVATAR_PATH: content}


class ProfileExportSerializer(serializers.ModelSerializer):
    avatar = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "default_currency",
            "country",
            "locale",
            "timezone",
            "date_joined",
            "last_login",
            "email_verified",
            "avatar",
        ]

    def get_avatar(self, user: Any) -> str | None:
        """The picture's path inside the archive, or null."""
        return AVATAR_PATH if user.avatar else None


class HouseholdExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = ["id", "name", "base_currency", "created_at", "updated_at"]


class MembershipExportSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "household", "user", "username", "role", "is_default", "joined_at"]


class AccountExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = [
            "id",
            "household",
            "name",
            "type",
            "institution",
            "currency",
            "opening_balance",
            "balance",
            "color",
            "icon",
            "group",
            "is_active",
            "include_in_net_worth",
            "created_at",
            "updated_at",
        ]


class CategoryExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = [
            "id",
            "household",
            "name",
            "type",
            "parent",
            "icon",
            "color",
            "is_system",
            "sort_order",
            "created_at",
            "updated_at",
        ]


class TagExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "household", "name", "color", "created_at", "updated_at"]


class ExchangeRateExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "household", "base", "quote", "rate", "date", "source", "created_at", "updated_at"]


SPLIT_FIELDS = ["id", "category", "amount", "amount_in_base_currency", "description", "position"]
TRANSACTION_FIELDS = [
    "id",
    "household",
    "account",
    "type",
    "amount",
    "currency",
    "date",
    "posted_date",
    "category",
    "payee",
    "description",
    "notes",
    "tags",
    "transfer_account",
    "transfer_amount",
    "is_pending",
    "is_excluded",
    "is_reconciled",
    "reference_number",
    "amount_in_base_currency",
    "exchange_rate",
    "exchange_rate_date",
    "needs_review",
    "categorization_source",
    "categorization_confidence",
    "categorization_rule",
    "import_batch",
    "created_by",
    "splits",
    "created_at",
    "updated_at",
]
_DATETIME = serializers.DateTimeField()


def _columns(model: type[models.Model], names: Iterable[str]) -> dict[str, tuple[str, int | None]]:
    """For each field name: the database column to read and, for decimals, the scale to show."""
    columns: dict[str, tuple[str, int | None]] = {}
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.Field) and field.concrete and not field.many_to_many:
            places = field.decimal_places if isinstance(field, models.DecimalField) else None
            columns[name] = (field.attname, places)
    return columns


def _json_value(value: Any, places: int | None) -> Any:
    """The value as the API writes it: decimals exact in their column's scale, ISO times, string ids."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.quantize(Decimal(1).scaleb(-places)) if places is not None else value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return _DATETIME.to_representation(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class TransactionExportSerializer(serializers.BaseSerializer):
    """Transactions read as plain rows (three queries, no model instances: exports are large)."""

    columns = _columns(Transaction, TRANSACTION_FIELDS)
    split_columns = _columns(Split, SPLIT_FIELDS)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name in TRANSACTION_FIELDS:
            if name == "splits":
                record[name] = [
                    {key: _json_value(part[attname], places) for key, (attname, places) in self.split_columns.items()}
                    for part in instance["splits"]
                ]
            elif name == "tags":
                record[name] = sorted(str(tag) for tag in instance["tags"])
            else:
                attname, places = self.columns[name]
                record[name] = _json_value(instance[attname], places)
        return record


def _households(user: Any, households: list[Household]) -> Iterable[Household]:
    return Household.objects.filter(pk__in=[h.pk for h in households]).order_by("created_at", "id")


def _categories(user: Any, households: list[Household]) -> list[Category]:
    """Parents before their children, so a restore can point each child at its parent's copy."""
    rows = list(Category.objects.filter(household__in=households).order_by("household_id", "type", "sort_order", "id"))
    by_parent: dict[Any, list[Category]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    ordered: list[Category] = []
    frontier = by_parent.get(None, [])
    while frontier:
        ordered.extend(frontier)
        frontier = [child for parent in frontier for child in by_parent.get(parent.id, [])]
    return ordered


def _transactions(user: Any, households: list[Household]) -> list[dict[str, Any]]:
    rows = list(
        Transaction.objects.filter(household__in=households)
        .order_by("household_id", "date", "created_at", "id")
        .values(*(attname for attname, _ in TransactionExportSerializer.columns.values()))
    )
    splits: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    split_columns = [attname for attname, _ in TransactionExportSerializer.split_columns.values()]
    for part in (
        Split.objects.filter(household__in=households)
        .order_by("transaction_id", "position")
        .values("transaction_id", *split_columns)
    ):
        splits[part["transaction_id"]].append(part)
    tags: dict[Any, list[Any]] = defaultdict(list)
    for txn_id, tag_id in TransactionTag.objects.filter(household__in=households).values_list(
        "transaction_id", "tag_id"
    ):
        tags[txn_id].append(tag_id)
    for row in rows:
        row["splits"] = splits.get(row["id"], [])
        row["tags"] = tags.get(row["id"], [])
    return rows


def _restore_categories(resource: Resource, records: list[dict[str, Any]], context: RestoreContext) -> None:
    # Parents first whatever the file's order (a file edited by hand may shuffle them).
    remaining = list(enumerate(records))
    ordered: list[tuple[int, dict[str, Any]]] = []
    known: set[str] = set()
    while remaining:
        ready = [(i, r) for i, r in remaining if r.get("parent") is None or str(r.get("parent")) in known]
        if not ready:
            ordered.extend(remaining)  # a dangling parent: build_row reports it
            break
        ordered.extend(ready)
        known |= {str(r.get("id")) for _, r in ready}
        taken = {i for i, _ in ready}
        remaining = [(i, r) for i, r in remaining if i not in taken]
    restore_flat(resource, [r for _, r in ordered], context)


def _restore_transactions(resource: Resource, records: list[dict[str, Any]], context: RestoreContext) -> None:
    txns: list[Transaction] = []
    splits: list[Split] = []
    links: list[TransactionTag] = []
    split_resource = Resource(
        name="splits", serializer=TransactionExportSerializer, rows=lambda u, h: [], model=Split, references=SPLIT_REFS
    )
    for i, record in enumerate(records):
        where = f"transactions[{i}]"
        flat = {k: v for k, v in record.items() if k not in {"splits", "tags", "created_by"}}
        txn = build_row(resource, flat, context, where=where)
        assert isinstance(txn, Transaction)
        txn.created_by = context.person(record.get("created_by"))
        context.remember(resource.name, record.get("id"), txn.pk)
        txns.append(txn)
        for j, part in enumerate(record.get("splits") or []):
            split = build_row(split_resource, part, context, where=f"{where}.splits[{j}]")
            assert isinstance(split, Split)
            split.household_id = txn.household_id
            split.transaction_id = txn.pk
            splits.append(split)
        for tag_id in record.get("tags") or []:
            links.append(
                TransactionTag(
                    household_id=txn.household_id,
                    transaction_id=txn.pk,
                    tag_id=context.new_id("tags", tag_id, where=f"{where}.tags"),
                )
            )
    Transaction.objects.bulk_create(txns, batch_size=500)
    Split.objects.bulk_create(splits, batch_size=500)
    TransactionTag.objects.bulk_create(links, batch_size=500)


def _transaction_tables(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """transactions.csv without the nested parts, plus splits.csv and transaction_tags.csv."""
    flat: list[dict[str, Any]] = []
    splits: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for record in records:
        flat.append({k: v for k, v in record.items() if k not in {"splits", "tags"}})
        splits.extend({"transaction": record["id"], **part} for part in record["splits"])
        tags.extend({"transaction": record["id"], "tag": tag} for tag in record["tags"])
    return {"transactions": flat, "splits": splits, "transaction_tags": tags}


HOUSEHOLD = {"household": "households"}
SPLIT_REFS = {"category": "categories"}


def register_resources() -> None:
    """The profile, households, memberships, accounts, categories, tags, exchange rates and transactions."""
    register(
        Resource(
            name="profile",
            serializer=ProfileExportSerializer,
            rows=lambda user, households: user,
            single=True,
            restorable=False,
            files=_avatar_files,
        )
    )
    register(Resource(name="households", serializer=HouseholdExportSerializer, rows=_households, restorable=False))
    register(
        Resource(
            name="memberships",
            serializer=MembershipExportSerializer,
            rows=lambda user, households: (
                Membership.objects.filter(household__in=households)
                .select_related("user")
                .order_by("household_id", "joined_at", "id")
            ),
            restorable=False,
        )
    )
    register(
        Resource(
            name="accounts",
            model=Account,
            serializer=AccountExportSerializer,
            rows=lambda user, households: Account.objects.filter(household__in=households).order_by(
                "household_id", "created_at", "id"
            ),
            references=HOUSEHOLD,
        )
    )
    register(
        Resource(
            name="categories",
            model=Category,
            serializer=CategoryExportSerializer,
            rows=_categories,
            references={**HOUSEHOLD, "parent": "categories"},
            restore=_restore_categories,
        )
    )
    register(
        Resource(
            name="tags",
            model=Tag,
            serializer=TagExportSerializer,
            rows=lambda user, households: Tag.objects.filter(household__in=households).order_by("household_id", "name"),
            references=HOUSEHOLD,
        )
    )
    register(
        Resource(
            name="exchange_rates",
            model=ExchangeRate,
            serializer=ExchangeRateExportSerializer,
            rows=lambda user, households: ExchangeRate.objects.filter(household__in=households).order_by(
                "household_id", "date", "base", "quote"
            ),
            references=HOUSEHOLD,
        )
    )
    register(
        Resource(
            name="transactions",
            model=Transaction,
            serializer=TransactionExportSerializer,
            rows=_transactions,
            references={
                **HOUSEHOLD,
                "account": "accounts",
                "transfer_account": "accounts",
                "category": "categories",
            },
            restore=_restore_transactions,
            csv_tables=_transaction_tables,
        )
    )
