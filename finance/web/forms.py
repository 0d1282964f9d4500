"""Forms of the web app: they parse and present input; the services decide what is valid.

Amounts are read and shown in the person's locale (``12,50`` in German);
categories are offered as the household's tree. Nothing here writes.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from finance.households.models import Household, Role
from finance.ledger.models import Account, AccountType, CategoryType, TransactionType
from finance.ledger.selectors import account_list
from finance.web.common.formatting import amount_input, parse_amount
from finance.web.common.forms import AccountChoiceField, AmountField, CategoryChoiceField


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


SplitFormSet = forms.formset_factory(SplitForm, extra=0, max_num=50, validate_max=True)


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
        return -value if negative else value


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


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    locale = forms.ChoiceField(
        label=_("Language"),
        help_text=_("Also sets how numbers, dates and amounts are written."),
    )

    def __init__(self, *args: Any, current_locale: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language in its own name, so people find theirs whatever the page's language.
        choices = [
            (code, translation.get_language_info(code)["name_local"].capitalize()) for code, _n in settings.LANGUAGES
        ]
        # Keep a regional locale (de_AT, en_GB…) the person already has as a choice.
        if current_locale and current_locale not in dict(choices):
            choices.insert(0, (current_locale, current_locale))
        locale_field = self.fields["locale"]
        assert isinstance(locale_field, forms.ChoiceField)
        locale_field.choices = choices


class HouseholdSwitchForm(forms.Form):
    household = forms.UUIDField()


# The account's security settings (finance.web.views.security) -----------------------------


class PasswordChangeForm(forms.Form):
    """The current password and the new one twice; the service checks the rest (Django's validators)."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters, not too similar to your name or email, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        again = data.get("new_password_again")
        if data.get("new_password") and again is not None and data["new_password"] != again:
            self.add_error("new_password_again", _("The two new passwords do not match."))
        return data


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from the app, or a recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


TOKEN_EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365}


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “spreadsheet sync”."), required=False
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[("read", _("Read only")), ("write", _("Read and write"))],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires = forms.ChoiceField(
        label=_("Expires"),
        choices=[("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year")), ("", _("Never"))],
        initial="90",
        required=False,
    )

    def token_values(self) -> dict[str, Any]:
        """The service's arguments: the name, the scopes and the expiry time."""
        days = TOKEN_EXPIRY_DAYS.get(self.cleaned_data.get("expires") or "")
        return {
            "name": self.cleaned_data["name"],
            "scopes": ["read", "write"] if self.cleaned_data["access"] == "write" else ["read"],
            "expires_at": timezone.now() + timedelta(days=days) if days else None,
        }
