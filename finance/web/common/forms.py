"""Form fields the screens' forms share: amounts, the household's categories and its accounts.

Amounts are read and shown in the person's locale (``12,50`` in German);
categories are offered as the household's tree. Nothing here writes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError
from django import forms
from django.utils.translation import gettext_lazy as _

from finance.core.money import amount_problem
from finance.households.models import Household
from finance.ledger.models import Account, Category, CategoryType
from finance.ledger.selectors import category_list
from finance.web.common.errors import message_for
from finance.web.common.formatting import amount_input, parse_amount


def in_money_range(value: Decimal) -> Decimal:
    """``value``, or the form error of an amount outside the supported range (``finance.core.money``): the rule
    the API and the services apply, in the person's language."""
    problem = amount_problem(value)
    if problem is not None:
        raise forms.ValidationError(message_for(problem), code=problem.code)
    return value


class AmountField(forms.CharField):
    """A positive amount typed in the person's locale; cleans to ``Decimal`` inside the supported range."""

    def __init__(self, *, locale: str = "en", currency: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.locale = locale
        self.currency = currency
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "class": "amount"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return amount_input(value, self.currency, self.locale)
        return value

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return in_money_range(parse_amount(text, self.locale))
        except NumberFormatError:
            raise forms.ValidationError(
                _("Enter an amount such as %(example)s."),
                code="invalid",
                params={"example": amount_input(Decimal("1234.56"), "USD", self.locale)},
            ) from None


def category_tree(household: Household) -> list[tuple[Category, int]]:
    """The household's categories in tree order with their depth."""
    categories = list(category_list(household=household).order_by("sort_order", "name"))
    children: dict[uuid.UUID | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    ordered: list[tuple[Category, int]] = []

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        for category in children.get(parent, []):
            ordered.append((category, depth))
            walk(category.id, depth + 1)

    walk(None, 0)
    return ordered


class CategoryChoiceField(forms.ChoiceField):
    """The household's categories grouped by type, subcategories under their parents."""

    def __init__(self, *, household: Household, kinds: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        tree = category_tree(household)
        self.categories = {str(c.id): c for c, _depth in tree}
        names = {c.id: c.name for c, _depth in tree}
        groups = []
        for kind, label in CategoryType.choices:
            if kinds is not None and kind not in kinds:
                continue
            options = []
            for category, _depth in tree:
                if category.type != kind:
                    continue
                path = category.name
                if category.parent_id is not None:
                    path = f"{names[category.parent_id]} › {category.name}"
                options.append((str(category.id), path))
            groups.append((label, options))
        self.grouped: list[tuple[Any, list[tuple[str, str]]]] = groups
        self.choices = [("", _("— none —")), *groups]

    def clean(self, value: Any) -> Category | None:
        key = super().clean(value)
        return self.categories.get(key) if key else None


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        """The name and the currency, unless the name already ends with it ("Travel account (EUR)")."""
        if obj.name.rstrip(" )").upper().endswith(obj.currency.upper()):
            return obj.name
        return f"{obj.name} ({obj.currency})"
