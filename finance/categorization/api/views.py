"""The rules API (``/api/v1/rules/``) and the review queue (``/api/v1/review/``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance.categorization import selectors, services
from finance.categorization.api.serializers import (
    ApplyResultSerializer,
    ReviewItemSerializer,
    RuleInputSerializer,
    RuleOutputSerializer,
    RuleUpdateSerializer,
)
from finance.categorization.models import Rule
from finance.categorization.rules import MAX_REGEX_CONDITIONS
from finance.core.api.pagination import CursorPagination
from finance.core.exceptions import FieldError
from finance.households.api.viewsets import HouseholdScopedMixin, HouseholdScopedViewSet
from finance.households.models import Household
from finance.ledger.api.serializers import TransactionOutputSerializer
from finance.ledger.models import Transaction
from finance.ledger.selectors import with_details
from finance.users.selectors import actor_of

HOUSEHOLD_QUERY = OpenApiParameter(
    "household", str, description="Household id; defaults to your default household.", required=False
)
RULE_EXAMPLE = OpenApiExample(
    "Netflix",
    value={
        "name": "Netflix",
        "priority": 10,
        "match": "all",
        "conditions": [
            {"field": "payee", "operator": "contains", "value": "netflix"},
            {"field": "amount", "operator": "between", "value": ["-20", "-5"]},
        ],
        "actions": [
            {"action": "set_category", "value": "0b8f7c2e-8d7e-4a57-9a3b-6a1f3f6d2c11"},
            {"action": "add_tag", "value": "streaming"},
        ],
    },
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(summary="List rules", description="In the order they run.", parameters=[HOUSEHOLD_QUERY]),
    retrieve=extend_schema(summary="A rule"),
    create=extend_schema(
        summary="Create a rule",
        description="Conditions test `payee`, `description`, `notes`, `account`, `type`, `amount` (signed: "
        "expenses negative) or `day_of_month`. Errors name the field: `conditions.0.value`; a regular "
        f"expression that could take too long is `slow_pattern`, more than {MAX_REGEX_CONDITIONS} "
        "of them `too_many` on `conditions`. 409 `too_many` when the household has "
        f"{services.MAX_RULES} rules.",
        request=RuleInputSerializer,
        responses={201: RuleOutputSerializer, 409: OpenApiResponse(description="The household has too many rules.")},
        examples=[RULE_EXAMPLE],
    ),
    update=extend_schema(summary="Replace a rule", request=RuleUpdateSerializer, responses=RuleOutputSerializer),
    partial_update=extend_schema(summary="Change a rule", request=RuleUpdateSerializer, responses=RuleOutputSerializer),
    destroy=extend_schema(summary="Delete a rule"),
)
class RuleViewSet(HouseholdScopedViewSet):
    queryset = Rule.objects.all()
    input_serializer_class = RuleInputSerializer
    update_serializer_class = RuleUpdateSerializer
    output_serializer_class = RuleOutputSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().order_by("priority", "created_at", "id")

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Rule:
        return services.rule_create(household=household, actor=actor_of(self.request), **_plain(data))

    def perform_service_update(self, *, instance: Rule, data: dict[str, Any]) -> Rule:
        return services.rule_update(rule=instance, actor=actor_of(self.request), **_plain(data))

    def perform_service_destroy(self, *, instance: Rule) -> None:
        services.rule_delete(rule=instance, actor=actor_of(self.request))

    @extend_schema(
        summary="Apply a rule to existing transactions",
        description="`dry_run=true` (the default) only counts. Otherwise every change is made in one database "
        f"transaction through the ledger, at most {services.APPLY_LIMIT} transactions per call. A category "
        "a person chose is never replaced. 409 `rule_disabled` when the rule's conditions used up the time "
        "rules may take: the rule is turned off (that stays) and nothing is applied.",
        request=None,
        parameters=[OpenApiParameter("dry_run", bool, description="Count without changing anything.")],
        responses={
            200: ApplyResultSerializer,
            409: OpenApiResponse(description="Too many changes, or the rule took too long and was turned off."),
        },
        examples=[
            OpenApiExample(
                "Dry run",
                value={"matched": 3, "changed": 2, "dry_run": True, "transaction_ids": []},
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        raw = request.query_params.get("dry_run", "true").strip().lower()
        if raw not in {"true", "false", "1", "0"}:
            raise FieldError("dry_run", "Must be true or false.")
        result = services.rule_apply(rule=rule, actor=actor_of(request), dry_run=raw in {"true", "1"})
        return Response(
            ApplyResultSerializer(
                {
                    "matched": result.matched,
                    "changed": result.changed,
                    "dry_run": result.dry_run,
                    "transaction_ids": result.transaction_ids,
                }
            ).data
        )


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Validated nested data as plain dicts and lists (stored as JSON)."""
    out = dict(data)
    for name in ("conditions", "actions"):
        if name in out:
            out[name] = [dict(item) for item in out[name]]
    return out


def _suggestions(choices: list[services.ReviewChoice]) -> list[dict[str, Any]]:
    return [
        {"category": c.category_id, "confidence": c.confidence, "source": c.source, "explanation": c.explanation}
        for c in choices
    ]


class ReviewPagination(CursorPagination):
    """Keyset pages in the queue's order (newest first; ``-id`` makes the order total)."""

    ordering = ("-date", "-created_at", "-id")


class ReviewViewSet(HouseholdScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Transactions waiting for a category, with the pipeline's top three suggestions."""

    queryset = Transaction.objects.all()
    serializer_class = ReviewItemSerializer
    pagination_class = ReviewPagination

    def get_queryset(self) -> QuerySet[Transaction]:
        return Transaction.objects.for_member(self.request.user).select_related("account", "category")

    @extend_schema(
        summary="The review queue",
        description="Transactions marked `needs_review`, newest first, each with up to three suggested "
        "categories and why; a list like every other (`{next, previous, results}`, keyset cursors, "
        "`page_size` 50 by default, at most 500). Accept one, or PATCH the transaction's category.",
        parameters=[HOUSEHOLD_QUERY],
        responses=ReviewItemSerializer(many=True),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.readable_household()
        txns = self.paginate_queryset(selectors.review_queue(household=household)) or []
        # Suggestions for this page only, in one pipeline run.
        choices = services.review_suggestions(household, txns)
        rows = [{"transaction": t, "suggestions": _suggestions(c)} for t, c in zip(txns, choices, strict=True)]
        return self.get_paginated_response(ReviewItemSerializer(rows, many=True).data)

    @extend_schema(
        summary="Accept the top suggestion",
        description="Sets the category to the top suggestion (as the person's choice) and clears `needs_review`. "
        "400 with `attr` `category` when there is nothing to suggest.",
        request=None,
        responses=TransactionOutputSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        txn = self.get_object()
        services.review_resolve(txn=txn, actor=actor_of(request))
        return Response(TransactionOutputSerializer(with_details(Transaction.objects.filter(pk=txn.pk)).get()).data)
