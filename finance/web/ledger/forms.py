"""Forms of the ledger screens: transactions (with splits), bulk and inline edits, accounts, categories, tags.

They parse and present input; the services decide what is valid. Amounts are
read and shown in the person's locale (``12,50`` in German); categories are
offered as the household's tree. Nothing here writes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finance.households.models import Household
from finance.ledger.models import Account, AccountType, CategoryType, TransactionType
from finance.ledger.selectors import account_list
from finance.ledger.services import MAX_SPLITS
from finance.web.common.formatting import amount_input, parse_amount
from finance.web.common.forms import AccountChoiceField, AmountField, CategoryChoiceField, in_money_range


def _accounts(household: Household, keep: list[Any]) -> Any:
    """Active accounts, plus the ones the transaction already uses (an archived account keeps its history)."""
    keep_ids = [a for a in keep if a is not None]
    return account_list(household=household).filter(Q(is_active=True) | Q(pk__in=keep_ids)).order_by("group", "name")


class TransactionForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=TransactionType.choices, widget=forms.RadioSelect)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = AmountField(label=_("Amount"))
    account = AccountChoiceField(label=_("Account"), queryset=Account.objects.none(), empty_label=None)
    category = forms.ChoiceField(label=_("Category"), required=False)
    transfer_account = AccountChoiceField(
        label=_("To account"), queryset=Account.objects.none(), required=False, empty_label=_("— choose —")
    )
    transfer_amount = AmountField(
        label=_("Amount received"),
        required=False,
        help_text=_("Only when the two accounts have different currencies; empty converts at the stored rate."),
    )
    payee = forms.CharField(label=_("Payee"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("Separate tags with commas."))
    is_pending = forms.BooleanField(label=_("Pending"), required=False)
    is_excluded = forms.BooleanField(
        label=_("Exclude from reports"), required=False, help_text=_("The money still moves the balance.")
    )

    def __init__(
        self, *args: Any, household: Household, locale: str, keep_accounts: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        accounts = _accounts(household, keep_accounts or [])
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["transfer_account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["category"] = CategoryChoiceField(household=household, label=_("Category"))
        for name in ("amount", "transfer_amount"):
            self.fields[name].locale = locale  # type: ignore[attr-defined]

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class SplitForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    amount = AmountField(label=_("Amount"), required=False)
    description = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, household: Household, locale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(household=household, label=_("Category"))
        self.fields["amount"].locale = locale  # type: ignore[attr-defined]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("category") and data.get("amount") is None and not data.get("description")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.is_blank():
            if not data.get("category"):
                self.add_error("category", _("Choose a category for this part."))
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", _("Give this part's amount."))
        return data


SplitFormSet = forms.formset_factory(SplitForm, extra=0, max_num=MAX_SPLITS, validate_max=True)


class BulkForm(forms.Form):
    ACTIONS = (("categorize", _("Set category")), ("tag", _("Add tags")), ("delete", _("Delete")))

    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    category = forms.ChoiceField(label=_("Category"), required=False)
    tags = forms.CharField(label=_("Tags to add (comma-separated)"), required=False, max_length=500)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(household=household, label=_("Category"))

    def ids(self) -> list[uuid.UUID]:
        found = []
        for raw in self.data.getlist("ids") if hasattr(self.data, "getlist") else []:
            try:
                found.append(uuid.UUID(raw))
            except ValueError:
                continue
        return found

    def tag_names(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()]


class InlineCategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args: Any, household: Household, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = CategoryChoiceField(household=household, kinds=(kind,), label=_("Category"))


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    type = forms.ChoiceField(label=_("Type"), choices=AccountType.choices)
    institution = forms.CharField(label=_("Institution"), max_length=120, required=False)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        help_text=_("ISO 4217 code, e.g. USD or EUR."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "class": "short"}),
    )
    opening_balance = forms.CharField(label=_("Opening balance"), required=False)
    group = forms.CharField(label=_("Group"), max_length=60, required=False)
    include_in_net_worth = forms.BooleanField(label=_("Include in net worth"), required=False, initial=True)

    def __init__(self, *args: Any, locale: str, currency: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Opening balances may be negative (a card's debt), so not an AmountField.
        self.locale = locale
        self.fields["opening_balance"].widget.attrs.update({"inputmode": "decimal", "class": "amount"})
        initial = self.initial.get("opening_balance")
        if isinstance(initial, Decimal):
            self.initial["opening_balance"] = amount_input(initial, currency, locale)

    def clean_opening_balance(self) -> Decimal:
        text = (self.cleaned_data.get("opening_balance") or "").strip()
        if not text:
            return Decimal(0)
        negative = text.startswith(("-", "−"))
        try:
            value = parse_amount(text.lstrip("-−"), self.locale)
        except NumberFormatError:
            raise forms.ValidationError(
                _("Enter an amount such as %(example)s."),
                params={"example": amount_input(Decimal("-1234.56"), "USD", self.locale)},
            ) from None
        return in_money_range(-value if negative else value)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    type = forms.ChoiceField(label=_("Type"), choices=CategoryType.choices)
    parent = forms.ChoiceField(label=_("Parent"), required=False, help_text=_("Empty for a top-level category."))

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = CategoryChoiceField(
            household=household, label=_("Parent"), help_text=_("Empty for a top-level category.")
        )


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
