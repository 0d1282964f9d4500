"""Forms of the planning screens: budgets (with their lines), moves, goals, contributions, rules.

Like ``forms.py`` they parse and present input in the person's locale; the
budgets and categorization services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.budgets.models import BudgetPeriod, BudgetStyle, GoalStatus, GoalType
from finance.categorization.models import RuleMatch
from finance.categorization.rules import ActionType, Field, Operator
from finance.households.models import Household
from finance.ledger.models import Account, CategoryType
from finance.ledger.selectors import account_list
from finance.web.common.forms import AccountChoiceField, AmountField, CategoryChoiceField


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CurrencyField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", _("ISO 4217 code, e.g. USD or EUR."))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocapitalize": "characters", "class": "short"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return str(super().clean(value) or "").strip().upper()


# --- Budgets -------------------------------------------------------------------------------------------


class BudgetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    style = forms.ChoiceField(label=_("Style"), choices=BudgetStyle.choices, widget=forms.RadioSelect)
    period = forms.ChoiceField(label=_("Period"), choices=BudgetPeriod.choices)
    start_date = forms.DateField(
        label=_("Start date"), widget=_date_widget(), help_text=_("Every period starts on this day of the month.")
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=_date_widget(),
        help_text=_("Required for a custom range; otherwise the budget stops on this day."),
    )
    currency = CurrencyField(label=_("Currency"))
    total_amount = AmountField(
        label=_("Total"),
        required=False,
        help_text=_("Optional: a cap on all the lines together, or the whole budget when it has no lines."),
    )
    rollover = forms.BooleanField(
        label=_("Roll over what is left (or overspent) into the next period"),
        required=False,
        help_text=_("Envelope budgets only."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["total_amount"].locale = locale  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            "name": data["name"],
            "style": data["style"],
            "period": data["period"],
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "currency": data["currency"],
            "total_amount": data.get("total_amount"),
            "rollover": bool(data.get("rollover")),
            "is_active": bool(data.get("is_active")),
        }


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    amount = AmountField(label=_("Amount per period"), required=False)

    def __init__(self, *args: Any, household: Household, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(
            household=household, kinds=(CategoryType.EXPENSE,), label=_("Category")
        )
        self.fields["amount"].locale = locale  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("category") and data.get("amount") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.is_blank():
            if not data.get("category"):
                self.add_error("category", _("Choose a category for this line."))
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", _("Give this line's amount."))
        return data


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=0, max_num=100, validate_max=True)


class MoveForm(forms.Form):
    from_category = forms.ChoiceField(label=_("From"))
    to_category = forms.ChoiceField(label=_("To"))
    amount = AmountField(label=_("Amount"))
    date = forms.DateField(
        label=_("Date"), widget=_date_widget(), help_text=_("The move counts in this date's period.")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, lines: list[tuple[Any, str]], locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = {str(category.id): category for category, _name in lines}
        choices = [(str(category.id), name) for category, name in lines]
        for name in ("from_category", "to_category"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices
        self.fields["amount"].locale = locale  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "from_category": self.categories[data["from_category"]],
            "to_category": self.categories[data["to_category"]],
            "amount": data["amount"],
            "date": data["date"],
            "note": data["note"],
        }


# --- Goals ----------------------------------------------------------------------------------------------


class GoalForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    goal_type = forms.ChoiceField(label=_("Type"), choices=GoalType.choices)
    target_amount = AmountField(label=_("Target amount"), required=False)
    currency = CurrencyField(label=_("Currency"), required=False)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=_date_widget())
    account = AccountChoiceField(
        label=_("Follow an account"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=_("— none: I add contributions —"),
        help_text=_("With an account, progress follows its balance."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)

    def __init__(self, *args: Any, household: Household, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = account_list(household=household).order_by("group", "name")  # type: ignore[attr-defined]
        self.fields["target_amount"].locale = locale  # type: ignore[attr-defined]

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        values = {name: data.get(name) for name in ("name", "goal_type", "target_amount", "target_date", "account")}
        values["status"] = data["status"]
        if data.get("currency"):
            values["currency"] = data["currency"]
        return values


class ContributionForm(forms.Form):
    amount = AmountField(label=_("Amount"))
    date = forms.DateField(label=_("Date"), widget=_date_widget())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].locale = locale  # type: ignore[attr-defined]


# --- Review queue and rules -----------------------------------------------------------------------------


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


ConditionFormSet = forms.formset_factory(ConditionForm, extra=0, max_num=20, validate_max=True)
ActionFormSet = forms.formset_factory(ActionForm, extra=0, max_num=20, validate_max=True)
