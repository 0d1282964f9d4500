"""Forms of the planning screens: budgets (with their lines), moves, goals, contributions.

Like every form of the web app they parse and present input in the person's
locale; the budgets services decide what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.budgets.models import BudgetPeriod, BudgetStyle, GoalStatus, GoalType
from finance.budgets.services import MAX_LINES
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


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=0, max_num=MAX_LINES, validate_max=True)


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
