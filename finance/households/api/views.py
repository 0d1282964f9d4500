from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.api.idempotency import idempotent
from finance.core.exceptions import Forbidden, NotFound
from finance.households import selectors, services
from finance.households.api.serializers import (
    HouseholdInputSerializer,
    HouseholdInvitationSerializer,
    HouseholdOutputSerializer,
    HouseholdUpdateSerializer,
    InvitationAnswerSerializer,
    InvitationOutputSerializer,
    InvitationSentSerializer,
    MemberAddSerializer,
    MemberOutputSerializer,
    MemberUpdateSerializer,
)
from finance.households.api.viewsets import HouseholdScopedMixin, member_roles
from finance.households.models import OWNER_ROLES, READ_ROLES, Household, Invitation, Membership, Role
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


class _InHousehold(HouseholdScopedMixin):
    """Rows below ``households/{household_pk}/``: the household is the caller's (404 otherwise)."""

    def household(self) -> Household:
        try:
            household_id = uuid.UUID(str(self.kwargs["household_pk"]))
        except ValueError:
            raise NotFound("Household not found.") from None
        membership = selectors.membership_for(user=self.request.user, household=household_id)
        if membership is None:
            raise NotFound("Household not found.")
        return membership.household


@extend_schema_view(
    list=extend_schema(summary="Members of a household", parameters=[HOUSEHOLD_PATH_PARAM]),
    retrieve=extend_schema(summary="A member", parameters=[HOUSEHOLD_PATH_PARAM]),
    create=extend_schema(
        summary="Invite a member (owner)",
        description=(
            "Invites someone by `username` or `email` with a role; nobody becomes a member until they accept "
            "(`/api/v1/invitations/`). The answer is 202 with the invitation, the same whether or not such a "
            "person exists, and reveals nothing about them; an address without an account gets an emailed "
            "link (its holder may sign up, then accept). 409 `already_member` for a current member, "
            "`too_many_invitations` past 50 waiting ones. Inviting the same person again replaces their "
            "pending invitation. Accepts `Idempotency-Key`."
        ),
        parameters=[HOUSEHOLD_PATH_PARAM],
        request=MemberAddSerializer,
        responses={202: InvitationSentSerializer},
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
    _InHousehold,
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
        invitation = services.invitation_create(
            household=household,
            actor=actor_of(request),
            identifier=data.validated_data.get("username") or data.validated_data["email"],
            role=data.validated_data["role"],
        )
        return Response(InvitationSentSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    def partial_update(self, request: Request, household_pk: str, pk: str) -> Response:
        membership = self.get_object()
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_update_role(membership=membership, actor=actor_of(request), **data.validated_data)
        return Response(MemberOutputSerializer(membership).data)

    def destroy(self, request: Request, household_pk: str, pk: str) -> Response:
        services.member_remove(membership=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="A household's invitations (owner)",
        description="Newest first, with what was typed (`identifier`), never who it matched.",
        parameters=[HOUSEHOLD_PATH_PARAM],
    ),
    retrieve=extend_schema(summary="One of a household's invitations (owner)", parameters=[HOUSEHOLD_PATH_PARAM]),
    destroy=extend_schema(
        summary="Withdraw an invitation (owner)",
        description="Its link stops working. 409 `invitation_closed` once it was answered or withdrawn.",
        parameters=[HOUSEHOLD_PATH_PARAM],
    ),
)
class HouseholdInvitationViewSet(
    _InHousehold,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HouseholdInvitationSerializer
    http_method_names = ["get", "delete", "head", "options"]
    # Invitations name people by what the owner typed: owners only, for reading too.
    read_roles = OWNER_ROLES
    write_roles = OWNER_ROLES

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        household = self.household()
        if member_roles(self.request).get(household.id) not in self.read_roles:
            raise Forbidden()
        return selectors.household_invitation_list(household=household)

    def destroy(self, request: Request, household_pk: str, pk: str) -> Response:
        services.invitation_revoke(invitation=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="Invitations waiting for your answer",
        description=(
            "Pending, unexpired invitations addressed to your account, or to your verified address from "
            "before you had an account. One sent to another address is reached with its emailed link's `token`."
        ),
    ),
    retrieve=extend_schema(
        summary="An invitation to you",
        description="Pass `?token=` from the emailed link for one that went to an address. Anything else is 404.",
        parameters=[OpenApiParameter("token", str, required=False, description="The emailed link's `token`.")],
    ),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InvitationOutputSerializer
    queryset = Invitation.objects.none()

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.invitation_list_for(user=self.request.user)

    def get_object(self) -> Invitation:
        found = selectors.invitation_get_for(
            user=self.request.user, invitation_id=self.kwargs["pk"], token=self.request.query_params.get("token", "")
        )
        if found is None:
            raise NotFound("Invitation not found.")
        return found

    @extend_schema(
        summary="Accept an invitation",
        description=(
            "You become a member with the invitation's role (your default household if you have none) and get "
            "the membership. Send the emailed link's `token` for an invitation that went to an address. "
            "404 if it is not yours; 409 `invitation_expired`, `invitation_closed` (answered or withdrawn) or "
            "`already_member`."
        ),
        request=InvitationAnswerSerializer,
        responses={200: MemberOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        data = InvitationAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            invitation_id=pk, actor=actor_of(request), token=data.validated_data.get("token", "")
        )
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(
        summary="Decline an invitation",
        description="Like accepting, but nobody joins. 409 once it was answered, withdrawn or expired.",
        request=InvitationAnswerSerializer,
        responses={200: InvitationOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        data = InvitationAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_decline(
            invitation_id=pk, actor=actor_of(request), token=data.validated_data.get("token", "")
        )
        return Response(InvitationOutputSerializer(invitation).data)
