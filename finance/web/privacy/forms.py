"""Forms of the privacy pages: deleting the account and the activity log's filters. They parse input; the
privacy services and the shared ``AuditEventFilterSet`` decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.audit.models import AuditAction
from finance.households.models import Membership

# The audit log's kinds of action: the part of the action's name before the dot, for people.
KINDS = {
    "auth": _("Sign-in and security"),
    "profile": _("Profile"),
    "household": _("Household"),
    "member": _("Members and invitations"),
    "ledger": _("Accounts, categories and transactions"),
    "currency": _("Exchange rates"),
    "import": _("Statement imports"),
    "budget": _("Budgets"),
    "goal": _("Goals"),
    "rule": _("Rules"),
    "privacy": _("Exports and account deletion"),
}


def kind_of(action: str) -> str:
    return action.split(".", 1)[0]


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from the app, or a recovery code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, two_factor: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not two_factor:
            del self.fields["code"]


class AuditFilterForm(forms.Form):
    """The activity log's filters; ``filter_params`` gives the API's query parameters."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ChoiceField(label=_("Who"), required=False)
    date_after = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_before = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Any")), *KINDS.items()]
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        groups: dict[str, list[tuple[str, Any]]] = {}
        for value, label in AuditAction.choices:
            groups.setdefault(kind_of(value), []).append((value, label))
        action.choices = [("", _("Any")), *((KINDS.get(k, k), options) for k, options in groups.items())]
        actor = self.fields["actor"]
        assert isinstance(actor, forms.ChoiceField)
        actor.choices = [
            ("", _("Anyone")),
            *((str(m.user_id), m.user.get_full_name() or m.user.username) for m in members),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and before < after:
            self.add_error("date_before", _("The end date cannot be before the start date."))
        return data

    def filter_params(self) -> dict[str, Any]:
        """``action`` (one, or every action of the kind), ``actor``, ``date_after``, ``date_before``."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        params: dict[str, Any] = {}
        if data.get("action"):
            params["action"] = [data["action"]]
        elif data.get("kind"):
            params["action"] = [value for value, _label in AuditAction.choices if kind_of(value) == data["kind"]]
        for name in ("actor", "date_after", "date_before"):
            if data.get(name):
                params[name] = data[name].isoformat() if hasattr(data[name], "isoformat") else data[name]
        return params
