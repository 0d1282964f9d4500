from django.contrib import admin

from finance.households.models import Household, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("name", "base_currency", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]
