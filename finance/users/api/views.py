from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.api.throttling import ScopedRateThrottle, ScopeThrottle
from finance.core.exceptions import Forbidden, NotFound
from finance.core.http import client_ip, private_image
from finance.users import selectors, services
from finance.users.api.serializers import (
    AccessTokenCreatedSerializer,
    AccessTokenCreateSerializer,
    AccessTokenSerializer,
    AvatarUploadSerializer,
    EmailChangeUndoSerializer,
    EmailResendSerializer,
    EmailVerifySerializer,
    LoginSerializer,
    OAuthCallbackSerializer,
    OAuthProviderSerializer,
    OAuthStartSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileUpdateSerializer,
    RecoveryCodesSerializer,
    RefreshSerializer,
    RegisterSerializer,
    RevokedCountSerializer,
    SessionSerializer,
    SignInAttemptSerializer,
    TokenPairSerializer,
    TokenUsageSerializer,
    TwoFactorCodeSerializer,
    TwoFactorDisableSerializer,
    TwoFactorSetupRequestSerializer,
    TwoFactorSetupSerializer,
    UserOutputSerializer,
)
from finance.users.authentication import IsSessionAuthenticated
from finance.users.errors import ErrorCode
from finance.users.models import AuthSession, PersonalAccessToken, SignInAttempt, TokenUsage
from finance.users.services.avatar import AVATAR_CONTENT_TYPE


def client_info(request: Request) -> services.ClientInfo:
    return services.ClientInfo(ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""))


def current_session_id(request: Request) -> str | None:
    token: Any = request.auth
    if token is None or isinstance(token, PersonalAccessToken):
        return None
    session_id = token.payload.get(services.SESSION_CLAIM)
    return str(session_id) if session_id else None


class PublicAuthView(APIView):
    """Endpoints reachable without signing in, each with its own throttle budget."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # No authenticator runs here, but failed credentials are still a 401.
        return 'Bearer realm="api"'


class CredentialsView(APIView):
    """Managing the caller's own credentials: needs a password session, not an API token."""

    permission_classes = [IsSessionAuthenticated]


class RegisterView(PublicAuthView):
    throttle_scope = "register"

    @extend_schema(
        summary="Register",
        description=(
            "Creates the user and their default household (they own it, in their default currency), "
            "and emails a link to verify the address (`email_verified` is false until it is opened)."
        ),
        request=RegisterSerializer,
        responses={201: UserOutputSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(UserOutputSerializer(user, context={"request": request}).data, status=status.HTTP_201_CREATED)


def login_response(request: Request) -> Response:
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    identifier = data.validated_data.get("username") or data.validated_data.get("email")
    tokens = services.sign_in(
        identifier=identifier,
        password=data.validated_data["password"],
        otp_code=data.validated_data["otp"],
        client=client_info(request),
    )
    return Response(tokens)


class LoginView(PublicAuthView):
    throttle_scope = "login"

    @extend_schema(
        summary="Log in",
        description=(
            "`username` may be the username or the email address (any case); or send `email`. "
            "Starts a session (see `sessions/`). With two-factor authentication on, also send `otp`: "
            "without it the answer is 401 `otp_required`, with a wrong or reused code 401 `otp_invalid`. "
            "Repeated failures for an account or from an address slow sign-in down, then lock it for a "
            "while: 429 `login_slowed` / `login_locked` with `Retry-After`. With `REQUIRE_EMAIL_VERIFICATION` "
            "an unverified address is 403 `email_not_verified`."
        ),
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="Bad credentials, or a missing or wrong two-factor code."),
            403: OpenApiResponse(description="The email address is not verified yet (when that is required)."),
            429: OpenApiResponse(description="Too many attempts: slowed down or locked; see Retry-After."),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        return login_response(request)


class RefreshView(PublicAuthView):
    throttle_scope = "refresh"

    @extend_schema(
        summary="Refresh tokens",
        description=(
            "Returns a new access **and** refresh token in the same session; the refresh token sent is dead "
            "afterwards. Sending a refresh token that was already rotated away ends the whole session."
        ),
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 401: OpenApiResponse(description="Invalid, expired or used token.")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.session_refresh(refresh=data.validated_data["refresh"], client=client_info(request)))


class LogoutView(APIView):
    @extend_schema(
        summary="Log out",
        description="Ends the session: the refresh token given and the session's access tokens no longer work.",
        request=RefreshSerializer,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.session_logout(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def _identity_change(request: Request) -> bool:
    """Whether the request tries to change what signs in (``services.IDENTITY_FIELDS``) or proves the password."""
    names = set(request.data) if hasattr(request.data, "keys") else set()
    return bool(names & (services.IDENTITY_FIELDS | {"current_password"}))


class MeView(APIView):
    @extend_schema(summary="Your profile", responses=UserOutputSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user, context={"request": request}).data)

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.request.method == "PATCH" and _identity_change(self.request):
            # Password guesses here share the budget of password changes.
            throttles.append(ScopeThrottle("password"))
        return throttles

    @extend_schema(
        summary="Update your profile",
        description=(
            "Changing `email` (what signs in and receives reset links) needs `current_password` and a "
            "password session: an API token gets 403 `session_required` for it, whatever else it may do. "
            "The new address is unverified until the link sent to it is opened; the previous address is "
            "told, with a link that undoes the change (`email/undo/`)."
        ),
        request=ProfileUpdateSerializer,
        responses=UserOutputSerializer,
        tags=["auth"],
    )
    def patch(self, request: Request) -> Response:
        if _identity_change(request) and not IsSessionAuthenticated().has_permission(request, self):
            raise Forbidden(
                "API tokens cannot change your email address; sign in with your password.",
                code=ErrorCode.SESSION_REQUIRED,
            )
        data = ProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **data.validated_data)
        return Response(UserOutputSerializer(user, context={"request": request}).data)


class AvatarView(APIView):
    """The signed-in person's own profile picture: there is no way to ask for anyone else's."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Your profile picture",
        description="The picture as stored: a 256 px square WebP. 404 without one.",
        responses={(200, "image/webp"): OpenApiTypes.BINARY},
        tags=["auth"],
    )
    def get(self, request: Request) -> HttpResponse:
        content = selectors.avatar_content(user=request.user)
        if content is None:
            raise NotFound("You have no profile picture.")
        return private_image(content, AVATAR_CONTENT_TYPE)

    @extend_schema(
        summary="Set your profile picture",
        description=(
            "Multipart, one file in `avatar`: PNG, JPEG or WebP, at most 2 MiB and 25 megapixels (8000 px on a "
            "side). It is cropped to a centred square, resized to 256 px and re-encoded as WebP: EXIF (GPS "
            "included) and other metadata are not kept. A refusal (400 on `avatar`: `image_file_too_large`, "
            "`image_type`, `not_an_image`, `image_dimensions`) keeps the previous picture."
        ),
        request={"multipart/form-data": AvatarUploadSerializer},
        responses=UserOutputSerializer,
        tags=["auth"],
    )
    def put(self, request: Request) -> Response:
        data = AvatarUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_set_avatar(user=request.user, upload=data.validated_data["avatar"])
        return Response(UserOutputSerializer(user, context={"request": request}).data)

    @extend_schema(summary="Remove your profile picture", responses={204: None}, tags=["auth"])
    def delete(self, request: Request) -> Response:
        services.user_remove_avatar(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(CredentialsView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password"

    @extend_schema(
        summary="Change your password",
        description="Ends every session (all refresh and access tokens die) and returns a new pair for this device.",
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        return Response(services.session_start(user=request.user, client=client_info(request)))


class PasswordResetView(PublicAuthView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "email"

    @extend_schema(
        summary="Ask for a password reset link",
        description=(
            "Emails a one-time link (valid `PASSWORD_RESET_MINUTES`) if an account has this address. "
            "The answer is 202 either way, so it does not tell which addresses have accounts."
        ),
        request=PasswordResetSerializer,
        responses={202: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_request(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAuthView):
    throttle_scope = "password"

    @extend_schema(
        summary="Set a new password from a reset link",
        description="`uid` and `token` come from the emailed link, which works once. Every session is ended.",
        request=PasswordResetConfirmSerializer,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(PublicAuthView):
    throttle_scope = "password"

    @extend_schema(
        summary="Verify your email address",
        description="`key` comes from the emailed link; it works once and expires after `EMAIL_VERIFICATION_HOURS`.",
        request=EmailVerifySerializer,
        responses={200: UserOutputSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = EmailVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_verify(key=data.validated_data["key"])
        return Response(UserOutputSerializer(user, context={"request": request}).data)


class EmailResendView(PublicAuthView):
    # Signed-in callers are recognised (their own address), signed-out ones name an address.
    authentication_classes = list(APIView.authentication_classes)
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "email"

    @extend_schema(
        summary="Send the verification link again",
        description=(
            "Signed in: to your address. Signed out (e.g. when sign-in needs a verified address): "
            "send `email`; the answer is 202 whether or not it has an account."
        ),
        request=EmailResendSerializer,
        responses={202: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = EmailResendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.is_authenticated:
            services.email_verification_resend(user=request.user)
        else:
            services.email_verification_resend(email=data.validated_data.get("email", ""))
        return Response(status=status.HTTP_202_ACCEPTED)


class EmailChangeUndoView(PublicAuthView):
    throttle_scope = "password"

    @extend_schema(
        summary="Undo an email change from the previous address",
        description=(
            "`key` comes from the link sent to the previous address when the email was changed. Puts that "
            "address back (verified), ends every session and API token, removes a second factor or sign-in "
            "provider added since the change, and emails a link to choose a new password. Works once, for "
            "`EMAIL_CHANGE_UNDO_DAYS` after the change; 409 `address_taken` if another account uses the "
            "address by now."
        ),
        request=EmailChangeUndoSerializer,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = EmailChangeUndoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.email_change_undo(key=data.validated_data["key"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorSetupView(CredentialsView):
    # Password guesses here share the budget of password changes.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password"

    @extend_schema(
        summary="Start two-factor setup",
        description=(
            "A new TOTP secret for an authenticator app, as text, otpauth URI and QR code. "
            "Not active until confirmed with a code; shown only here. Needs the current `password` "
            "(a second factor decides who can sign in). 409 while 2FA is on."
        ),
        request=TwoFactorSetupRequestSerializer,
        responses={200: TwoFactorSetupSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = TwoFactorSetupRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.two_factor_setup(user=request.user, password=data.validated_data["password"]))


class TwoFactorConfirmView(CredentialsView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "otp"

    @extend_schema(
        summary="Turn two-factor authentication on",
        description="Confirms the setup with a code from the app. Returns ten single-use recovery codes, once.",
        request=TwoFactorCodeSerializer,
        responses={200: RecoveryCodesSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = TwoFactorCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = services.two_factor_confirm(user=request.user, code=data.validated_data["code"])
        return Response({"recovery_codes": codes})


class TwoFactorDisableView(CredentialsView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "otp"

    @extend_schema(
        summary="Turn two-factor authentication off",
        description="Needs the password and a current code (or an unused recovery code).",
        request=TwoFactorDisableSerializer,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = TwoFactorDisableSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.two_factor_disable(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Your signed-in sessions (devices)", tags=["auth"]),
    destroy=extend_schema(
        summary="End a session",
        description="Its refresh token and access tokens stop working. Another user's session is 404.",
        tags=["auth"],
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsSessionAuthenticated]
    serializer_class = SessionSerializer
    queryset = AuthSession.objects.none()

    def get_queryset(self) -> QuerySet[AuthSession]:
        return selectors.session_list(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current_session_id": current_session_id(self.request)}

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.session_revoke(user=request.user, session_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="End every other session",
        description="Every session but the one making this request.",
        request=None,
        responses={200: RevokedCountSerializer},
        tags=["auth"],
    )
    @action(detail=False, methods=["post"], url_path="revoke-others")
    def revoke_others(self, request: Request) -> Response:
        count = services.sessions_revoke_all(user=request.user, reason="revoked", keep=current_session_id(request))
        return Response({"revoked": count})


@extend_schema_view(
    list=extend_schema(summary="Your personal access tokens", tags=["auth"]),
    create=extend_schema(
        summary="Create a personal access token",
        description=(
            "Use it as `Authorization: Bearer <token>`. The secret is in this response only. A `read` token "
            "may only read: any other method is 403 `token_read_only`."
        ),
        request=AccessTokenCreateSerializer,
        responses={201: AccessTokenCreatedSerializer},
        tags=["auth"],
    ),
    destroy=extend_schema(summary="Revoke a personal access token", tags=["auth"]),
)
class AccessTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsSessionAuthenticated]
    serializer_class = AccessTokenSerializer
    queryset = PersonalAccessToken.objects.none()

    def get_queryset(self) -> QuerySet[PersonalAccessToken]:
        return selectors.access_token_list(user=self.request.user)

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return AccessTokenCreateSerializer
        if self.action == "usage":
            return TokenUsageSerializer
        return AccessTokenSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = AccessTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.access_token_create(user=request.user, **data.validated_data)
        body = AccessTokenCreatedSerializer(token).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.access_token_revoke(user=request.user, token_id=self.get_object().pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="A token's recent use",
        description="The usage audit: one row per request made with the token, newest first.",
        responses={200: TokenUsageSerializer(many=True)},
        tags=["auth"],
    )
    @action(detail=True, methods=["get"])
    def usage(self, request: Request, pk: str | None = None) -> Response:
        usages: QuerySet[TokenUsage] = selectors.token_usage_list(token=self.get_object())
        page = self.paginate_queryset(usages)
        return self.get_paginated_response(TokenUsageSerializer(page, many=True).data)


class SignInActivityView(generics.ListAPIView):
    permission_classes = [IsSessionAuthenticated]
    serializer_class = SignInAttemptSerializer
    queryset = SignInAttempt.objects.none()

    def get_queryset(self) -> QuerySet[SignInAttempt]:
        return selectors.sign_in_activity(user=self.request.user)

    @extend_schema(
        summary="Your recent sign-in activity",
        description=(
            "Successful and failed sign-ins to your account, newest first, with address and device: "
            "`reason` is `ok`, `bad_credentials`, `otp_required`, `otp_invalid`, `slowed`, `locked` or "
            "`email_not_verified`."
        ),
        tags=["auth"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class OAuthProvidersView(PublicAuthView):
    throttle_scope = "login"

    @extend_schema(
        summary="Sign-in providers on offer",
        description="The OpenID Connect providers configured on this server (by their client ids).",
        responses={200: OAuthProviderSerializer(many=True)},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response([{"name": name} for name in sorted(settings.OAUTH_PROVIDERS)])


class OAuthStartView(PublicAuthView):
    throttle_scope = "login"

    @extend_schema(
        summary="Start signing in with a provider",
        description=(
            "Returns the provider's authorization URL (authorization code flow with PKCE and a nonce). "
            "The provider sends the person back to `OAUTH_REDIRECT_URL` with `code` and `state`, which the "
            "web app posts to `callback/` within 10 minutes. Unknown provider: 404."
        ),
        request=None,
        responses={200: OAuthStartSerializer, 503: OpenApiResponse(description="The provider is unreachable.")},
        tags=["auth"],
    )
    def post(self, request: Request, provider: str) -> Response:
        return Response(services.oauth_start(provider=provider))


class OAuthCallbackView(PublicAuthView):
    throttle_scope = "login"

    @extend_schema(
        summary="Finish signing in with a provider",
        description=(
            "Trades the code for the provider's ID token, checks it, and signs in: the provider account's "
            "linked user, or the user with the same address when the provider vouches for it (Google), or a "
            "new user. Returns a token pair like `login/` (a new session). With 2FA on, `otp` is needed "
            "(401 `otp_required`). 409 `account_exists` when the address belongs to an account the provider "
            "cannot vouch for."
        ),
        request=OAuthCallbackSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="Second factor missing or wrong."),
            409: OpenApiResponse(description="The address belongs to an existing account."),
        },
        tags=["auth"],
    )
    def post(self, request: Request, provider: str) -> Response:
        data = OAuthCallbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tokens = services.oauth_complete(
            provider=provider,
            code=data.validated_data["code"],
            state=data.validated_data["state"],
            otp_code=data.validated_data["otp"],
            client=client_info(request),
        )
        return Response(tokens)
