"""The pages for people who are not signed in (yet): sign-up, a forgotten password, email verification, and
signing in with an OpenID Connect provider.

Each calls the service the API's ``/api/v1/auth/…`` endpoint calls, with the same throttle budget
(``register``, ``email``, ``password``, ``login``; counted under the API's own keys), so the rules and
messages are the API's:

* **Sign-up** (``user_register``): field errors on their fields; with ``REQUIRE_EMAIL_VERIFICATION`` the
  person is asked to open the emailed link first, otherwise signed in as the sign-in page would.
* **Forgotten password** (``password_reset_request``): the same answer whether or not the address has an
  account. The emailed link (``/reset-password?uid=…&token=…``) is moved into the session and the browser
  redirected to the bare path (as Django's ``PasswordResetConfirmView`` does), so the token never sits in the
  address bar or a ``Referer``; the new password goes through ``password_reset_confirm`` (every session ends).
* **Email verification** (``/verify-email?key=…``): opening the link checks it and offers a button, which
  verifies (``email_verify``; mail scanners open links). ``/verify-email/resend/`` sends it again
  (``email_verification_resend``): to the signed-in person, or to an address typed, answering the same
  either way.
* **OAuth**: ``/oauth/<provider>/start/`` starts the provider's authorization (``oauth_start``: state, nonce,
  PKCE, as for the API) and keeps the state in this browser's session; the provider sends the browser back to
  ``/oauth/callback`` (``OAUTH_REDIRECT_URL``'s default), which finishes only a sign-in this browser started
  (``web_oauth_sign_in``), then signs in like a password would: the session, or the two-factor code step.
  A state this browser did not start is left alone (it may be an API client's, which posts it to the API's
  ``callback/`` itself).

The redirects that take a one-time secret out of the address are sent with ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from finance.core.api.throttling import throttle_wait
from finance.core.exceptions import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthenticated,
)
from finance.users import services
from finance.users.errors import ErrorCode
from finance.web.account.forms import EmailAddressForm, NewPasswordForm, SignUpForm
from finance.web.account.signin import client_info, pending_set, start_browser_session
from finance.web.common.errors import MESSAGES, add_service_errors, domain_message, message_for
from finance.web.common.views import safe_next

RESET_KEY = "finance_password_reset"
VERIFY_KEY = "finance_email_verification"
OAUTH_KEY = "finance_oauth_started"
PROVIDER_LABELS = {"google": "Google", "microsoft": "Microsoft"}


def oauth_providers() -> list[dict[str, str]]:
    """The configured providers, for the buttons of the sign-in and sign-up pages."""
    return [{"name": name, "label": provider_label(name)} for name in sorted(settings.OAUTH_PROVIDERS)]


def provider_label(name: str) -> str:
    return PROVIDER_LABELS.get(name, name.title())


def too_many_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Too many requests from here. Try again in %(count)d minute.",
        "Too many requests from here. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def _too_many(request: HttpRequest, template: str, context: dict[str, Any], form: Any, wait: int) -> HttpResponse:
    form.add_error(None, too_many_message(wait))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _without_secret(url_name: str) -> HttpResponse:
    """Back to the same page without the link's secret in its address (now in the session).

    ``no-referrer`` on this redirect only: the page itself has forms, and a page sent with it makes
    browsers post ``Origin: null``, which Django's CSRF check refuses.
    """
    response = redirect(url_name)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _after_sign_in(next_url: str) -> str:
    return next_url or reverse("web:dashboard")


# --- Sign-up ------------------------------------------------------------------------------------------

# The service's ``unique`` code in words for the field it is on.
UNIQUE_MESSAGES = {
    "username": gettext_lazy("This username is taken; choose another."),
    "email": gettext_lazy("An account with this email address exists. Sign in, or reset your password."),
}


def _signup_errors(exc: FieldError, form: SignUpForm) -> None:
    """Each field's errors on that field; ``unique`` worded for the field (a name, an address)."""
    for name, issues in exc.field_errors.items():
        overrides = {"unique": UNIQUE_MESSAGES[name]} if name in UNIQUE_MESSAGES else None
        add_service_errors(FieldError.of({name: issues}), form, overrides=overrides)


@sensitive_post_parameters("password", "password_again")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    """Register as the API's ``register/`` does (the user and their first household, the verification link)."""
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    next_url = safe_next(request, "")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form, "next": next_url, "oauth_providers": oauth_providers()}
    if request.method == "POST":
        wait = throttle_wait(request, "register")
        if wait is not None:
            return _too_many(request, "web/public/signup.html", context, form, wait)
        if form.is_valid():
            values = form.register_values()
            try:
                user = services.user_register(**values)
            except FieldError as exc:
                _signup_errors(exc, form)
            else:
                return _signed_up(request, user=user, password=values["password"], next_url=next_url)
    return render(request, "web/public/signup.html", context)


def _signed_up(request: HttpRequest, *, user: Any, password: str, next_url: str) -> HttpResponse:
    """Sign the new person in, as the sign-in page would; or, while the address must be confirmed, say so.

    ``next`` (an invitation's link, say) is kept for after the sign-in.
    """
    sign_in_url = reverse("web:login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    if settings.REQUIRE_EMAIL_VERIFICATION:
        messages.success(
            request,
            _("Welcome! We sent a link to %(email)s: open it to confirm your address, then sign in.")
            % {"email": user.email},
        )
        return redirect(sign_in_url)
    try:
        result = services.web_sign_in(identifier=user.username, password=password, client=client_info(request))
    except (services.LoginDelayed, Unauthenticated, Forbidden) as exc:
        # The account exists; only signing in was refused (e.g. this address is locked out for a while).
        messages.error(request, domain_message(exc))
        return redirect(sign_in_url)
    assert result.session is not None  # a new account has no second factor
    start_browser_session(request, result.user, result.session)
    messages.success(
        request, _("Welcome! We sent a link to %(email)s to confirm your address.") % {"email": user.email}
    )
    return redirect(_after_sign_in(next_url))


# --- Forgotten password -------------------------------------------------------------------------------


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = EmailAddressForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST":
        wait = throttle_wait(request, "email")
        if wait is not None:
            return _too_many(request, "web/public/password_forgot.html", context, form, wait)
        if form.is_valid():
            services.password_reset_request(email=form.cleaned_data["email"])
            minutes = settings.PASSWORD_RESET_TIMEOUT // 60
            messages.success(
                request,
                ngettext(
                    "If an account has this address, we sent it a link to choose a new password. "
                    "The link works once, for %(count)d minute.",
                    "If an account has this address, we sent it a link to choose a new password. "
                    "The link works once, for %(count)d minutes.",
                    minutes,
                )
                % {"count": minutes},
            )
            return redirect("web:login")
    return render(request, "web/public/password_forgot.html", context)


def _reset_link_failed(request: HttpRequest, exc: FieldError | None = None) -> HttpResponse:
    request.session.pop(RESET_KEY, None)
    error = domain_message(exc) if exc is not None else str(MESSAGES[ErrorCode.INVALID_TOKEN])
    return render(request, "web/public/password_reset.html", {"link_error": error}, status=400)


@sensitive_post_parameters("new_password", "new_password_again")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """The emailed link: a new password (the rules shown), every session ended; or why the link does not work."""
    uid, token = request.GET.get("uid"), request.GET.get("token")
    if request.method == "GET" and (uid or token):
        # Out of the address bar (and any Referer) into the session, then the bare path.
        request.session[RESET_KEY] = {"uid": uid or "", "token": token or ""}
        return _without_secret("web:password-reset")
    link = request.session.get(RESET_KEY)
    if not isinstance(link, dict):
        return _reset_link_failed(request)
    try:
        user = services.password_reset_user(uid=link["uid"], token=link["token"])
    except FieldError as exc:
        return _reset_link_failed(request, exc)
    form = NewPasswordForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "username": user.username}
    if request.method == "POST":
        wait = throttle_wait(request, "password")
        if wait is not None:
            return _too_many(request, "web/public/password_reset.html", context, form, wait)
        if form.is_valid():
            try:
                services.password_reset_confirm(
                    uid=link["uid"], token=link["token"], new_password=form.cleaned_data["new_password"]
                )
            except FieldError as exc:
                if "token" in exc.field_errors:
                    return _reset_link_failed(request, exc)
                add_service_errors(exc, form)
            else:
                # Every session of the account has ended: this browser's too, at once.
                auth_logout(request)
                messages.success(request, _("Your password has been changed. Sign in with the new one."))
                return redirect("web:login")
    return render(request, "web/public/password_reset.html", context)


# --- Email verification -------------------------------------------------------------------------------


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    """The emailed link: checked on opening, confirmed by its button (mail scanners open links too)."""
    if request.method == "GET" and "key" in request.GET:
        # Out of the address bar (and any Referer) into the session, then the bare path.
        request.session[VERIFY_KEY] = request.GET["key"]
        return _without_secret("web:verify-email")
    key = str(request.session.get(VERIFY_KEY) or "")
    context: dict[str, Any] = {}
    if request.method == "POST":
        wait = throttle_wait(request, "password")
        if wait is not None:
            context["error"] = too_many_message(wait)
            response = render(request, "web/public/verify_email.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            user = services.email_verify(key=key)
        except FieldError as exc:
            context["error"] = domain_message(exc) if key else str(MESSAGES[ErrorCode.INVALID_KEY])
            return render(request, "web/public/verify_email.html", context, status=400)
        del request.session[VERIFY_KEY]
        context.update({"done": True, "email": user.email})
        return render(request, "web/public/verify_email.html", context)
    try:
        user = services.email_verification_user(key=key)
    except FieldError as exc:
        context["error"] = domain_message(exc) if key else str(MESSAGES[ErrorCode.INVALID_KEY])
        return render(request, "web/public/verify_email.html", context, status=400)
    context["email"] = user.email
    return render(request, "web/public/verify_email.html", context)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    """Send the verification link again: to the signed-in person, or to an address typed (same answer)."""
    signed_in = request.user.is_authenticated
    form = EmailAddressForm(request.POST if request.method == "POST" and not signed_in else None)
    context: dict[str, Any] = {"form": form, "signed_in": signed_in}
    if request.method == "POST":
        wait = throttle_wait(request, "email")
        if wait is not None:
            # Not on the form: signed in, there is none to put it on.
            response = render(
                request, "web/public/verify_resend.html", {**context, "error": too_many_message(wait)}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        if signed_in:
            user: Any = request.user
            services.email_verification_resend(user=user)
            if user.email_verified:
                messages.success(request, _("Your email address is already confirmed."))
            else:
                messages.success(request, _("We sent a new link to %(email)s.") % {"email": user.email})
            return redirect("web:profile")
        if form.is_valid():
            services.email_verification_resend(email=form.cleaned_data["email"])
            messages.success(
                request,
                _(
                    "If an account with this address is waiting for confirmation, we sent it a new link. "
                    "Open it, then sign in."
                ),
            )
            return redirect("web:login")
    return render(request, "web/public/verify_resend.html", context)


# --- Sign-in with a provider (OpenID Connect) ---------------------------------------------------------


# A disabled account is refused with the password's code; here no password was typed.
OAUTH_MESSAGES = {"invalid_credentials": gettext_lazy("This account cannot sign in.")}


def _oauth_failed(request: HttpRequest, message: str, *, status: int = 400, **extra: Any) -> HttpResponse:
    return render(request, "web/public/oauth_error.html", {"error": message, **extra}, status=status)


def _oauth_throttled(request: HttpRequest, message: str, wait: float) -> HttpResponse:
    response = _oauth_failed(request, message, status=429)
    response["Retry-After"] = str(round(wait))
    return response


@never_cache
@require_GET
def oauth_start(request: HttpRequest, provider: str) -> HttpResponse:
    """Start "sign in with <provider>" (state, nonce, PKCE kept server-side) and send the browser there."""
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    wait = throttle_wait(request, "login")
    if wait is not None:
        return _oauth_throttled(request, too_many_message(wait), wait)
    try:
        started = services.oauth_start(provider=provider)
    except NotFound:
        return _oauth_failed(request, _("This server does not offer that sign-in provider."), status=404)
    except ServiceUnavailable:
        return _oauth_failed(
            request,
            _("%(provider)s cannot be reached right now; try again later.") % {"provider": provider_label(provider)},
            status=503,
        )
    # Only this browser may finish what it started (no one else's sign-in lands in this session).
    request.session[OAUTH_KEY] = {"state": started["state"], "provider": provider, "next": safe_next(request, "")}
    return redirect(started["authorization_url"])


@never_cache
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back (``OAUTH_REDIRECT_URL``): finish the sign-in this browser began."""
    state = request.GET.get("state", "")
    started = request.session.get(OAUTH_KEY)
    if not isinstance(started, dict) or not state or not constant_time_compare(state, started.get("state", "")):
        # Not begun here, or already finished: nothing is spent (an API client's state stays usable by it).
        return _oauth_failed(request, str(MESSAGES[ErrorCode.INVALID_STATE]))
    del request.session[OAUTH_KEY]
    provider = str(started["provider"])
    label = provider_label(provider)
    error = request.GET.get("error", "")
    if error == "access_denied":
        return _oauth_failed(request, _("You did not allow %(provider)s to sign you in.") % {"provider": label})
    if error or not request.GET.get("code"):
        return _oauth_failed(request, _("%(provider)s could not sign you in.") % {"provider": label})
    wait = throttle_wait(request, "login")
    if wait is not None:
        return _oauth_throttled(request, too_many_message(wait), wait)
    try:
        result = services.web_oauth_sign_in(
            provider=provider, code=request.GET["code"], state=state, client=client_info(request)
        )
    except services.LoginDelayed as exc:
        return _oauth_throttled(request, domain_message(exc), exc.wait or 60)
    except Conflict as exc:  # account_exists: an address the provider does not vouch for
        return _oauth_failed(request, domain_message(exc), status=409, forgot=True)
    except Forbidden as exc:  # email_not_verified
        return _oauth_failed(request, domain_message(exc), status=403, unverified=True)
    except Unauthenticated as exc:  # the account is disabled
        return _oauth_failed(request, message_for(exc, OAUTH_MESSAGES))
    except (FieldError, NotFound) as exc:  # invalid_state, oauth_failed; a provider no longer configured
        return _oauth_failed(request, domain_message(exc))
    next_url = str(started.get("next") or "")
    if result.session is None:
        pending_set(request, user=result.user, identifier=result.identifier, next_url=next_url, method=result.method)
        return redirect("web:login-code")
    start_browser_session(request, result.user, result.session)
    return redirect(_after_sign_in(next_url))
