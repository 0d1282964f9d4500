"""Routes of the first implementations, kept working as thin adapters (API.md, "Compatibility")."""

from django.urls import path

from finance.users.api import views as auth

urlpatterns = [
    path("register/", auth.RegisterView.as_view(), name="compat-register"),
    path("login/", auth.LoginView.as_view(), name="compat-login"),
    path("token/", auth.LoginView.as_view(), name="compat-token"),
    path("token/refresh/", auth.RefreshView.as_view(), name="compat-token-refresh"),
    path("auth/register/", auth.RegisterView.as_view(), name="compat-auth-register"),
    path("auth/login/", auth.LoginView.as_view(), name="compat-auth-login"),
    path("auth/refresh/", auth.RefreshView.as_view(), name="compat-auth-refresh"),
]
