"""The personal-access-token usage audit: one row per request made with a token."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
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

    A cookie session without an account session was made by a password-only login
    outside the web app's sign-in (Django's admin or the browsable API's login page,
    or from before this check existed): it is ended if the person has two-factor
    authentication on, so no login form can skip the code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib.auth import logout

        from finance.users.selectors import session_is_active, user_two_factor_enabled
        from finance.users.services import session_touch

        session = getattr(request, "session", None)
        user_id = session.get(SESSION_KEY) if session is not None else None
        if session is not None and user_id:
            session_id = session.get(BROWSER_SESSION_KEY)
            if session_id and session_is_active(session_id=str(session_id), user_id=user_id):
                session_touch(session_id=str(session_id), user_id=user_id, ip=client_ip(request))
            elif session_id or user_two_factor_enabled(user=user_id):
                logout(request)
        return self.get_response(request)
