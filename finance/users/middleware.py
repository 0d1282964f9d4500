"""The personal-access-token usage audit: one row per request made with a token."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from finance.core.http import client_ip


class TokenUsageMiddleware:
    """After the response, record which token made the request, from where, and the status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from finance.users.authentication import TOKEN_ATTRIBUTE
        from finance.users.services import access_token_record_use

        response = self.get_response(request)
        token_id = getattr(request, TOKEN_ATTRIBUTE, None)
        if token_id is not None:
            access_token_record_use(
                token_id=token_id,
                ip=client_ip(request),
                method=request.method or "",
                path=request.path,
                status=response.status_code,
            )
        return response
