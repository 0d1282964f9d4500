"""Forms of the review queue and the rules screen: a category for a transaction under review, rules.

Like every form of the web app they parse and present input; the
categorization services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.categorization.models import RuleMatch
from finance.categorization.rules import MAX_ACTIONS, MAX_CONDITIONS, ActionType, Field, Operator
from finance.households.models import Household
from finance.web.common.forms import CategoryChoiceField


class ReviewForm(forms.Form):
    """The category a person gives a transaction under review (a suggestion's button or the select)."""

    category = forms.ChoiceField(label=_("Another category"), required=False)

    def __init__(self, *args: Any, household: Household, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(household=household, kinds=(kind,), label=_("Another category"))

    def clean_category(self) -> Any:
        category = self.cleaned_data.get("category")
        if category is None:
            raise forms.ValidationError(_("Choose a category."), code="required")
        return category


FIELD_LABELS = {
    Field.PAYEE: _("Payee"),
    Field.DESCRIPTION: _("Description"),
    Field.NOTES: _("Notes"),
    Field.AMOUNT: _("Amount (expenses negative)"),
    Field.ACCOUNT: _("Account name"),
    Field.TYPE: _("Type"),
    Field.DAY_OF_MONTH: _("Day of month"),
}
OPERATOR_LABELS = {
    Operator.CONTAINS: _("contains"),
    Operator.EQUALS: _("equals"),
    Operator.STARTS_WITH: _("starts with"),
    Operator.ENDS_WITH: _("ends with"),
    Operator.REGEX: _("matches the regular expression"),
    Operator.ONE_OF: _("is one of (comma-separated)"),
    Operator.GREATER_THAN: _("is greater than"),
    Operator.LESS_THAN: _("is less than"),
    Operator.BETWEEN: _("is between (low, high)"),
}
ACTION_LABELS = {
    ActionType.SET_CATEGORY: _("Set the category"),
    ActionType.ADD_TAG: _("Add a tag"),
    ActionType.SET_PAYEE: _("Rename the payee"),
    ActionType.MARK_REVIEWED: _("Mark as reviewed"),
    ActionType.EXCLUDE: _("Exclude from reports"),
}
LIST_OPERATORS = {Operator.ONE_OF, Operator.BETWEEN}


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    priority = forms.IntegerField(label=_("Priority"), initial=100, help_text=_("Lower numbers run first."))
    match = forms.ChoiceField(label=_("Match"), choices=RuleMatch.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    stop_processing = forms.BooleanField(
        label=_("Stop here: later rules do not run when this one fires"), required=False
    )


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), required=False, choices=[("", "—"), *FIELD_LABELS.items()])
    operator = forms.ChoiceField(label=_("Operator"), required=False, choices=[("", "—"), *OPERATOR_LABELS.items()])
    value = forms.CharField(label=_("Value"), max_length=500, required=False)
    case_sensitive = forms.BooleanField(label=_("Case-sensitive"), required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("field") and not data.get("operator") and not data.get("value")

    def rule_value(self) -> dict[str, Any]:
        data = self.cleaned_data
        value: Any = data["value"]
        if data["operator"] in LIST_OPERATORS:
            value = [part.strip() for part in value.split(",") if part.strip()]
        return {
            "field": data["field"],
            "operator": data["operator"],
            "value": value,
            "case_sensitive": bool(data["case_sensitive"]),
        }

    @staticmethod
    def initial_from(condition: dict[str, Any]) -> dict[str, Any]:
        value = condition.get("value")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return {
            "field": condition.get("field", ""),
            "operator": condition.get("operator", ""),
            "value": "" if value is None else str(value),
            "case_sensitive": bool(condition.get("case_sensitive")),
        }


class ActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", "—"), *ACTION_LABELS.items()])
    category = forms.ChoiceField(label=_("Category"), required=False)
    value = forms.CharField(
        label=_("Tag or new payee"), max_length=200, required=False, help_text=_("For tags and renamed payees.")
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(
            household=household, label=_("Category"), help_text=_("For “Set the category”.")
        )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("action") and not data.get("category") and not data.get("value")

    def error_field(self, name: str) -> str:
        """The service's ``value`` of a set-category action is this form's category."""
        if name == "value" and getattr(self, "cleaned_data", {}).get("action") == ActionType.SET_CATEGORY:
            return "category"
        return name

    def rule_value(self) -> dict[str, Any]:
        data = self.cleaned_data
        action = data["action"]
        if action == ActionType.SET_CATEGORY:
            category = data.get("category")
            return {"action": action, "value": str(category.id) if category is not None else ""}
        if action in (ActionType.MARK_REVIEWED, ActionType.EXCLUDE):
            return {"action": action}
        return {"action": action, "value": data["value"]}

    @staticmethod
    def initial_from(action: dict[str, Any]) -> dict[str, Any]:
        kind = action.get("action", "")
        value = str(action.get("value") or "")
        if kind == ActionType.SET_CATEGORY:
            return {"action": kind, "category": value, "value": ""}
        return {"action": kind, "category": "", "value": value}


ConditionFormSet = forms.formset_factory(ConditionForm, extra=0, max_num=MAX_CONDITIONS, validate_max=True)
ActionFormSet = forms.formset_factory(ActionForm, extra=0, max_num=MAX_ACTIONS, validate_max=True)
