"""Session sign-in and sign-out for the web app, with the same users and backend as the API."""

from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


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


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot sign anyone out."""


def home(request: HttpRequest) -> HttpResponse:
    return redirect("web:dashboard")
