"""How the base model's labels map onto a household's own categories.

The base model is trained on the US set's 17 labels. A household names its
categories itself, so each base label has canonical names (first the one the
default category set uses, then common synonyms); :func:`resolve_label` picks
the first of them the household has, matching names case- and
punctuation-insensitively. A base label with no counterpart in the household
resolves to ``None`` and its suggestion is dropped (the transaction goes to
review without one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import regex

# Base label -> canonical category names, preferred first.
LABEL_ALIASES: dict[str, tuple[str, ...]] = {
    "Groceries": ("Groceries", "Food", "Supermarket"),
    "Restaurants": ("Dining", "Restaurants", "Eating Out", "Food & Drink"),
    "Transportation": ("Transport", "Transportation", "Car", "Auto & Transport", "Fuel"),
    "Utilities": ("Utilities", "Bills", "Bills & Utilities"),
    "Rent": ("Rent", "Housing"),
    "Mortgage": ("Mortgage", "Housing"),
    "Income": ("Salary", "Income", "Paycheck", "Wages"),
    "Shopping": ("Shopping", "General Purchases"),
    "Entertainment": ("Entertainment", "Leisure", "Fun"),
    "Travel": ("Travel", "Holidays", "Holidays and Travel", "Vacation"),
    "Healthcare": ("Health", "Healthcare", "Medical", "Health and Medical"),
    "Subscription": ("Subscriptions", "Subscription", "Memberships"),
    "Transfer": ("Transfers", "Transfer", "Bank Transfer"),
    "Fees": ("Fees", "Bank Fees", "Bank Charges and Fees", "Charges"),
    "Insurance": ("Insurance",),
    "Education": ("Education", "School", "Tuition"),
    "Personal Care": ("Personal Care", "Beauty", "Wellness"),
}

_NOT_WORD = regex.compile(r"[^\p{L}\p{N}]+")


def normalized_category_name(name: str) -> str:
    """A category name as names are compared: case, punctuation and ``&``/``and`` do not count."""
    return _NOT_WORD.sub(" ", name.casefold().replace("&", " and ")).strip()


def canonical_name(base_label: str) -> str | None:
    """The default category name for a base label (``"Restaurants"`` -> ``"Dining"``)."""
    names = LABEL_ALIASES.get(base_label)
    return names[0] if names else None


def resolve_label(base_label: str, household_categories: Iterable[str]) -> str | None:
    """The household's category for a base label, or ``None`` when it has none of its names."""
    return label_resolver(household_categories)(base_label)


def label_resolver(household_categories: Iterable[str]) -> Callable[[str], str | None]:
    """:func:`resolve_label` for one household's categories, answering each base label once.

    An import maps three predictions per row: normalising the household's names
    for each of them cost more than the model itself.
    """
    return synonym_resolver(household_categories, LABEL_ALIASES)


def synonym_resolver(
    household_categories: Iterable[str],
    synonyms: Mapping[str, Sequence[str]],
    parents: Mapping[str, str] | None = None,
) -> Callable[[str], str | None]:
    """For one household's categories: a name → the first of its ``synonyms`` (the name itself when it has
    none) the household has, matched as :func:`normalized_category_name` compares them; else the same for its
    ``parents`` entry; else ``None``. Each name is answered once."""
    by_norm: dict[str, str] = {}
    for category in household_categories:
        by_norm.setdefault(normalized_category_name(category), category)
    answers: dict[str, str | None] = {}

    def first_held(name: str) -> str | None:
        keys = map(normalized_category_name, synonyms.get(name, (name,)))
        return next((by_norm[key] for key in keys if key in by_norm), None)

    def resolve(name: str) -> str | None:
        if name not in answers:
            parent = (parents or {}).get(name)
            answers[name] = first_held(name) or (first_held(parent) if parent is not None else None)
        return answers[name]

    return resolve
