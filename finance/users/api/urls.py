from django.urls import path

from finance.core.api.routes import Router
from finance.users.api import views

router = Router()
router.register("sessions", views.SessionViewSet, basename="auth-session")
router.register("tokens", views.AccessTokenViewSet, basename="auth-token")

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("login/", views.LoginView.as_view(), name="auth-login"),
    path("refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("me/avatar/", views.AvatarView.as_view(), name="auth-me-avatar"),
    path("password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("email/verify/", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    path("email/resend/", views.EmailResendView.as_view(), name="auth-email-resend"),
    path("email/undo/", views.EmailChangeUndoView.as_view(), name="auth-email-undo"),
    path("2fa/setup/", views.TwoFactorSetupView.as_view(), name="auth-2fa-setup"),
    path("2fa/confirm/", views.TwoFactorConfirmView.as_view(), name="auth-2fa-confirm"),
    path("2fa/disable/", views.TwoFactorDisableView.as_view(), name="auth-2fa-disable"),
    path("activity/", views.SignInActivityView.as_view(), name="auth-activity"),
    path("oauth/providers/", views.OAuthProvidersView.as_view(), name="auth-oauth-providers"),
    path("oauth/<slug:provider>/start/", views.OAuthStartView.as_view(), name="auth-oauth-start"),
    path("oauth/<slug:provider>/callback/", views.OAuthCallbackView.as_view(), name="auth-oauth-callback"),
    *router.urls,
]
