from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.api.idempotency import idempotent
from finance.core.exceptions import Forbidden, NotFound
from finance.households import selectors, services
from finance.households.api.serializers import (
    HouseholdInputSerializer,
    HouseholdOutputSerializer,
    HouseholdUpdateSerializer,
    MemberAddSerializer,
    MemberOutputSerializer,
    MemberUpdateSerializer,
)
from finance.households.api.viewsets import HouseholdScopedMixin, member_roles
from finance.households.models import OWNER_ROLES, READ_ROLES, Household, Membership, Role
from finance.users.selectors import actor_of

HOUSEHOLD_PATH_PARAM = OpenApiParameter("household_pk", type=uuid.UUID, location=OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="Your households", description="Every household you are a member of, with your role."),
    retrieve=extend_schema(summary="A household"),
    create=extend_schema(
        summary="Create a household",
        description="You become its owner. Accepts `Idempotency-Key`.",
        request=HouseholdInputSerializer,
        responses={201: HouseholdOutputSerializer},
    ),
    partial_update=extend_schema(
        summary="Rename it or change its base currency (owner)",
        request=HouseholdUpdateSerializer,
        responses=HouseholdOutputSerializer,
    ),
)
class HouseholdViewSet(
    HouseholdScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HouseholdOutputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    read_roles = READ_ROLES
    write_roles = OWNER_ROLES

    def household_id_of(self, obj: Household) -> uuid.UUID:
        return obj.id

    def get_queryset(self) -> QuerySet[Household]:
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        return selectors.household_list(user=self.request.user)

    def _output(self, household_id: uuid.UUID) -> Any:
        return HouseholdOutputSerializer(self.get_queryset().get(pk=household_id)).data

    @idempotent
    def create(self, request: Request) -> Response:
        data = HouseholdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = services.household_create(owner=request.user, **data.validated_data)
        return Response(self._output(household.id), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        data = HouseholdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.household_update(household=household, actor=actor_of(request), **data.validated_data)
        return Response(self._output(household.id))


@extend_schema_view(
    list=extend_schema(summary="Members of a household", parameters=[HOUSEHOLD_PATH_PARAM]),
    retrieve=extend_schema(summary="A member", parameters=[HOUSEHOLD_PATH_PARAM]),
    create=extend_schema(
        summary="Add a member (owner)",
        description="Adds an existing user by username or email with a role. Accepts `Idempotency-Key`.",
        parameters=[HOUSEHOLD_PATH_PARAM],
        request=MemberAddSerializer,
        responses={201: MemberOutputSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a member's role (owner)",
        description="The last owner cannot be demoted (409).",
        parameters=[HOUSEHOLD_PATH_PARAM],
        request=MemberUpdateSerializer,
        responses=MemberOutputSerializer,
    ),
    destroy=extend_schema(
        summary="Remove a member, or leave",
        description="Owners remove anyone; anyone may remove themselves. The last owner cannot leave (409).",
        parameters=[HOUSEHOLD_PATH_PARAM],
    ),
)
class MemberViewSet(
    HouseholdScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MemberOutputSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    read_roles = READ_ROLES
    write_roles = OWNER_ROLES

    def write_roles_for(self, request: Request, obj: Membership) -> frozenset[Role]:
        # Leaving is open to every role; the service still guards the last owner.
        if request.method == "DELETE" and obj.user_id == request.user.pk:
            return READ_ROLES
        return self.write_roles

    def household(self) -> Household:
        membership = selectors.membership_for(user=self.request.user, household=self._household_pk())
        if membership is None:
            raise NotFound("Household not found.")
        return membership.household

    def _household_pk(self) -> uuid.UUID:
        try:
            return uuid.UUID(str(self.kwargs["household_pk"]))
        except ValueError:
            raise NotFound("Household not found.") from None

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.member_list(household=self.household())

    @idempotent
    def create(self, request: Request, household_pk: str) -> Response:
        household = self.household()
        if member_roles(request).get(household.id) not in self.write_roles:
            raise Forbidden()
        data = MemberAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_add(
            household=household,
            actor=actor_of(request),
            identifier=data.validated_data.get("username") or data.validated_data["email"],
            role=data.validated_data["role"],
        )
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, household_pk: str, pk: str) -> Response:
        membership = self.get_object()
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_update_role(membership=membership, actor=actor_of(request), **data.validated_data)
        return Response(MemberOutputSerializer(membership).data)

    def destroy(self, request: Request, household_pk: str, pk: str) -> Response:
        services.member_remove(membership=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
