"""Session sign-in and sign-out for the web app, with the same users and backend as the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from rest_framework import throttling

from finance.core.api.throttling import _Switchable


class SignInForm(AuthenticationForm):
    """Username or email address (UsernameOrEmailBackend), and the password."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _("That username or email and password do not match an account."),
        "inactive": _("This account is inactive."),
    }


class SignInThrottle(_Switchable, throttling.SimpleRateThrottle):
    """The API's sign-in budget (``THROTTLE_RATE_LOGIN`` per client address), shared with it:
    the same cache key, so switching between the API and this page buys no extra attempts."""

    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = SignInThrottle()
        if not throttle.allow_request(request, self):
            wait = throttle.wait()
            response = render(
                request, "web/login_throttled.html", {"minutes": max(1, round((wait or 60) / 60))}, status=429
            )
            response["Retry-After"] = str(round(wait or 60))
            return response
        return super().post(request, *args, **kwargs)


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot sign anyone out."""


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:dashboard")
