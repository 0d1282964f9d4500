from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from finance.currency import services
from finance.currency.api.serializers import RateInputSerializer, RateOutputSerializer, RateUpdateSerializer
from finance.currency.filtersets import ExchangeRateFilterSet
from finance.currency.models import ExchangeRate
from finance.households.api.viewsets import HouseholdScopedViewSet
from finance.households.models import Household
from finance.users.selectors import actor_of


@extend_schema_view(
    list=extend_schema(
        summary="Exchange rates",
        parameters=[OpenApiParameter("household", str, required=False)],
        description="The household's rate history. A conversion on a day without a rate uses the most "
        "recent earlier one; with none, amounts are reported as unconverted.",
    ),
    retrieve=extend_schema(summary="An exchange rate"),
    create=extend_schema(
        summary="Record a rate",
        description="Transactions it applies to are converted again, with their aggregates, in the same database "
        "transaction. Accepts `Idempotency-Key`.",
        request=RateInputSerializer,
        responses={201: RateOutputSerializer},
    ),
    update=extend_schema(summary="Replace a rate", request=RateUpdateSerializer, responses=RateOutputSerializer),
    partial_update=extend_schema(summary="Change a rate", request=RateUpdateSerializer, responses=RateOutputSerializer),
    destroy=extend_schema(summary="Delete a rate"),
)
class ExchangeRateViewSet(HouseholdScopedViewSet):
    queryset = ExchangeRate.objects.all()
    input_serializer_class = RateInputSerializer
    update_serializer_class = RateUpdateSerializer
    output_serializer_class = RateOutputSerializer
    filterset_class = ExchangeRateFilterSet

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> ExchangeRate:
        return services.rate_create(household=household, actor=actor_of(self.request), **data)

    def perform_service_update(self, *, instance: ExchangeRate, data: dict[str, Any]) -> ExchangeRate:
        return services.rate_update(rate_obj=instance, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: ExchangeRate) -> None:
        services.rate_delete(rate_obj=instance, actor=actor_of(self.request))
