"""Sign-in with an OpenID Connect provider (Google, Microsoft, …)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from finance.core.exceptions import (
    Conflict,
    FieldError,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
)
from finance.users import oidc
from finance.users.errors import ErrorCode
from finance.users.models import (
    OAuthRequest,
    SocialIdentity,
)
from finance.users.selectors import (
    user_by_identifier,
    user_identifier_taken,
)
from finance.users.services._common import logger
from finance.users.services.registration import user_register
from finance.users.services.sessions import ClientInfo
from finance.users.services.signin import (
    WebSignIn,
    _complete_sign_in,
    _fail,
    _second_factor_or_fail,
    web_first_factor_passed,
)


def _oidc_provider(name: str) -> oidc.Provider:
    idp = oidc.provider(name)
    if idp is None:
        raise NotFound("No such sign-in provider.")
    return idp


@transaction.atomic
def oauth_start(*, provider: str) -> dict[str, str]:
    """Begin "sign in with <provider>": where to send the person, and the state to expect back."""
    idp = _oidc_provider(provider)
    request = oidc.new_request_secrets()
    redirect_uri = settings.OAUTH_REDIRECT_URL
    try:
        url = oidc.authorization_url(idp, redirect_uri=redirect_uri, **request)
    except oidc.OIDCError as exc:
        logger.error("OpenID provider unavailable", extra={"event": "oauth_unavailable", "provider": provider})
        raise ServiceUnavailable("The sign-in provider cannot be reached; try again later.") from exc
    OAuthRequest.objects.create(provider=provider, redirect_uri=redirect_uri, created_at=timezone.now(), **request)
    return {"authorization_url": url, "state": request["state"]}


def _username_for(claims: dict[str, Any]) -> str:
    base = str(claims.get("preferred_username") or claims.get("email") or claims["sub"]).split("@")[0]
    base = "".join(ch for ch in base if ch.isalnum() or ch in "._-")[:30] or "user"
    candidate, n = base, 1
    while user_identifier_taken(field="username", value=candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _oauth_user(*, idp: oidc.Provider, claims: dict[str, Any]) -> Any:
    """The user this provider account belongs to: linked before, linked now by a trusted address, or new."""
    identity = SocialIdentity.objects.select_related("user").filter(provider=idp.name, subject=claims["sub"]).first()
    email = str(claims.get("email") or "").strip()
    email_is_verified = idp.trust_email and claims.get("email_verified") is True and bool(email)
    if identity is not None:
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user
    existing = user_by_identifier(identifier=email, email_only=True) if email else None
    if existing is not None and not email_is_verified:
        # An address the provider does not vouch for must never take over an account.
        raise Conflict(
            "An account with this email address exists: sign in with your password.", code=ErrorCode.ACCOUNT_EXISTS
        )
    user = existing
    if user is None:
        user = user_register(
            username=_username_for(claims),
            email=email,
            password="",
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
            email_verified=email_is_verified,
        )
    SocialIdentity.objects.create(
        user=user, provider=idp.name, subject=claims["sub"], email=email[:254], last_login_at=timezone.now()
    )
    return user


def oauth_complete(*, provider: str, code: str, state: str, otp_code: str, client: ClientInfo) -> dict[str, str]:
    """Finish "sign in with <provider>": check state, trade the code, verify the ID token, start a session.

    The state works once and for ``OAUTH_REQUEST_TIMEOUT``. A user with 2FA on must also send ``otp``.
    """
    user, identifier, method = _oauth_confirmed_user(provider=provider, code=code, state=state, client=client)
    method = _second_factor_or_fail(user=user, identifier=identifier, otp_code=otp_code, client=client, method=method)
    return _complete_sign_in(user=user, identifier=identifier, client=client, method=method)


def web_oauth_sign_in(*, provider: str, code: str, state: str, client: ClientInfo) -> WebSignIn:
    """The web app's "sign in with <provider>": as ``oauth_complete`` up to the second factor, which the web
    app then asks for on its own page (``web_sign_in_second_factor``), as after a password."""
    user, identifier, method = _oauth_confirmed_user(provider=provider, code=code, state=state, client=client)
    return web_first_factor_passed(user=user, identifier=identifier, client=client, method=method)


def _oauth_confirmed_user(*, provider: str, code: str, state: str, client: ClientInfo) -> tuple[Any, str, str]:
    """The state spent, the code traded and the ID token checked: the (active) user, identifier and method."""
    idp = _oidc_provider(provider)
    with transaction.atomic():
        request = OAuthRequest.objects.select_for_update().filter(state=state, provider=provider).first()
        if request is not None:
            request.delete()
    if request is None or request.created_at < timezone.now() - settings.OAUTH_REQUEST_TIMEOUT:
        raise FieldError(
            "state", "This sign-in attempt is unknown, expired or already finished.", code=ErrorCode.INVALID_STATE
        )
    method = f"oauth:{provider}"
    try:
        claims = oidc.exchange_code(
            idp, code=code, redirect_uri=request.redirect_uri, code_verifier=request.code_verifier, nonce=request.nonce
        )
    except oidc.OIDCError as exc:
        logger.warning(
            "OpenID sign-in failed",
            extra={"event": "oauth_failed", "provider": provider, "ip": client.ip, "error": str(exc)},
        )
        raise FieldError("code", "The provider did not confirm this sign-in.", code=ErrorCode.OAUTH_FAILED) from None
    with transaction.atomic():
        user = _oauth_user(idp=idp, claims=claims)
    identifier = user.username.lower()
    if not user.is_active:
        _fail(
            user=user,
            identifier=identifier,
            client=client,
            reason="inactive",
            counts=False,
            method=method,
            error=Unauthenticated("This account is disabled.", code=ErrorCode.INVALID_CREDENTIALS),
        )
    return user, identifier, method
