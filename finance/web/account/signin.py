"""The browser session's link to the account's sessions, and the two-factor step of sign-in.

* Every web sign-in opens an ``AuthSession`` (the API's session list) and keeps its id
  in the cookie session (``AUTH_SESSION_KEY``). ``finance.users.middleware.BrowserSessionMiddleware``
  signs the browser out the moment that session is revoked (from the sessions page, the
  API, a password change), on every path, the API's cookie-authenticated requests included.
* With 2FA on, a correct password (or a provider's confirmation) signs nobody in: the session holds a **pending
  sign-in** marker, signed (own salt) with the time it was made, good for
  ``PENDING_SECONDS``. Only the code step reads it, and it is dropped once used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import login
from django.core import signing
from django.http import HttpRequest

from finance.core.http import client_ip
from finance.users.middleware import BROWSER_SESSION_KEY as AUTH_SESSION_KEY
from finance.users.models import AuthSession
from finance.users.services import ClientInfo

PENDING_KEY = "finance_2fa_pending"
# Named after this module's first home; a new salt would void every pending sign-in.
PENDING_SALT = "finance.web.signin.pending-2fa"
PENDING_SECONDS = 300


def client_info(request: HttpRequest) -> ClientInfo:
    return ClientInfo(ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""))


def start_browser_session(request: HttpRequest, user: Any, session: AuthSession) -> None:
    """Sign the browser in (a new session key) and remember which account session it is."""
    login(request, user, backend="finance.users.backends.UsernameOrEmailBackend")
    request.session[AUTH_SESSION_KEY] = str(session.pk)


def current_session_id(request: HttpRequest) -> str | None:
    value = request.session.get(AUTH_SESSION_KEY)
    return str(value) if value else None


@dataclass(frozen=True)
class PendingSignIn:
    user_id: str
    identifier: str
    next_url: str
    # The first step passed: ``password`` or ``oauth:<provider>`` (recorded with the code step's factor).
    method: str = "password"


def pending_set(request: HttpRequest, *, user: Any, identifier: str, next_url: str, method: str = "password") -> None:
    # A fresh session key: whatever was in the session before the password is not carried over.
    request.session.cycle_key()
    request.session[PENDING_KEY] = signing.dumps(
        {"u": str(user.pk), "i": identifier, "n": next_url, "m": method}, salt=PENDING_SALT, compress=True
    )


def pending_get(request: HttpRequest) -> PendingSignIn | None:
    """The pending sign-in, if there is one and it is younger than ``PENDING_SECONDS``."""
    value = request.session.get(PENDING_KEY)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=PENDING_SALT, max_age=PENDING_SECONDS)
    except signing.BadSignature:  # expired (SignatureExpired) or tampered with
        request.session.pop(PENDING_KEY, None)
        return None
    return PendingSignIn(
        user_id=data["u"], identifier=data["i"], next_url=data.get("n", ""), method=data.get("m", "password")
    )


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
