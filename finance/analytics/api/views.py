"""Analytics endpoints: read-side only, cached per household version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.analytics import selectors
from finance.analytics.api import serializers as s
from finance.core.cache import cached_for_household
from finance.core.dates import Period, default_period
from finance.core.exceptions import FieldError
from finance.households.api.viewsets import HouseholdScopedMixin
from finance.households.models import Household
from finance.ledger.models import Account


class AnalyticsView(HouseholdScopedMixin, APIView):
    query_serializer: type[serializers.Serializer]
    name: str

    def query(self) -> dict[str, Any]:
        params = self.query_serializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def period(self, params: dict[str, Any]) -> Period:
        start, end = default_period()
        return Period(params.get("start_date") or start, params.get("end_date") or end)

    def respond(self, household: Household, params: dict[str, Any], compute: Callable[[], dict[str, Any]]) -> Response:
        key_params = {k: v for k, v in params.items() if k != "household"}
        return Response(cached_for_household(household.id, self.name, key_params, compute))

    def get(self, request: Request) -> Response:
        params = self.query()
        household = self.readable_household()
        return self.respond(household, params, lambda: self.compute(household, params))

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


class BalanceView(AnalyticsView):
    query_serializer = s.BalanceQuerySerializer
    name = "balance"

    @extend_schema(
        summary="Current balance",
        description="Without `account`: the household's all-time `income`, `expense` and `balance` = income − "
        "expense, in the base currency; excluded transactions and transfers are not income or expense, amounts "
        "with no exchange rate are left out and counted in `unconverted_transactions` (their currencies in "
        "`unconverted_currencies`). With `account`: that account in its own currency: `balance` is its running "
        "balance (opening balance and every transaction, excluded ones included: money that really moved), "
        "`income`, `expense` and `transaction_count` those of its non-excluded transactions.",
        parameters=[s.BalanceQuerySerializer],
        responses=s.BalanceSerializer,
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        account = None
        if params.get("account"):
            account = Account.objects.filter(household=household, pk=params["account"]).first()
            if account is None:
                raise FieldError("account", "Not found in this household.", code="does_not_exist")
        return selectors.balance(household, account)


class SummaryView(AnalyticsView):
    query_serializer = s.PeriodQuerySerializer
    name = "summary"

    @extend_schema(
        summary="Monthly income, expense and savings",
        parameters=[s.PeriodQuerySerializer],
        responses=s.SummarySerializer,
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.summary(household, self.period(params))


class CategoryBreakdownView(AnalyticsView):
    query_serializer = s.CategoryQuerySerializer
    name = "categories"

    @extend_schema(
        summary="Spending (or income) by category",
        parameters=[s.CategoryQuerySerializer],
        responses=s.CategoryBreakdownSerializer,
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.category_breakdown(household, self.period(params), params["type"], params["level"])


class CashflowView(AnalyticsView):
    query_serializer = s.CashflowQuerySerializer
    name = "cashflow"

    @extend_schema(
        summary="Cashflow by day, week or month",
        parameters=[s.CashflowQuerySerializer],
        responses=s.CashflowSerializer,
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.cashflow(household, self.period(params), params["interval"])


class NetWorthView(AnalyticsView):
    query_serializer = s.NetWorthQuerySerializer
    name = "net-worth"

    @extend_schema(
        summary="Net worth over time",
        description="Accounts included in net worth, at each month's end, converted at that day's rate. "
        "Credit cards, loans and liabilities count as liabilities.",
        parameters=[s.NetWorthQuerySerializer],
        responses=s.NetWorthSerializer,
        tags=["analytics"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def compute(self, household: Household, params: dict[str, Any]) -> dict[str, Any]:
        return selectors.net_worth(household, params.get("start_date"), params.get("end_date"))
