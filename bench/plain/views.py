"""The plain baseline's endpoints: what a first, straightforward implementation does per request."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Case, DecimalField, F, QuerySet, Sum, When
from django.http import HttpRequest, JsonResponse
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.plain.models import Transaction
from bench.plain.serializers import TransactionSerializer

BALANCE_TIMEOUT = 300


def balance_key(user_id: object) -> str:
    return f"balance:{user_id}"


def compute_balance(user_id: object) -> Decimal:
    """Income minus expenses of all the user's rows: one aggregate query."""
    signed = Case(
        When(type=Transaction.Type.EXPENSE, then=-F("amount")),
        default=F("amount"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    total = Transaction.objects.filter(user_id=user_id).aggregate(total=Sum(signed))["total"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


class FirstPage(CursorPagination):
    page_size = 50
    ordering = ("-date", "-created_at")


class TransactionList(generics.ListCreateAPIView[Transaction]):
    """GET: 50 newest first (cursor pages, no count). POST: one INSERT, then one cache delete."""

    serializer_class = TransactionSerializer
    pagination_class = FirstPage

    def get_queryset(self) -> QuerySet[Transaction]:
        return Transaction.objects.filter(user_id=self.request.user.pk)

    def perform_create(self, serializer: TransactionSerializer) -> None:  # type: ignore[override]
        serializer.save(user_id=self.request.user.pk)
        cache.delete(balance_key(self.request.user.pk))


class Balance(APIView):
    """The user's balance from the cache; on a miss one aggregate query, then cached."""

    def get(self, request: Request) -> Response:
        key = balance_key(request.user.pk)
        value = cache.get(key)
        if value is None:
            value = str(compute_balance(request.user.pk))
            cache.set(key, value, BALANCE_TIMEOUT)
        return Response({"balance": value})


class Me(APIView):
    """The trivial endpoint: authentication (token decode, one user query) and a small JSON answer."""

    def get(self, request: Request) -> Response:
        return Response({"id": request.user.pk, "username": request.user.get_username()})


def healthz(request: HttpRequest, *args: Any) -> JsonResponse:
    return JsonResponse({"status": "ok"})
