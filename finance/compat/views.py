"""The first implementations' routes, as thin adapters over the v1 services and selectors.

Each acts on the caller's default household (API.md, "Compatibility").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.analytics import selectors as analytics
from finance.budgets import selectors as budget_selectors
from finance.budgets import services as budget_services
from finance.budgets.api import serializers as goals
from finance.budgets.models import Goal
from finance.compat import serializers as s
from finance.core.api.idempotency import idempotent
from finance.core.cache import cached_for_household
from finance.core.dates import Period, default_period, last_of_month
from finance.core.exceptions import FieldError
from finance.core.money import ZERO, present
from finance.core.wording import article
from finance.households.api.viewsets import HouseholdScopedMixin
from finance.households.models import Household
from finance.ledger import selectors, services
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Category, Transaction, TransactionType
from finance.users.selectors import actor_of

TAG = ["compatibility"]


class DefaultHouseholdMixin(HouseholdScopedMixin):
    """Every compatibility route reads and writes the caller's default household."""

    def household(self) -> Household:
        return self.readable_household()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "household": self.household()}


class _TransactionAdapter(
    DefaultHouseholdMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, generics.GenericAPIView
):
    """Shared by the routes that show income and expense transactions in a simpler shape."""

    types: tuple[str, ...] = (TransactionType.INCOME, TransactionType.EXPENSE)

    def get_queryset(self) -> QuerySet[Transaction]:
        if getattr(self, "swagger_fake_view", False):
            return Transaction.objects.none()
        return (
            Transaction.objects.filter(household=self.household(), type__in=self.types)
            .select_related("category")
            .order_by("-date", "-created_at", "-id")
        )

    def kind(self, data: dict[str, Any]) -> str:
        return str(data.get("type") or self.types[0]).lower()

    def to_values(self, data: dict[str, Any], kind: str) -> dict[str, Any]:
        household = self.household()
        # Only what the request gave: PUT and PATCH keep a description, date or note they do not mention.
        values: dict[str, Any] = {"amount": data["amount"]}
        for name in ("description", "date", "notes"):
            if name in data:
                values[name] = data[name]
        if "category" in data:
            category = data["category"]
            if not isinstance(category, Category):
                category = services.category_by_name(
                    household=household, actor=actor_of(self.request), name=category or "", type=kind
                )
            values["category"] = category
        return values

    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.writable_household()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = self.kind(serializer.validated_data)
        account = services.account_default(household=household, actor=actor_of(request))
        values = self.to_values(serializer.validated_data, kind)
        txn = services.transaction_create(
            household=household, actor=actor_of(request), data=TransactionInput(account=account, type=kind, **values)
        )
        return Response(self.get_serializer(txn).data, status=status.HTTP_201_CREATED)

    def _update(self, request: Request, partial: bool) -> Response:
        txn = self.get_object()
        serializer = self.get_serializer(txn, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        kind = self.kind({"type": serializer.validated_data.get("type", txn.type)})
        values = self.to_values({"amount": txn.amount, **serializer.validated_data}, kind)
        if kind != txn.type:
            values["type"] = kind
        txn = services.transaction_update(txn=txn, actor=actor_of(request), changes=TransactionInput(**values))
        return Response(self.get_serializer(txn).data)

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=False)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._update(request, partial=True)

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.transaction_delete(txn=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(summary="Transactions (first implementation)", tags=TAG),
    post=extend_schema(
        summary="Record a transaction (first implementation)",
        tags=TAG,
        responses={201: s.SimpleTransactionSerializer},
    ),
)
class SimpleTransactionList(_TransactionAdapter):
    serializer_class = s.SimpleTransactionSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request)


class _TypedList(_TransactionAdapter):
    serializer_class = s.TypedTransactionSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request)


class _TypedDetail(_TransactionAdapter):
    serializer_class = s.TypedTransactionSerializer
    http_method_names = ["get", "put", "patch", "delete", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request)


def _list_schema(kind: str, noun: str) -> Any:
    return extend_schema_view(
        get=extend_schema(summary=f"{noun.title()} (first implementation)", tags=TAG),
        post=extend_schema(summary=f"Record {article(kind)}", tags=TAG, responses={201: s.TypedTransactionSerializer}),
    )


def _detail_schema(kind: str, noun: str) -> Any:
    return extend_schema_view(
        get=extend_schema(summary=f"One {kind}", tags=TAG, operation_id=f"{noun}_retrieve"),
        put=extend_schema(summary=f"Replace {article(kind)}", tags=TAG),
        patch=extend_schema(summary=f"Change {article(kind)}", tags=TAG),
        delete=extend_schema(summary=f"Delete {article(kind)}", tags=TAG),
    )


@_list_schema("income", "incomes")
class IncomeList(_TypedList):
    types = (TransactionType.INCOME,)


@_detail_schema("income", "incomes")
class IncomeDetail(_TypedDetail):
    types = (TransactionType.INCOME,)


@_list_schema("expense", "expenses")
class ExpenseList(_TypedList):
    types = (TransactionType.EXPENSE,)


@_detail_schema("expense", "expenses")
class ExpenseDetail(_TypedDetail):
    types = (TransactionType.EXPENSE,)


@extend_schema_view(
    get=extend_schema(summary="Transactions (finance app of the first implementation)", tags=TAG),
    post=extend_schema(summary="Record a transaction", tags=TAG, responses={201: s.FinanceTransactionSerializer}),
)
class FinanceTransactionList(_TransactionAdapter):
    serializer_class = s.FinanceTransactionSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.list(request)


@extend_schema_view(
    get=extend_schema(summary="One transaction", tags=TAG, operation_id="finance_transactions_retrieve"),
    patch=extend_schema(summary="Change a transaction", tags=TAG),
    delete=extend_schema(summary="Delete a transaction", tags=TAG),
)
class FinanceTransactionDetail(_TransactionAdapter):
    serializer_class = s.FinanceTransactionSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request)


@extend_schema_view(
    get=extend_schema(summary="Categories (finance app of the first implementation)", tags=TAG),
    post=extend_schema(summary="Create a category", tags=TAG, responses={201: s.FinanceCategorySerializer}),
)
class FinanceCategoryList(DefaultHouseholdMixin, mixins.ListModelMixin, generics.GenericAPIView):
    serializer_class = s.FinanceCategorySerializer

    def get_queryset(self) -> QuerySet[Category]:
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        return selectors.category_list(household=self.household()).order_by("type", "sort_order", "name")

    def get(self, request: Request) -> Response:
        return self.list(request)

    @idempotent
    def post(self, request: Request) -> Response:
        household = self.writable_household()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(
            household=household,
            actor=actor_of(request),
            name=serializer.validated_data["name"],
            type=serializer.validated_data.get("type", "expense"),
        )
        return Response(self.get_serializer(category).data, status=status.HTTP_201_CREATED)


class LegacyAnalyticsView(DefaultHouseholdMixin, APIView):
    @extend_schema(
        summary="Balance (first implementation)",
        description="All-time income − expense in the base currency; served from the cache, fresh after every write.",
        responses=s.LegacyAnalyticsSerializer,
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        household = self.household()

        def compute() -> dict[str, Any]:
            totals = analytics.lifetime_totals(household)
            return {
                "balance": present(totals.income - totals.expense, household.base_currency),
                "transaction_count": totals.count,
                "last_updated": timezone.now(),
            }

        return Response(cached_for_household(household.id, "compat-analytics", {}, compute))


class LegacySummaryView(DefaultHouseholdMixin, APIView):
    @extend_schema(
        summary="Income, expense and savings by month (first implementation)",
        parameters=[s.LegacySummaryQuerySerializer],
        responses=s.LegacySummarySerializer,
        tags=TAG,
    )
    def get(self, request: Request) -> Response:
        query = s.LegacySummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("month"):
            year, month = (int(part) for part in params["month"].split("-"))
            start = date(year, month, 1)
            end = last_of_month(start)
        else:
            default_start, default_end = default_period()
            start, end = params.get("start_date") or default_start, params.get("end_date") or default_end
        if start > end:
            raise FieldError("end_date", "Must not be before start_date.", code="invalid_range")
        household = self.household()
        code = household.base_currency

        def compute() -> dict[str, Any]:
            totals = analytics.monthly_totals(household.id, Period(start, end))
            income = sum((t.income for t in totals.values()), ZERO)
            expense = sum((t.expense for t in totals.values()), ZERO)
            return {
                "total_income": present(income, code),
                "total_expense": present(expense, code),
                "savings": present(income - expense, code),
                "months": [
                    {
                        "year": m.year,
                        "month": m.month,
                        "total_income": present(t.income, code),
                        "total_expense": present(t.expense, code),
                        "savings": present(t.income - t.expense, code),
                    }
                    for m, t in totals.items()
                ],
            }

        return Response(cached_for_household(household.id, "compat-summary", {"start": start, "end": end}, compute))


class _GoalAdapter(DefaultHouseholdMixin, generics.GenericAPIView):
    """`/api/goals/`: the v1 goal shape, on the caller's default household, through the same services."""

    serializer_class = goals.GoalOutputSerializer

    def get_queryset(self) -> QuerySet[Goal]:
        if getattr(self, "swagger_fake_view", False):
            return Goal.objects.none()
        return budget_selectors.goal_list(household=self.household())

    def show(self, goal: Goal, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=goal.pk)
        return Response(goals.GoalOutputSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def validated(self, serializer_class: type[goals.GoalUpdateSerializer], **kwargs: Any) -> dict[str, Any]:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("household", None)
        return values


@extend_schema_view(
    get=extend_schema(summary="Goals (first implementation)", tags=TAG, operation_id="compat_goals_list"),
    post=extend_schema(
        summary="Create a goal",
        tags=TAG,
        operation_id="compat_goals_create",
        request=goals.GoalInputSerializer,
        responses={201: goals.GoalOutputSerializer},
    ),
)
class GoalList(mixins.ListModelMixin, _GoalAdapter):
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request: Request) -> Response:
        return self.list(request)

    @idempotent
    def post(self, request: Request) -> Response:
        household = self.writable_household()
        goal = budget_services.goal_create(
            household=household, actor=actor_of(request), **self.validated(goals.GoalInputSerializer)
        )
        return self.show(goal, status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One goal", tags=TAG, operation_id="compat_goals_retrieve"),
    put=extend_schema(
        summary="Replace a goal",
        tags=TAG,
        operation_id="compat_goals_update",
        request=goals.GoalInputSerializer,
        responses=goals.GoalOutputSerializer,
    ),
    patch=extend_schema(
        summary="Change a goal",
        tags=TAG,
        operation_id="compat_goals_partial_update",
        request=goals.GoalUpdateSerializer,
        responses=goals.GoalOutputSerializer,
    ),
    delete=extend_schema(summary="Delete a goal", tags=TAG, operation_id="compat_goals_destroy"),
)
class GoalDetail(mixins.RetrieveModelMixin, _GoalAdapter):
    http_method_names = ["get", "put", "patch", "delete", "head", "options"]

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.retrieve(request)

    def put(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = budget_services.goal_update(
            goal=self.get_object(), actor=actor_of(request), **self.validated(goals.GoalInputSerializer)
        )
        return self.show(goal)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = budget_services.goal_update(
            goal=self.get_object(), actor=actor_of(request), **self.validated(goals.GoalUpdateSerializer, partial=True)
        )
        return self.show(goal)

    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        budget_services.goal_delete(goal=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
