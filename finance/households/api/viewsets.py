"""The API base classes that make a household-owned resource safe by default.

``HouseholdScopedViewSet`` scopes every query to the caller's households
(objects elsewhere are 404), lists one household at a time (``?household=``,
default: the caller's default household), enforces roles (``read_roles`` may
read, ``write_roles`` may change, 403 otherwise) and honours
``Idempotency-Key`` on create. Writes go through services: a resource names
its input/output serializers and implements ``perform_service_create``,
``perform_service_update`` and ``perform_service_destroy``.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import generics, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.api.idempotency import idempotent
from finance.core.exceptions import Forbidden
from finance.households.models import READ_ROLES, WRITE_ROLES, Household, Membership, Role
from finance.households.selectors import member_roles as household_roles
from finance.households.selectors import resolve_membership

HOUSEHOLD_PARAM = "household"
SAFE = frozenset(permissions.SAFE_METHODS)


def member_roles(request: Request) -> dict[uuid.UUID, str]:
    """The caller's role in each of their households (from the principal the request already holds)."""
    return household_roles(user=request.user)


class HouseholdRolePermission(permissions.BasePermission):
    """Reads need one of the view's ``read_roles``, writes one of its ``write_roles``."""

    def has_object_permission(self, request: Request, view: Any, obj: Model) -> bool:
        role = member_roles(request).get(view.household_id_of(obj))
        if role is None:  # not reachable through a scoped queryset, but never trust it
            return False
        roles = view.read_roles if request.method in permissions.SAFE_METHODS else view.write_roles_for(request, obj)
        if role not in roles:
            raise Forbidden()
        return True


class HouseholdScopedMixin(generics.GenericAPIView):
    """Household resolution and role checks shared by every scoped view."""

    read_roles: ClassVar[frozenset[Role]] = READ_ROLES
    write_roles: ClassVar[frozenset[Role]] = WRITE_ROLES
    permission_classes = [permissions.IsAuthenticated, HouseholdRolePermission]

    def household_id_of(self, obj: Any) -> uuid.UUID:
        return obj.household_id

    def write_roles_for(self, request: Request, obj: Any) -> frozenset[Role]:
        return self.write_roles

    def request_membership(self, *, body: bool = False) -> Membership:
        """The caller's membership in the household this request names (or their default)."""
        household_id = None
        if body and hasattr(self.request.data, "get"):
            household_id = self.request.data.get(HOUSEHOLD_PARAM)
        if household_id in (None, ""):
            household_id = self.request.query_params.get(HOUSEHOLD_PARAM)
        return resolve_membership(user=self.request.user, household_id=household_id)

    def readable_household(self) -> Household:
        membership = self.request_membership()
        if membership.role not in self.read_roles:
            raise Forbidden()
        return membership.household

    def writable_household(self) -> Household:
        """The household a create goes into, after checking the caller may write there."""
        membership = self.request_membership(body=True)
        if membership.role not in self.write_roles:
            raise Forbidden()
        return membership.household


class HouseholdScopedViewSet(HouseholdScopedMixin, viewsets.ModelViewSet):
    """Base viewset for every household-owned resource."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    input_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    update_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    output_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    # Resources listed across all of the caller's households set this.
    list_all_households: ClassVar[bool] = False

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create" and self.input_serializer_class is not None:
            return self.input_serializer_class
        if self.action in {"update", "partial_update"}:
            chosen = self.update_serializer_class or self.input_serializer_class
            if chosen is not None:
                return chosen
        assert self.output_serializer_class is not None, f"{type(self).__name__} must set output_serializer_class"
        return self.output_serializer_class

    def scoped_queryset(self) -> QuerySet[Any]:
        """The resource's rows in any of the caller's households."""
        queryset: Any = getattr(self, "queryset", None)
        assert queryset is not None, f"{type(self).__name__} must set queryset"
        return queryset.all().for_member(self.request.user)

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.scoped_queryset()
        if self.action == "list" and not self.list_all_households:
            qs = qs.filter(household=self.readable_household())
        return qs

    target_household: Household | None = None

    def get_serializer_context(self) -> dict[str, Any]:
        # Input serializers resolve related ids within the household being written to; an id found in another
        # of the caller's households where they may not write is a 403 (core.api.fields.ScopedPrimaryKeyField).
        context = {**super().get_serializer_context(), "household": self.target_household}
        if self.request is not None and self.request.user.is_authenticated and self.request.method not in SAFE:
            context["member_roles"] = member_roles(self.request)
            context["write_roles"] = self.write_roles
        return context

    def output(self, obj: Any) -> Any:
        assert self.output_serializer_class is not None
        return self.output_serializer_class(obj, context=self.get_serializer_context()).data

    def validated(self, serializer_class: type[serializers.BaseSerializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        household = self.target_household = self.writable_household()
        data = self.validated(self.get_serializer_class())
        data.pop(HOUSEHOLD_PARAM, None)
        obj = self.perform_service_create(household=household, data=data)
        return Response(self.output(obj), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        self.target_household = obj.household
        data = self.validated(self.get_serializer_class(), partial=kwargs.get("partial", False))
        data.pop(HOUSEHOLD_PARAM, None)
        obj = self.perform_service_update(instance=obj, data=data)
        return Response(self.output(obj))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_service_destroy(instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement create")

    def perform_service_update(self, *, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement update")

    def perform_service_destroy(self, *, instance: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement delete")
