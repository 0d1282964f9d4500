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


# The cookie session's key holding the id of the account session (``AuthSession``) it belongs to.
BROWSER_SESSION_KEY = "finance_auth_session"


class BrowserSessionMiddleware:
    """A browser signed in through the web app belongs to an account session (``AuthSession``).

    When that session is revoked (the sessions page, the API, a password change or
    reset), the browser is signed out on its next request, on every path: the web
    pages and the API's cookie-authenticated requests alike. The state is the API's
    cached one (``session_is_active``), overwritten the moment a session is revoked.
    Use is recorded at most once a minute, as for access tokens.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import logout

        from finance.users.selectors import session_is_active
        from finance.users.services import session_touch

        session = getattr(request, "session", None)
        session_id = session.get(BROWSER_SESSION_KEY) if session is not None else None
        user_id = session.get("_auth_user_id") if session is not None else None
        if session_id and user_id:
            if session_is_active(session_id=str(session_id), user_id=user_id):
                session_touch(session_id=str(session_id), ip=client_ip(request))
            else:
                logout(request)
        return self.get_response(request)
