from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.api.filters import FilterBackend
from finance.core.api.idempotency import idempotent
from finance.core.api.pagination import CursorPagination
from finance.core.wording import article, capitalized, plural
from finance.households.api.viewsets import HouseholdScopedViewSet
from finance.households.models import Household
from finance.ledger import extensions, selectors, services
from finance.ledger.api.serializers import (
    AccountInputSerializer,
    AccountOutputSerializer,
    AccountUpdateSerializer,
    CategoryInputSerializer,
    CategoryOutputSerializer,
    CategoryUpdateSerializer,
    TagInputSerializer,
    TagOutputSerializer,
    TagUpdateSerializer,
    TransactionBulkInputSerializer,
    TransactionBulkOutputSerializer,
    TransactionChangedOutputSerializer,
    TransactionFacetsOutputSerializer,
    TransactionInputSerializer,
    TransactionOutputSerializer,
    TransactionUpdateSerializer,
    transaction_input,
    transaction_representations,
)
from finance.ledger.filtersets import AccountFilterSet, TransactionFilterSet
from finance.ledger.models import Account, Category, Tag, Transaction
from finance.users.selectors import actor_of

HOUSEHOLD_QUERY = OpenApiParameter(
    "household", str, description="Household id; defaults to your default household.", required=False
)
CHANGED_NOTE = (
    "When the request sets `category`, the response adds `suggested_rule`: a rule body "
    "(payee contains its normalized name → set this category) the client may POST to `/api/v1/rules/`."
)
CONFLICT = OpenApiResponse(description="In use (the envelope's code says why).")


def _crud_schema(noun: str, input_s: Any, update_s: Any, output_s: Any, *, delete_note: str = "") -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural(noun)}", parameters=[HOUSEHOLD_QUERY]),
        retrieve=extend_schema(summary=capitalized(article(noun))),
        create=extend_schema(
            summary=f"Create {article(noun)}",
            description="Accepts `Idempotency-Key`.",
            request=input_s,
            responses={201: output_s},
        ),
        update=extend_schema(summary=f"Replace {article(noun)}", request=update_s, responses=output_s),
        partial_update=extend_schema(summary=f"Change {article(noun)}", request=update_s, responses=output_s),
        destroy=extend_schema(
            summary=f"Delete {article(noun)}", description=delete_note, responses={204: None, 409: CONFLICT}
        ),
    )


@_crud_schema(
    "account",
    AccountInputSerializer,
    AccountUpdateSerializer,
    AccountOutputSerializer,
    delete_note="Only an account without transactions can be deleted (409 otherwise); archive with `is_active: false`.",
)
class AccountViewSet(HouseholdScopedViewSet):
    queryset = Account.objects.all()
    input_serializer_class = AccountInputSerializer
    update_serializer_class = AccountUpdateSerializer
    output_serializer_class = AccountOutputSerializer
    filterset_class = AccountFilterSet

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Account:
        return services.account_create(household=household, actor=actor_of(self.request), **data)

    def perform_service_update(self, *, instance: Account, data: dict[str, Any]) -> Account:
        return services.account_update(account=instance, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: Account) -> None:
        services.account_delete(account=instance, actor=actor_of(self.request))


@_crud_schema(
    "category",
    CategoryInputSerializer,
    CategoryUpdateSerializer,
    CategoryOutputSerializer,
    delete_note="Deletes its subcategories too; 409 if transactions use any of them.",
)
class CategoryViewSet(HouseholdScopedViewSet):
    queryset = Category.objects.all()
    input_serializer_class = CategoryInputSerializer
    update_serializer_class = CategoryUpdateSerializer
    output_serializer_class = CategoryOutputSerializer
    filterset_fields = ["type", "parent"]

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Category:
        return services.category_create(household=household, actor=actor_of(self.request), **data)

    def perform_service_update(self, *, instance: Category, data: dict[str, Any]) -> Category:
        return services.category_update(category=instance, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: Category) -> None:
        services.category_delete(category=instance, actor=actor_of(self.request))


@_crud_schema("tag", TagInputSerializer, TagUpdateSerializer, TagOutputSerializer)
class TagViewSet(HouseholdScopedViewSet):
    queryset = Tag.objects.all()
    input_serializer_class = TagInputSerializer
    update_serializer_class = TagUpdateSerializer
    output_serializer_class = TagOutputSerializer

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Tag:
        return services.tag_create(household=household, actor=actor_of(self.request), **data)

    def perform_service_update(self, *, instance: Tag, data: dict[str, Any]) -> Tag:
        return services.tag_update(tag=instance, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: Tag) -> None:
        services.tag_delete(tag=instance, actor=actor_of(self.request))


class TransactionPagination(CursorPagination):
    """Keyset pages in the list's order; ``-id`` makes the order total."""

    ordering = ("-date", "-created_at", "-id")


class TransactionOrdering(filters.OrderingFilter):
    ordering_fields = ["date", "amount", "created_at"]

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        # Ties (same date or amount) are broken newest first, then by id, so pages never overlap.
        extra = [f for f in ("-created_at", "-id") if f.lstrip("-") not in {o.lstrip("-") for o in ordering}]
        return [*ordering, *extra]


@extend_schema_view(
    list=extend_schema(
        summary="List transactions",
        description="Keyset (cursor) pages: follow `next`. "
        "Ordering: `date`, `amount`, `created_at`, each optionally `-`.",
        parameters=[HOUSEHOLD_QUERY],
    ),
    retrieve=extend_schema(summary="A transaction"),
    create=extend_schema(
        summary="Record a transaction",
        description="Balances and monthly aggregates are updated in the same database transaction. "
        "Accepts `Idempotency-Key`.",
        request=TransactionInputSerializer,
        responses={201: TransactionOutputSerializer},
    ),
    update=extend_schema(
        summary="Replace a transaction",
        description=CHANGED_NOTE,
        request=TransactionUpdateSerializer,
        responses=TransactionChangedOutputSerializer,
    ),
    partial_update=extend_schema(
        summary="Change a transaction",
        description=CHANGED_NOTE,
        request=TransactionUpdateSerializer,
        responses=TransactionChangedOutputSerializer,
    ),
    destroy=extend_schema(summary="Delete a transaction"),
)
class TransactionViewSet(HouseholdScopedViewSet):
    queryset = Transaction.objects.all()
    input_serializer_class = TransactionInputSerializer
    update_serializer_class = TransactionUpdateSerializer
    output_serializer_class = TransactionOutputSerializer
    filterset_class = TransactionFilterSet
    filter_backends = [FilterBackend, TransactionOrdering]
    ordering = ["-date", "-created_at", "-id"]
    pagination_class = TransactionPagination

    def scoped_queryset(self) -> QuerySet[Transaction]:
        if self.action == "list":  # a page reads plain rows and their details (list below)
            return super().scoped_queryset()
        return selectors.with_details(super().scoped_queryset())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A keyset page of plain rows with their splits and tags: three queries, no model instances."""
        rows = self.paginate_queryset(selectors.transaction_rows(self.filter_queryset(self.get_queryset())))
        page = selectors.attach_details(rows or [])
        return self.get_paginated_response(transaction_representations(page))

    def output(self, obj: Any) -> Any:
        # A new transaction comes from the service with its splits and tags attached (nothing to
        # read back); after an update, re-read with the list's prefetching to show what was stored.
        if getattr(obj, "split_rows", None) is None:
            obj = selectors.with_details(Transaction.objects.filter(pk=obj.pk)).get()
        return super().output(obj)

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Transaction:
        return services.transaction_create(
            household=household, actor=actor_of(self.request), data=transaction_input(data)
        )

    def perform_service_update(self, *, instance: Transaction, data: dict[str, Any]) -> Transaction:
        return services.transaction_update(txn=instance, actor=actor_of(self.request), changes=transaction_input(data))

    def perform_service_destroy(self, *, instance: Transaction) -> None:
        services.transaction_delete(txn=instance, actor=actor_of(self.request))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A category changed by hand comes back with ``suggested_rule``: a rule body for that payee."""
        response = super().update(request, *args, **kwargs)
        if isinstance(request.data, dict) and request.data.get("category"):
            offer, body = extensions.rule_offer.implementation, None
            if offer is not None:
                body = offer(Transaction.objects.select_related("category", "household").get(pk=response.data["id"]))
            response.data = {**response.data, "suggested_rule": body}
        return response

    @extend_schema(
        summary="Counts and totals of the listed transactions",
        description="The transactions the list's filters (and `q`, docs/search.md) select, counted and summed by "
        "type, account, category, tag and month, in one request. `total` is the signed sum in the household's "
        "base currency (income +, expense −, transfers 0). Account, category and tag give their "
        f"{selectors.FACET_LIMIT} largest counts.",
        responses=TransactionFacetsOutputSerializer,
    )
    @action(detail=False, methods=["get"], url_path="facets")
    def facets(self, request: Request) -> Response:
        facets = selectors.transaction_facets(self.filter_queryset(self.get_queryset()))
        return Response(TransactionFacetsOutputSerializer(facets).data)

    @extend_schema(
        summary="Record many transactions at once",
        description=f"Up to {services.MAX_BULK} per call, all or nothing: any bad row refuses the whole call, "
        "with each error's `attr` naming the row (`transactions.3.amount`). Accepts `Idempotency-Key`.",
        request=TransactionBulkInputSerializer,
        responses={201: TransactionBulkOutputSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    @idempotent
    def bulk(self, request: Request) -> Response:
        household = self.target_household = self.writable_household()
        data = self.validated(TransactionBulkInputSerializer)
        created = services.transaction_bulk_create(
            household=household,
            actor=actor_of(request),
            items=[transaction_input(item) for item in data["transactions"]],
        )
        rows = selectors.with_details(Transaction.objects.filter(pk__in=[t.pk for t in created]))
        by_id = {t.pk: t for t in rows}
        results = TransactionOutputSerializer([by_id[t.pk] for t in created], many=True).data
        return Response({"created": len(created), "results": results}, status=status.HTTP_201_CREATED)
