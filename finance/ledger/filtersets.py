"""One FilterSet per model, shared by the API and the web list views."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.core.exceptions import FieldError
from finance.ledger.errors import ErrorCode
from finance.ledger.models import Account, Category, Split, Transaction, TransactionTag, TransactionType
from finance.ledger.search import QueryError, compile_query
from finance.ledger.selectors import category_with_descendants


class TransactionFilterSet(filters.FilterSet):
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="On or after (inclusive).")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="On or before (inclusive).")
    type = filters.ChoiceFilter(choices=TransactionType.choices)
    account = filters.UUIDFilter(method="filter_account", help_text="Either side of a transfer counts.")
    category = filters.UUIDFilter(method="filter_category", help_text="Includes subcategories and splits.")
    tag = filters.CharFilter(method="filter_tag", help_text="A tag name (any case).")
    payee = filters.CharFilter(field_name="payee", lookup_expr="icontains")
    min_amount = filters.NumberFilter(field_name="amount", lookup_expr="gte")
    max_amount = filters.NumberFilter(field_name="amount", lookup_expr="lte")
    q = filters.CharFilter(
        method="filter_q",
        help_text="A query in the search language (docs/search.md): words, field:value terms, -, OR, parentheses, "
        "e.g. `amazon amount:>100 date:2024 -tag:refund`. A query that cannot mean anything is a 400 on `q`.",
    )
    search = filters.CharFilter(method="filter_search", help_text="Payee, description or notes contain this.")
    is_pending = filters.BooleanFilter()
    needs_review = filters.BooleanFilter()
    is_excluded = filters.BooleanFilter()
    is_reconciled = filters.BooleanFilter()
    created_by = filters.UUIDFilter(field_name="created_by_id")
    import_batch = filters.UUIDFilter(field_name="import_batch")

    class Meta:
        model = Transaction
        fields: list[str] = []

    def filter_account(self, queryset: QuerySet[Transaction], name: str, value: Any) -> QuerySet[Transaction]:
        return queryset.filter(Q(account_id=value) | Q(transfer_account_id=value))

    def filter_category(self, queryset: QuerySet[Transaction], name: str, value: Any) -> QuerySet[Transaction]:
        household_id = Category.objects.filter(pk=value).values_list("household_id", flat=True).first()
        if household_id is None:
            return queryset.none()
        # The queryset is already scoped, so a category of another household matches nothing.
        ids = category_with_descendants(household_id=household_id, ids=[value])
        split_match = Split.objects.filter(transaction_id=OuterRef("pk"), category_id__in=ids)
        return queryset.filter(Q(category_id__in=ids) | Exists(split_match))

    def filter_tag(self, queryset: QuerySet[Transaction], name: str, value: str) -> QuerySet[Transaction]:
        links = TransactionTag.objects.filter(transaction_id=OuterRef("pk"), tag__name__iexact=value.strip())
        return queryset.filter(Exists(links))

    def filter_q(self, queryset: QuerySet[Transaction], name: str, value: str) -> QuerySet[Transaction]:
        try:
            condition = compile_query(value)
        except QueryError as exc:
            raise FieldError("q", f"{exc.message} (column {exc.column}).", code=ErrorCode.INVALID_QUERY) from None
        return queryset.filter(condition)

    def filter_search(self, queryset: QuerySet[Transaction], name: str, value: str) -> QuerySet[Transaction]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(payee__icontains=value) | Q(description__icontains=value) | Q(notes__icontains=value))


class AccountFilterSet(filters.FilterSet):
    is_active = filters.BooleanFilter()
    type = filters.CharFilter()
    currency = filters.CharFilter()

    class Meta:
        model = Account
        fields: list[str] = []
