"""Forms of the household screen: members and their roles, the household's settings, switching households."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.households.models import Role


class MemberAddForm(forms.Form):
    identifier = forms.CharField(label=_("Username or email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class HouseholdForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    base_currency = forms.CharField(
        label=_("Base currency"),
        max_length=3,
        min_length=3,
        help_text=_("Reports are in this currency. Changing it converts every amount again."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "class": "short"}),
    )


class HouseholdSwitchForm(forms.Form):
    household = forms.UUIDField()
