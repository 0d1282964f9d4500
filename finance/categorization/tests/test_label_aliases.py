"""Base labels onto a household's own category names."""

from __future__ import annotations

from finance.categorization.label_aliases import LABEL_ALIASES, canonical_name, resolve_label

US_LABELS = {
    "Education", "Entertainment", "Fees", "Groceries", "Healthcare", "Income", "Insurance", "Mortgage",
    "Personal Care", "Rent", "Restaurants", "Shopping", "Subscription", "Transfer", "Transportation",
    "Travel", "Utilities",
}  # fmt: skip


def test_every_base_label_has_a_canonical_name() -> None:
    assert set(LABEL_ALIASES) == US_LABELS
    assert canonical_name("Restaurants") == "Dining"
    assert canonical_name("Transportation") == "Transport"
    assert canonical_name("Income") == "Salary"
    assert canonical_name("Subscription") == "Subscriptions"
    assert canonical_name("Transfer") == "Transfers"
    assert canonical_name("Nope") is None


def test_resolve_picks_the_households_own_name() -> None:
    household = ["Eating Out", "groceries", "Health & Medical", "Bank Charges and Fees", "Fuel"]
    assert resolve_label("Restaurants", household) == "Eating Out"
    assert resolve_label("Groceries", household) == "groceries"
    assert resolve_label("Healthcare", household) == "Health & Medical"
    assert resolve_label("Fees", household) == "Bank Charges and Fees"
    assert resolve_label("Transportation", household) == "Fuel"
    assert resolve_label("Mortgage", household) is None


def test_preferred_name_wins_when_the_household_has_several() -> None:
    assert resolve_label("Restaurants", ["Restaurants", "Dining"]) == "Dining"
    assert resolve_label("Rent", ["Housing", "Rent"]) == "Rent"


def test_resolver_answers_as_resolve_label_andnormalized_category_namealises_each_name_once(monkeypatch) -> None:
    from finance.categorization import label_aliases

    household = ["Eating Out", "groceries", "Health & Medical", "Bank Charges and Fees", "Fuel", "Dining"]
    labels = [*label_aliases.LABEL_ALIASES, "Unknown"]
    expected = {label: resolve_label(label, household) for label in labels}
    assert expected["Restaurants"] == "Dining"
    assert expected["Unknown"] is None
    calls: list[str] = []
    realnormalized_category_name = label_aliases.normalized_category_name

    def countingnormalized_category_name(name: str) -> str:
        calls.append(name)
        return realnormalized_category_name(name)

    monkeypatch.setattr(label_aliases, "normalized_category_name", countingnormalized_category_name)
    resolve = label_aliases.label_resolver(household)
    assert calls == household
    assert {label: resolve(label) for label in labels} == expected
    after_first_pass = len(calls)
    for _ in range(3):
        assert {label: resolve(label) for label in labels} == expected
    assert len(calls) == after_first_pass
