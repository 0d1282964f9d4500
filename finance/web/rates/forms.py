"""Forms of the exchange-rate screen: the list's pair filter and a rate. They parse and present input; the
currency services decide what is valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError
from django import forms
from django.utils.translation import gettext_lazy as _

from finance.core.money import rate_problem
from finance.web.common.errors import message_for
from finance.web.common.formatting import parse_amount, rate_input


class RateField(forms.CharField):
    """A rate typed in the person's locale (``1,0852`` in German); cleans to ``Decimal`` the API would accept."""

    def __init__(self, *, locale: str = "en", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.locale = locale
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "class": "amount"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return rate_input(value, self.locale)
        return value

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            rate = parse_amount(text, self.locale)
        except NumberFormatError:
            raise forms.ValidationError(
                _("Enter a rate such as %(example)s."),
                code="invalid",
                params={"example": rate_input(Decimal("1.0852"), self.locale)},
            ) from None
        problem = rate_problem(rate)
        if problem is not None:
            raise forms.ValidationError(message_for(problem), code=problem.code)
        return rate


def _currency_input() -> forms.TextInput:
    return forms.TextInput(
        attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "class": "short"}
    )


class RateForm(forms.Form):
    base = forms.CharField(
        label=_("From currency"),
        max_length=3,
        min_length=3,
        help_text=_("ISO 4217 code, e.g. EUR."),
        widget=_currency_input(),
    )
    quote = forms.CharField(
        label=_("To currency"),
        max_length=3,
        min_length=3,
        help_text=_("ISO 4217 code, e.g. USD."),
        widget=_currency_input(),
    )
    rate = RateField(label=_("Rate"), help_text=_("How much one unit of the first currency is worth in the second."))
    date = forms.DateField(
        label=_("Date"),
        help_text=_("It applies from this day until the next rate of the pair."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, locale: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rate = self.fields["rate"]
        assert isinstance(rate, RateField)
        rate.locale = locale

    def values(self) -> dict[str, Any]:
        """The service's arguments."""
        data = self.cleaned_data
        return {"base": data["base"], "quote": data["quote"], "rate": data["rate"], "date": data["date"]}


class RateFilterForm(forms.Form):
    """The pair to show; the choices are the currencies the household's rates use."""

    base = forms.ChoiceField(label=_("From currency"), required=False)
    quote = forms.ChoiceField(label=_("To currency"), required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Any")), *((code, code) for code in currencies)]
        for name in ("base", "quote"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def filter_params(self) -> dict[str, str]:
        """The API's query parameters (``ExchangeRateFilterSet``) for what was chosen."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}
