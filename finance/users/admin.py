from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from finance.users.models import AuthSession, PersonalAccessToken, SignInAttempt, SocialIdentity, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "email_verified", "first_name", "last_name", "default_currency", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Preferences", {"fields": ("default_currency", "country", "locale", "timezone", "email_verified")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit rows and credentials are changed through the services, never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuthSession)
class AuthSessionAdmin(ReadOnlyAdmin):
    list_display = ("user", "device", "ip", "method", "created_at", "last_used_at", "revoked_at", "revoke_reason")
    list_filter = ("method", "revoke_reason")
    search_fields = ("user__username", "user__email", "ip")
    list_select_related = ("user",)


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    search_fields = ("name", "user__username")
    exclude = ("token_hash",)
    list_select_related = ("user",)


@admin.register(SignInAttempt)
class SignInAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "identifier", "user", "succeeded", "reason", "method", "ip", "device")
    list_filter = ("succeeded", "reason", "method")
    search_fields = ("identifier", "ip")
    list_select_related = ("user",)


@admin.register(SocialIdentity)
class SocialIdentityAdmin(ReadOnlyAdmin):
    list_display = ("provider", "subject", "email", "user", "created_at", "last_login_at")
    list_filter = ("provider",)
    search_fields = ("email", "subject", "user__username")
    list_select_related = ("user",)
