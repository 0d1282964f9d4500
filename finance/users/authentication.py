"""Bearer authentication for the API: JWT access tokens (sessions) and personal access tokens."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework import permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from finance.core.http import client_ip
from finance.users import principal, selectors, services
from finance.users.models import PersonalAccessToken

# Set on the Django request when a personal access token authenticated it (for the usage audit).
TOKEN_ATTRIBUTE = "finance_access_token_id"  # noqa: S105 - an attribute name


class BearerAuthentication(JWTAuthentication):
    """JWT access tokens of a live session; a revoked session's tokens stop working at once."""

    def authenticate(self, request: Request) -> Any:
        header = self.get_header(request)
        raw = self.get_raw_token(header) if header is not None else None
        if raw is None:
            return None
        try:
            token = self.get_validated_token(raw)
            user_id = token[jwt_settings.USER_ID_CLAIM]
        except (InvalidToken, KeyError):
            raise AuthenticationFailed("The token is invalid or expired.", code="token_not_valid") from None
        session_id = str(token.get(services.SESSION_CLAIM) or "")
        # The user's principal version and the session's owner in one cache round trip.
        version_key, session_key = principal.version_key(user_id), selectors.session_cache_key(session_id)
        cached = cache.get_many([version_key, session_key]) if session_id else {}
        user = self.get_user(token, version=cached.get(version_key))
        if not session_id or not selectors.session_is_active(
            session_id=session_id, user_id=user.pk, cached=cached.get(session_key)
        ):
            raise AuthenticationFailed("This session has ended; sign in again.", code="token_not_valid")
        services.session_touch(session_id=session_id, user_id=user.pk, ip=client_ip(request))
        return user, token

    def get_user(self, validated_token: Any, *, version: Any = None) -> Any:
        """The token's user from the per-user cache (``finance.users.principal``), not a query per request."""
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError:
            raise InvalidToken("The token names no user.") from None
        found = principal.principal(user_id, version=version)
        if found is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if not found.user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        principal.remember(found.user, found)
        return found.user

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class PersonalAccessTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer pft_…``: a personal access token.

    A read-only token may only use safe methods: anything else is 403 on every
    endpoint, enforced here so no view can forget it.
    """

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, PersonalAccessToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword:
            return None
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError:
            return None
        if not raw.startswith(services.TOKEN_PREFIX):
            return None
        token = selectors.access_token_by_hash(token_hash=services.hash_access_token(raw))
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("The token is invalid, expired or revoked.", code="token_not_valid")
        setattr(request._request, TOKEN_ATTRIBUTE, token.pk)
        if request.method not in permissions.SAFE_METHODS and not token.can_write:
            raise PermissionDenied("This token is read-only.", code="token_read_only")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class IsSessionAuthenticated(permissions.BasePermission):
    """Signed in with a password session (JWT), not a personal access token.

    Managing credentials (tokens, sessions, 2FA, password) needs the person, not a script.
    """

    message = "Sign in with your password to manage credentials; API tokens cannot."
    code = "session_required"

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and not isinstance(
            request.auth, PersonalAccessToken
        )
