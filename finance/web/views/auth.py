"""Session sign-in and sign-out for the web app, with the same users, checks and records as the API.

Sign-in goes through ``finance.users.services``: the API's lockout (slow-down,
then lock), its sign-in activity and audit records, and, with two-factor
authentication on, a second step: the password alone signs nobody in; the
session keeps a signed, short-lived pending marker (``finance/web/signin.py``)
and the next page asks for a code or a recovery code.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import AuthenticationFailed

from finance.core.exceptions import Forbidden, NotFound
from finance.users.services import LoginDelayed, session_revoke, web_sign_in, web_sign_in_second_factor
from finance.web.common.errors import domain_message
from finance.web.common.views import safe_next
from finance.web.signin import (
    client_info,
    current_session_id,
    pending_clear,
    pending_get,
    pending_set,
    start_browser_session,
    throttle_wait,
)


class SignInForm(forms.Form):
    """Username or email address (either, any case), and the password."""

    username = forms.CharField(
        label=gettext_lazy("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Authentication code"),
        max_length=32,
        help_text=gettext_lazy("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


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
    """How long a slowed-down or locked sign-in must wait (DRF's ``Throttled.wait``)."""
    return int(getattr(exc, "wait", None) or 60)


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
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        wait = throttle_wait(request, "login")
        if wait is not None:
            return _rate_limited(request, wait)
        if form.is_valid():
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
            except (AuthenticationFailed, Forbidden) as exc:
                form.add_error(None, domain_message(exc))
            else:
                if result.session is None:
                    pending_set(request, user=result.user, identifier=result.identifier, next_url=next_url)
                    return redirect("web:login-code")
                start_browser_session(request, result.user, result.session)
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
    context = {"form": form}
    if request.method == "POST":
        wait = throttle_wait(request, "login")
        if wait is not None:
            return _rate_limited(request, wait)
        if form.is_valid():
            try:
                result = web_sign_in_second_factor(
                    user_id=pending.user_id,
                    identifier=pending.identifier,
                    code=form.cleaned_data["code"],
                    client=client_info(request),
                )
            except LoginDelayed as exc:
                wait = delay_seconds(exc)
                form.add_error(None, wait_message(wait))
                return _refused(request, "web/login_code.html", context, wait)
            except (AuthenticationFailed, Forbidden) as exc:
                if getattr(exc.detail, "code", "") in ("otp_invalid", "otp_required"):
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
                return redirect(_after_sign_in(pending.next_url))
    return render(request, "web/login_code.html", context)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot sign anyone out. Ends the account session too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_id = current_session_id(request)
        if session_id and request.user.is_authenticated:
            with contextlib.suppress(NotFound):  # already ended elsewhere
                session_revoke(user=request.user, session_id=session_id, reason="logout")
        return super().post(request, *args, **kwargs)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:dashboard")
