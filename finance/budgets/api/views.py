from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance.budgets import selectors, services
from finance.budgets.api import serializers as s
from finance.budgets.models import Budget, BudgetMove, Goal, GoalContribution
from finance.core.api.idempotency import idempotent
from finance.core.cache import cached_for_household
from finance.core.exceptions import FieldError, Forbidden, NotFound
from finance.core.wording import article, capitalized, plural
from finance.households.api.viewsets import HouseholdScopedMixin, HouseholdScopedViewSet, member_roles
from finance.households.models import Household, Membership
from finance.users.selectors import actor_of

HOUSEHOLD_QUERY = OpenApiParameter(
    "household", str, description="Household id; defaults to your default household.", required=False
)
CONFLICT = OpenApiResponse(description="Not possible in the current state (the envelope's code says why).")
BUDGET_PATH = OpenApiParameter("budget_pk", uuid.UUID, location=OpenApiParameter.PATH, description="The budget.")
GOAL_PATH = OpenApiParameter("goal_pk", uuid.UUID, location=OpenApiParameter.PATH, description="The goal.")


def _crud_schema(noun: str, input_s: Any, update_s: Any, output_s: Any, *, create_note: str = "") -> Any:
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural(noun)}", parameters=[HOUSEHOLD_QUERY]),
        retrieve=extend_schema(summary=capitalized(article(noun))),
        create=extend_schema(
            summary=f"Create {article(noun)}",
            description=f"{create_note} Accepts `Idempotency-Key`.".strip(),
            request=input_s,
            responses={201: output_s},
        ),
        update=extend_schema(summary=f"Replace {article(noun)}", request=update_s, responses=output_s),
        partial_update=extend_schema(summary=f"Change {article(noun)}", request=update_s, responses=output_s),
        destroy=extend_schema(summary=f"Delete {article(noun)}"),
    )


def _line_values(data: dict[str, Any]) -> dict[str, Any]:
    if "lines" in data:
        data["lines"] = [services.LineInput(line["category"], line["amount"]) for line in data["lines"]]
    return data


@_crud_schema(
    "budget",
    s.BudgetInputSerializer,
    s.BudgetUpdateSerializer,
    s.BudgetOutputSerializer,
    create_note="Lines are per expense category (a line covers the subcategories); a category may appear once "
    "and not together with one of its ancestors or descendants (errors name the line: `lines.1.category`).",
)
class BudgetViewSet(HouseholdScopedViewSet):
    queryset = Budget.objects.all()
    input_serializer_class = s.BudgetInputSerializer
    update_serializer_class = s.BudgetUpdateSerializer
    output_serializer_class = s.BudgetOutputSerializer
    filterset_fields = ["is_active", "style", "period"]

    def scoped_queryset(self) -> QuerySet[Budget]:
        return super().scoped_queryset().select_related("household").prefetch_related("lines__budget")

    def output(self, obj: Any) -> Any:
        return super().output(self.scoped_queryset().get(pk=obj.pk))

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Budget:
        return services.budget_create(household=household, actor=actor_of(self.request), **_line_values(data))

    def perform_service_update(self, *, instance: Budget, data: dict[str, Any]) -> Budget:
        return services.budget_update(budget=instance, actor=actor_of(self.request), **_line_values(data))

    def perform_service_destroy(self, *, instance: Budget) -> None:
        services.budget_delete(budget=instance, actor=actor_of(self.request))

    @extend_schema(
        summary="Budgeted, spent and remaining, per line and in total",
        description="The period containing `date` (default today): per line and in total `budgeted`, "
        "`rollover_in` (envelope budgets with rollover), `moved`, `available`, `spent`, `remaining`, `percent`, "
        "and for that period a `pace` (expected spending so far, pro rata, against actual). `history=N` adds the "
        "N previous periods. `member` shows the spending of the transactions that member created against the "
        "household's money. Amounts are in the budget's currency, converted from the base currency at each "
        "period's end-date rate.",
        parameters=[s.BudgetStatusQuerySerializer],
        responses=s.BudgetStatusSerializer,
    )
    @action(detail=True, methods=["get"], url_path="status")
    def budget_status(self, request: Request, pk: str) -> Response:
        budget = self.get_object()
        query = s.BudgetStatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        member = None
        if params.get("member") is not None:
            found = (
                Membership.objects.filter(household_id=budget.household_id, user_id=params["member"])
                .select_related("user")
                .first()
            )
            if found is None:
                raise FieldError("member", "Not a member of this household.", code="not_a_member")
            member = found.user
        on = params.get("date") or timezone.localdate()
        key = {"budget": budget.pk, "date": on, "member": params.get("member"), "history": params["history"]}

        def compute() -> dict[str, Any]:
            return selectors.budget_status_json(
                selectors.budget_status(budget=budget, on=on, history=params["history"], member=member)
            )

        return Response(cached_for_household(budget.household_id, "budget-status", key, compute))

    @extend_schema(
        summary="Thresholds crossed",
        description="A `threshold_crossed` event is recorded the first time a line (or the total) reaches 80 % "
        "and 100 % of its available money in a period, newest first.",
        responses=s.BudgetEventOutputSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="events")
    def events(self, request: Request, pk: str) -> Response:
        budget = self.get_object()
        page = self.paginate_queryset(selectors.event_list(budget=budget))
        return self.get_paginated_response(s.BudgetEventOutputSerializer(page, many=True).data)


class ChildViewSet(HouseholdScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Rows that live under a household-owned parent (``/budgets/{id}/moves/``): scoped through the parent."""

    http_method_names = ["get", "post", "delete", "head", "options"]
    parent_model: ClassVar[type[Model]]
    parent_kwarg: ClassVar[str]
    input_serializer_class: ClassVar[type[serializers.Serializer]]

    def parent(self) -> Any:
        cached = getattr(self, "_parent", None)
        if cached is not None:
            return cached
        try:
            pk = uuid.UUID(str(self.kwargs[self.parent_kwarg]))
        except ValueError:
            raise NotFound() from None
        parent = (
            self.parent_model.objects.for_member(self.request.user)  # type: ignore[attr-defined]
            .select_related("household")
            .filter(pk=pk)
            .first()
        )
        if parent is None:
            raise NotFound()
        self._parent = parent
        return parent

    def require(self, roles: frozenset[Any]) -> Any:
        parent = self.parent()
        if member_roles(self.request).get(parent.household_id) not in roles:
            raise Forbidden()
        return parent

    def children(self, parent: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()  # type: ignore[union-attr]
        return self.children(self.parent())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.require(self.read_roles)
        return super().list(request, *args, **kwargs)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = self.require(self.write_roles)
        data = self.input_serializer_class(data=request.data, context={"household": parent.household})
        data.is_valid(raise_exception=True)
        obj = self.perform_service_create(parent=parent, data=dict(data.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_service_destroy(instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_service_create(self, *, parent: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def perform_service_destroy(self, *, instance: Any) -> None:
        raise NotImplementedError


@extend_schema_view(
    list=extend_schema(summary="Money moved between a budget's lines", parameters=[BUDGET_PATH]),
    create=extend_schema(
        summary="Move money between two lines (envelope budgets)",
        description="For the period containing `date`: `amount` leaves `from_category`'s line and joins "
        "`to_category`'s. 409 `not_envelope` for tracking budgets. Accepts `Idempotency-Key`.",
        parameters=[BUDGET_PATH],
        request=s.BudgetMoveInputSerializer,
        responses={201: s.BudgetMoveOutputSerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(summary="Undo a move", parameters=[BUDGET_PATH]),
)
class BudgetMoveViewSet(ChildViewSet):
    serializer_class = s.BudgetMoveOutputSerializer
    input_serializer_class = s.BudgetMoveInputSerializer
    parent_model = Budget
    parent_kwarg = "budget_pk"

    def children(self, parent: Budget) -> QuerySet[BudgetMove]:
        return selectors.move_list(budget=parent).select_related("budget")

    def perform_service_create(self, *, parent: Budget, data: dict[str, Any]) -> BudgetMove:
        return services.budget_move_create(budget=parent, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: BudgetMove) -> None:
        services.budget_move_delete(move=instance, actor=actor_of(self.request))


@_crud_schema(
    "goal",
    s.GoalInputSerializer,
    s.GoalUpdateSerializer,
    s.GoalOutputSerializer,
    create_note="With an `account`, progress follows its balance; otherwise add contributions. "
    "A goal turns `achieved` by itself when it reaches its target.",
)
class GoalViewSet(HouseholdScopedViewSet):
    queryset = Goal.objects.all()
    input_serializer_class = s.GoalInputSerializer
    update_serializer_class = s.GoalUpdateSerializer
    output_serializer_class = s.GoalOutputSerializer
    filterset_fields = ["status", "goal_type"]

    def scoped_queryset(self) -> QuerySet[Goal]:
        return super().scoped_queryset().select_related("account")

    def output(self, obj: Any) -> Any:
        return super().output(self.scoped_queryset().get(pk=obj.pk))

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Goal:
        return services.goal_create(household=household, actor=actor_of(self.request), **data)

    def perform_service_update(self, *, instance: Goal, data: dict[str, Any]) -> Goal:
        return services.goal_update(goal=instance, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: Goal) -> None:
        services.goal_delete(goal=instance, actor=actor_of(self.request))

    @extend_schema(
        summary="Times the goal was reached",
        description="A `goal_achieved` event is recorded whenever the goal turns achieved, newest first.",
        responses=s.GoalEventOutputSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="events")
    def events(self, request: Request, pk: str) -> Response:
        goal = self.get_object()
        page = self.paginate_queryset(selectors.goal_event_list(goal=goal))
        return self.get_paginated_response(s.GoalEventOutputSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Contributions to a goal", parameters=[GOAL_PATH]),
    create=extend_schema(
        summary="Contribute to a goal",
        description="For goals without a linked account (409 `goal_linked` otherwise). Reaching the target marks "
        "the goal achieved. Accepts `Idempotency-Key`.",
        parameters=[GOAL_PATH],
        request=s.GoalContributionInputSerializer,
        responses={201: s.GoalContributionOutputSerializer, 409: CONFLICT},
    ),
    destroy=extend_schema(summary="Delete a contribution", parameters=[GOAL_PATH]),
)
class GoalContributionViewSet(ChildViewSet):
    serializer_class = s.GoalContributionOutputSerializer
    input_serializer_class = s.GoalContributionInputSerializer
    parent_model = Goal
    parent_kwarg = "goal_pk"

    def children(self, parent: Goal) -> QuerySet[GoalContribution]:
        return selectors.contribution_list(goal=parent).select_related("goal")

    def perform_service_create(self, *, parent: Goal, data: dict[str, Any]) -> GoalContribution:
        return services.goal_contribution_create(goal=parent, actor=actor_of(self.request), **data)

    def perform_service_destroy(self, *, instance: GoalContribution) -> None:
        services.goal_contribution_delete(contribution=instance, actor=actor_of(self.request))
