from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from finance.users.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "default_currency", "is_staff")
    search_fields = ("username", "email", "first_name", "last_name")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Preferences", {"fields": ("default_currency", "country", "locale", "timezone")}),
    )
