"""Bearer authentication for the API."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class BearerAuthentication(JWTAuthentication):
    """JWT access tokens, reporting a bad token as one clear error."""

    def authenticate(self, request: Request) -> Any:
        try:
            return super().authenticate(request)
        except InvalidToken:
            raise AuthenticationFailed("The token is invalid or expired.", code="token_not_valid") from None
