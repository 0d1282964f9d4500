"""The person's own account: sign-in and sign-out, the profile, the security settings.

Sign-in goes through ``finance.users.services`` with the same users, checks
and records as the API: its lockout (slow-down, then lock), its sign-in
activity and audit records, and, with two-factor authentication on, a second
step: the password alone signs nobody in; the session keeps a signed,
short-lived pending marker (``signin.py``) and the next page asks for a code
or a recovery code.

The profile sets the name, the picture (checked and re-encoded by the users
service, served only to its owner) and the language (which also sets number,
date and money formats).

The security settings (password, two-factor authentication, sessions, API
tokens, activity) go through ``finance.users`` selectors and services, as the
API's ``/api/v1/auth/…`` endpoints do, with the same checks, messages and
budgets (the ``password`` and ``otp`` throttles are shared with the API).
Secrets (the TOTP secret, recovery codes, a new token) are shown once, in the
answer to the POST that made them, and never stored in the session.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from finance.core.api.throttling import throttle_wait
from finance.core.exceptions import Conflict, FieldError, Forbidden, NotFound, Unauthenticated
from finance.core.http import private_image
from finance.privacy.selectors import account_deletion_cancelled_since
from finance.users import selectors, services
from finance.users.services import LoginDelayed, user_update_profile, web_sign_in, web_sign_in_second_factor
from finance.users.services.avatar import AVATAR_CONTENT_TYPE
from finance.web.account.forms import (
    AccessTokenForm,
    AvatarForm,
    PasswordChangeForm,
    ProfileForm,
    SecondFactorForm,
    SignInForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from finance.web.account.public import oauth_providers
from finance.web.account.signin import (
    client_info,
    current_session_id,
    pending_clear,
    pending_get,
    pending_set,
    start_browser_session,
)
from finance.web.common.errors import MESSAGES, add_service_errors, domain_message
from finance.web.common.locale import supported_language
from finance.web.common.views import safe_next

# --- Sign-in and sign-out -----------------------------------------------------------------------------


def wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many failed attempts. Try again in %(count)d second.",
            "Too many failed attempts. Try again in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = max(1, round(seconds / 60))
    return ngettext(
        "Too many failed attempts. Try again in %(count)d minute.",
        "Too many failed attempts. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def delay_seconds(exc: LoginDelayed) -> int:
    """How long a slowed-down or locked sign-in must wait, in whole seconds."""
    return math.ceil(exc.wait or 60)


def _rate_limited(request: HttpRequest, wait: int) -> HttpResponse:
    """The sign-in budget (shared with the API's ``login/``) is spent: the 429 page."""
    response = render(request, "web/login_throttled.html", {"minutes": max(1, round(wait / 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _refused(request: HttpRequest, template: str, context: dict[str, Any], wait: int) -> HttpResponse:
    """Slowed down or locked out (the account's or the address's failures): the form again, 429."""
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def _deletion_cancelled_notice(request: HttpRequest, user: Any, since: datetime) -> None:
    """Signing in cancels a scheduled deletion of the account (``finance.privacy``): say so."""
    if account_deletion_cancelled_since(user=user, since=since):
        messages.success(request, _("Welcome back. Signing in cancelled the deletion of your account."))


def _after_sign_in(next_url: str) -> str:
    return next_url or resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, "")
    if request.user.is_authenticated:
        return redirect(_after_sign_in(next_url))
    form = SignInForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "next": next_url, "oauth_providers": oauth_providers()}
    if request.method == "POST":
        wait = throttle_wait(request, "login")
        if wait is not None:
            return _rate_limited(request, wait)
        if form.is_valid():
            started = timezone.now()
            try:
                result = web_sign_in(
                    identifier=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    client=client_info(request),
                )
            except LoginDelayed as exc:
                wait = delay_seconds(exc)
                form.add_error(None, wait_message(wait))
                return _refused(request, "web/login.html", context, wait)
            except (Unauthenticated, Forbidden) as exc:
                form.add_error(None, domain_message(exc))
                # Right password, address not confirmed yet (REQUIRE_EMAIL_VERIFICATION): offer the link again.
                context["unverified"] = exc.code == "email_not_verified"
            else:
                if result.session is None:
                    pending_set(request, user=result.user, identifier=result.identifier, next_url=next_url)
                    return redirect("web:login-code")
                start_browser_session(request, result.user, result.session)
                _deletion_cancelled_notice(request, result.user, started)
                return redirect(_after_sign_in(next_url))
    return render(request, "web/login.html", context)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step: a TOTP code or a recovery code for the pending sign-in."""
    pending = pending_get(request)
    if pending is None:
        if request.user.is_authenticated:
            return redirect(_after_sign_in(""))
        messages.error(request, _("Your sign-in has expired. Enter your password again."))
        return redirect("web:login")
    form = SecondFactorForm(request.POST or None)
    context = {"form": form, "via_provider": pending.method.startswith("oauth:")}
    if request.method == "POST":
        wait = throttle_wait(request, "login")
        if wait is not None:
            return _rate_limited(request, wait)
        if form.is_valid():
            started = timezone.now()
            try:
                result = web_sign_in_second_factor(
                    user_id=pending.user_id,
                    identifier=pending.identifier,
                    code=form.cleaned_data["code"],
                    client=client_info(request),
                    method=pending.method,
                )
            except LoginDelayed as exc:
                wait = delay_seconds(exc)
                form.add_error(None, wait_message(wait))
                return _refused(request, "web/login_code.html", context, wait)
            except (Unauthenticated, Forbidden) as exc:
                if exc.code in ("otp_invalid", "otp_required"):
                    form.add_error("code", domain_message(exc))
                else:
                    # The account went away (or must be verified first): start over.
                    pending_clear(request)
                    messages.error(request, domain_message(exc))
                    return redirect("web:login")
            else:
                assert result.session is not None
                pending_clear(request)
                start_browser_session(request, result.user, result.session)
                _deletion_cancelled_notice(request, result.user, started)
                return redirect(_after_sign_in(pending.next_url))
    return render(request, "web/login_code.html", context)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot sign anyone out. Ends the account session too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_id = current_session_id(request)
        if session_id and request.user.is_authenticated:
            with contextlib.suppress(NotFound):  # already ended elsewhere
                services.session_revoke(user=request.user, session_id=session_id, reason="logout")
        return super().post(request, *args, **kwargs)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:dashboard")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def email_change_undo(request: HttpRequest) -> HttpResponse:
    """The link sent to the previous address after an email change: confirm, then put it back.

    Opening the link changes nothing (mail scanners open links); the button does. Signed in or not:
    the key is the proof. Every session ends, this browser's too.
    """
    key = (request.POST.get("key") if request.method == "POST" else request.GET.get("key")) or ""
    context: dict[str, Any] = {"key": key}
    status = 200
    if request.method == "POST":
        wait = throttle_wait(request, "password")
        if wait is not None:
            context["error"] = wait_message(wait)
            response = render(request, "web/email_undo.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            user = services.email_change_undo(key=key)
        except (FieldError, Conflict) as exc:
            context["error"] = domain_message(exc)
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            auth_logout(request)
            context.update({"done": True, "email": user.email})
    elif not key:
        context["error"] = str(MESSAGES["invalid_key"])
        status = 400
    return render(request, "web/email_undo.html", context, status=status)


# --- Profile ------------------------------------------------------------------------------------------


def _profile_page(
    request: HttpRequest, *, form: ProfileForm | None = None, avatar_form: AvatarForm | None = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    if form is None:
        initial = {"first_name": user.first_name, "last_name": user.last_name, "locale": user.locale}
        form = ProfileForm(initial=initial, current_locale=user.locale)
    context = {"section": "profile", "tab": "profile", "form": form, "avatar_form": avatar_form or AvatarForm()}
    return render(request, "web/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "locale": user.locale}
    form = ProfileForm(request.POST or None, initial=initial, current_locale=user.locale)
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=user, **form.cleaned_data)
        except FieldError as exc:
            add_service_errors(exc, form)
        else:
            # Confirm in the language just chosen.
            translation.activate(supported_language(user.locale) or translation.get_language())
            messages.success(request, _("Profile saved."))
            return redirect("web:profile")
    return _profile_page(request, form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def avatar(request: HttpRequest) -> HttpResponse:
    """GET: the signed-in person's own picture (there is no URL for anyone else's). POST: replace it."""
    user: Any = request.user
    if request.method != "POST":
        content = selectors.avatar_content(user=user)
        if content is None:
            raise Http404
        return private_image(content, AVATAR_CONTENT_TYPE)
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.user_set_avatar(user=user, upload=form.cleaned_data["avatar"])
        except FieldError as exc:
            add_service_errors(exc, form)
        else:
            messages.success(request, _("Picture saved."))
            return redirect("web:profile")
    return _profile_page(request, avatar_form=form, status=400)


@login_required
@require_POST
def avatar_remove(request: HttpRequest) -> HttpResponse:
    services.user_remove_avatar(user=request.user)
    messages.success(request, _("Picture removed."))
    return redirect("web:profile")


# --- Security settings --------------------------------------------------------------------------------

# Codes whose wording depends on the screen (the API's own messages, translated).
PASSWORD_MESSAGES = {"wrong_password": gettext_lazy("The current password is wrong.")}
CONFIRM_MESSAGES = {"invalid_code": gettext_lazy("The code is wrong; check the time on your device.")}
DISABLE_MESSAGES = {
    "wrong_password": gettext_lazy("The password is wrong."),
    "invalid_code": gettext_lazy("The code is wrong or was already used."),
}
# Sign-in activity: the attempt's ``reason`` for people.
REASONS = {
    "ok": gettext_lazy("Signed in"),
    "bad_credentials": gettext_lazy("Wrong password"),
    "otp_required": gettext_lazy("Password right, code asked for"),
    "otp_invalid": gettext_lazy("Wrong two-factor code"),
    "slowed": gettext_lazy("Refused: too many failures, slowed down"),
    "locked": gettext_lazy("Refused: locked after too many failures"),
    "email_not_verified": gettext_lazy("Refused: email address not verified"),
    "inactive": gettext_lazy("Refused: account disabled"),
}
# How a session was started or a sign-in attempted (``method``); others (``oauth:<provider>``…) as they are.
METHODS = {
    "password": gettext_lazy("Password"),
    "password+totp": gettext_lazy("Password and app code"),
    "password+recovery": gettext_lazy("Password and recovery code"),
    "oauth:google": "Google",
    "oauth:microsoft": "Microsoft",
    "oauth:google+totp": gettext_lazy("Google and app code"),
    "oauth:microsoft+totp": gettext_lazy("Microsoft and app code"),
    "oauth:google+recovery": gettext_lazy("Google and recovery code"),
    "oauth:microsoft+recovery": gettext_lazy("Microsoft and recovery code"),
}
ACTIVITY_PAGE_SIZE = 50


def account_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, never cached; another person's session or token (``NotFound``) is the 404 page."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc

    return wrapped


def _throttled(request: HttpRequest, template: str, context: dict[str, Any], form: Any, wait: int) -> HttpResponse:
    form.add_error(None, wait_message(wait))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@account_view
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "web/security/index.html",
        {
            "section": "profile",
            "tab": "security",
            "two_factor_on": selectors.user_two_factor_enabled(user=user),
            "session_count": selectors.session_list(user=user).count(),
            "token_count": selectors.access_token_list(user=user).count(),
            "last_attempts": list(selectors.sign_in_activity(user=user)[:5]),
            "reasons": REASONS,
            "methods": METHODS,
        },
    )


@sensitive_post_parameters("old_password", "new_password", "new_password_again")
@account_view
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    context = {"section": "profile", "tab": "password", "form": form}
    if request.method == "POST":
        wait = throttle_wait(request, "password")
        if wait is not None:
            return _throttled(request, "web/security/password.html", context, form, wait)
        if form.is_valid():
            user: Any = request.user
            try:
                services.user_change_password(
                    user=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except FieldError as exc:
                add_service_errors(exc, form, overrides=PASSWORD_MESSAGES)
            else:
                # As the API does: every session ended, a new one for this device.
                session = services.session_open(user=user, client=client_info(request))
                start_browser_session(request, user, session)
                messages.success(request, _("Password changed. Every other session has been signed out."))
                return redirect("web:security")
    return render(request, "web/security/password.html", context)


@sensitive_post_parameters("password", "code")
@account_view
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Off → set up (secret, URI, QR) → confirm with a code (recovery codes, once) → on → disable."""
    user: Any = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    setup_form = TwoFactorSetupForm(request.POST if action == "setup" else None)
    confirm_form = TwoFactorCodeForm(request.POST if action == "confirm" else None)
    disable_form = TwoFactorDisableForm(request.POST if action == "disable" else None)
    context: dict[str, Any] = {
        "section": "profile",
        "tab": "two-factor",
        "setup_form": setup_form,
        "confirm_form": confirm_form,
        "disable_form": disable_form,
    }
    template = "web/security/two_factor.html"
    forms_by_action = {"setup": setup_form, "confirm": confirm_form, "disable": disable_form}
    if action in forms_by_action:
        # Password guesses share the password budget, code guesses the otp one (as in the API).
        wait = throttle_wait(request, "password" if action == "setup" else "otp")
        if wait is not None:
            context.update(_two_factor_state(user))
            return _throttled(request, template, context, forms_by_action[action], wait)
    try:
        if action == "setup" and setup_form.is_valid():
            try:
                context["setup"] = services.two_factor_setup(user=user, password=setup_form.cleaned_data["password"])
            except FieldError as exc:
                add_service_errors(exc, setup_form, overrides=PASSWORD_MESSAGES)
        elif action == "confirm" and confirm_form.is_valid():
            try:
                context["recovery_codes"] = services.two_factor_confirm(
                    user=user, code=confirm_form.cleaned_data["code"]
                )
            except FieldError as exc:
                add_service_errors(exc, confirm_form, overrides=CONFIRM_MESSAGES)
        elif action == "disable" and disable_form.is_valid():
            try:
                services.two_factor_disable(user=user, **disable_form.cleaned_data)
            except FieldError as exc:
                add_service_errors(exc, disable_form, overrides=DISABLE_MESSAGES)
            else:
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("web:security-2fa")
        elif action not in ("", "setup", "confirm", "disable"):
            return redirect("web:security-2fa")
    except Conflict as exc:
        messages.error(request, domain_message(exc))
        return redirect("web:security-2fa")
    context.update(_two_factor_state(user))
    return render(request, template, context)


def _two_factor_state(user: Any) -> dict[str, Any]:
    enabled = selectors.user_two_factor_enabled(user=user)
    return {
        "enabled": enabled,
        "pending": not enabled and selectors.user_two_factor_pending(user=user),
        "codes_left": selectors.recovery_codes_left(user=user) if enabled else 0,
    }


@account_view
@require_http_methods(["GET"])
def session_index(request: HttpRequest) -> HttpResponse:
    current = current_session_id(request)
    sessions = [(s, str(s.pk) == current) for s in selectors.session_list(user=request.user)]
    return render(
        request,
        "web/security/sessions.html",
        {
            "section": "profile",
            "tab": "sessions",
            "sessions": sessions,
            "others": sum(not c for _s, c in sessions),
            "methods": METHODS,
        },
    )


@account_view
@require_POST
def session_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    services.session_revoke(user=request.user, session_id=pk)
    messages.success(request, _("The session has been signed out."))
    return redirect("web:security-sessions")


@account_view
@require_POST
def session_revoke_others(request: HttpRequest) -> HttpResponse:
    count = services.sessions_revoke_all(user=request.user, reason="revoked", keep=current_session_id(request))
    messages.success(
        request,
        ngettext("%(count)d other session signed out.", "%(count)d other sessions signed out.", count)
        % {"count": count},
    )
    return redirect("web:security-sessions")


@account_view
@require_http_methods(["GET", "POST"])
def token_index(request: HttpRequest) -> HttpResponse:
    form = AccessTokenForm(request.POST or None)
    context: dict[str, Any] = {"section": "profile", "tab": "tokens", "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.access_token_create(user=request.user, **form.token_values())
        except FieldError as exc:
            add_service_errors(exc, form)
        except Conflict as exc:
            form.add_error(None, domain_message(exc))
        else:
            # Shown in this answer only: the digest is all that is kept.
            context.update({"created": token, "secret": raw, "form": AccessTokenForm()})
            status = 201
    context["tokens"] = list(selectors.access_token_list(user=request.user))
    return render(request, "web/security/tokens.html", context, status=status)


@account_view
@require_POST
def token_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    services.access_token_revoke(user=request.user, token_id=pk)
    messages.success(request, _("The token has been revoked; it no longer works."))
    return redirect("web:security-tokens")


@account_view
@require_http_methods(["GET"])
def activity(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.sign_in_activity(user=request.user), ACTIVITY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/security/activity.html",
        {"section": "profile", "tab": "activity", "page": page, "reasons": REASONS, "methods": METHODS},
    )
