"""Forms of the household screen: members and their roles, invitations, the household's settings, switching
households."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.households.models import Role


class MemberInviteForm(forms.Form):
    identifier = forms.CharField(label=_("Username or email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class InvitationAnswerForm(forms.Form):
    """The emailed link's token, carried from the invitation's page to its answer (empty without one)."""

    token = forms.CharField(required=False, max_length=500)


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
