from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from finance.core.api.throttling import ScopedRateThrottle
from finance.core.exceptions import FieldError
from finance.users import services
from finance.users.api.serializers import (
    LoginSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserOutputSerializer,
)


class PublicAuthView(APIView):
    """Endpoints reachable without signing in, each with its own throttle budget."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # No authenticator runs here, but failed credentials are still a 401.
        return 'Bearer realm="api"'


class RegisterView(PublicAuthView):
    throttle_scope = "register"

    @extend_schema(
        summary="Register",
        description="Creates the user and their default household (they own it, in their default currency).",
        request=RegisterSerializer,
        responses={201: UserOutputSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


def login_response(request: Request) -> Response:
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    identifier = data.validated_data.get("username") or data.validated_data.get("email")
    user = authenticate(request._request, username=identifier, password=data.validated_data["password"])
    if user is None:
        raise AuthenticationFailed("No active account found with the given credentials.", code="invalid_credentials")
    update_last_login(type(user), user)
    return Response(services.token_pair_issue(user=user))


class LoginView(PublicAuthView):
    throttle_scope = "login"

    @extend_schema(
        summary="Log in",
        description="`username` may be the username or the email address (any case); or send `email`.",
        request=LoginSerializer,
        responses={200: TokenPairSerializer, 401: OpenApiResponse(description="Bad credentials.")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        return login_response(request)


class RefreshView(PublicAuthView):
    throttle_scope = "refresh"

    @extend_schema(
        summary="Refresh tokens",
        description="Returns a new access **and** refresh token; the refresh token sent is dead afterwards.",
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: OpenApiResponse(description="Invalid, expired or used token.")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRefreshSerializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return Response(serializer.validated_data)


class LogoutView(APIView):
    @extend_schema(
        summary="Log out",
        description="Ends the session: the refresh token given no longer works.",
        request=RefreshSerializer,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
            if str(token.get("user_id")) != str(request.user.pk):
                raise TokenError("Token does not belong to you.")
            token.blacklist()
        except TokenError:
            raise FieldError("refresh", "Token is invalid or expired.", code="token_not_valid") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(summary="Your profile", responses=UserOutputSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)

    @extend_schema(
        summary="Update your profile", request=ProfileUpdateSerializer, responses=UserOutputSerializer, tags=["auth"]
    )
    def patch(self, request: Request) -> Response:
        data = ProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **data.validated_data)
        return Response(UserOutputSerializer(user).data)


class PasswordChangeView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password"

    @extend_schema(
        summary="Change your password",
        description="Signs out every session (all refresh tokens die) and returns a new pair for this one.",
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        return Response(services.token_pair_issue(user=request.user))
