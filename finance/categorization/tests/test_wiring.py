"""The pipeline on create and import, the review queue, corrections and the suggested rule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finance.categorization import services
from finance.categorization.classifier import Example, train
from finance.households.models import Household
from finance.imports.categorize import suggest_categories
from finance.ledger.models import Account
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
TXNS = "/api/v1/transactions/"
REVIEW = "/api/v1/review/"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Path) -> None:
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    settings.CATEGORIZATION_MODEL_DIR = tmp_path


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Everyday", opening_balance=Decimal("500.00"))


def test_history_applies_a_confident_category(household: Household, account: Account) -> None:
    groceries = category(household, "Groceries")
    make_txn(household, account, payee="KROGER #123", category=groceries)
    make_txn(household, account, payee="Kroger #77", category=groceries)
    txn = make_txn(household, account, payee="KROGER #9")
    assert (txn.category_id, txn.categorization_source, txn.needs_review) == (groceries.pk, "history", False)
    assert txn.categorization_confidence == Decimal("0.9091")


def test_a_weak_suggestion_leaves_the_category_empty_for_review(household: Household, account: Account) -> None:
    make_txn(household, account, payee="Corner Store", category=category(household, "Groceries"))
    make_txn(household, account, payee="Corner Store", category=category(household, "Dining out"))
    txn = make_txn(household, account, payee="Corner Store")
    assert (txn.category_id, txn.categorization_source, txn.needs_review) == (None, "history", True)
    assert txn.categorization_confidence == Decimal("0.4545")


def test_nothing_known_goes_to_review_without_a_model(household: Household, account: Account) -> None:
    txn = make_txn(household, account, payee="Never Seen Ltd")
    assert (txn.category_id, txn.categorization_source, txn.needs_review) == (None, "", True)


def test_a_given_category_is_the_users(household: Household, account: Account) -> None:
    make_txn(household, account, payee="Kroger", category=category(household, "Groceries"))
    dining = category(household, "Dining out")
    txn = make_txn(household, account, payee="Kroger", category=dining)
    assert (txn.category_id, txn.categorization_source, txn.needs_review) == (dining.pk, "user", False)


def test_history_never_suggests_a_category_of_the_other_type(household: Household, account: Account) -> None:
    make_txn(household, account, type="income", payee="Acme", category=category(household, "Salary"))
    make_txn(household, account, type="income", payee="Acme", category=category(household, "Salary"))
    txn = make_txn(household, account, payee="Acme")
    assert (txn.category_id, txn.needs_review) == (None, True)


def test_a_household_model_is_used_when_present(household: Household, account: Account, settings: Any) -> None:
    examples = [
        Example(f"{word} {i}", payee=f"{word} {i}", category=label)
        for i in range(12)
        for word, label in (("pizza", "Dining out"), ("veggies", "Groceries"))
    ]
    train(examples, version="test").save(services.household_model_path(household.pk))
    suggestion = services.categorize_for(
        household, [{"type": "expense", "amount": Decimal("9"), "payee": "pizza palace", "date": date(2026, 3, 1)}]
    )[0]
    assert suggestion.source == "model"
    assert suggestion.category_id == category(household, "Dining out").pk
    assert suggestion.alternatives[0].category_id == category(household, "Groceries").pk


@dataclass
class Row:
    amount: Decimal
    payee: str | None
    description: str | None = None
    category: str | None = None


def test_imports_use_the_same_pipeline(household: Household, account: Account) -> None:
    groceries = category(household, "Groceries")
    make_txn(household, account, payee="Kroger", category=groceries)
    make_txn(household, account, payee="Kroger", category=groceries)
    rows = [
        Row(Decimal("-5"), "KROGER 55"),
        Row(Decimal("-5"), "Somewhere", category="Dining out"),
        Row(Decimal("-5"), "Unknown"),
    ]
    found = suggest_categories(household, rows)
    assert [(s.category_id, s.source, s.needs_review) for s in found] == [
        (groceries.pk, "history", False),
        (category(household, "Dining out").pk, "user", False),
        (None, "", True),
    ]


def test_imports_show_a_weak_guess_flagged_for_review(household: Household, account: Account) -> None:
    make_txn(household, account, payee="Corner Store", category=category(household, "Groceries"))
    make_txn(household, account, payee="Corner Store", category=category(household, "Dining out"))
    (found,) = suggest_categories(household, [Row(Decimal("-5"), "Corner Store")])
    assert (found.category_id, found.source, found.confidence, found.needs_review) == (
        category(household, "Dining out").pk,
        "history",
        Decimal("0.4545"),
        True,
    )


def test_review_queue_accept_and_correct(client_for: Any, household: Household, account: Account) -> None:
    groceries = category(household, "Groceries")
    dining = category(household, "Dining out")
    make_txn(household, account, payee="Corner Store", category=groceries)
    make_txn(household, account, payee="Corner Store", category=groceries)
    make_txn(household, account, payee="Corner Store", category=dining)
    weak = make_txn(household, account, payee="Corner Store")
    unknown = make_txn(household, account, payee="Nobody Knows")

    listed = client_for.get(REVIEW)
    assert listed.status_code == 200
    assert (listed.json()["next"], listed.json()["previous"]) == (None, None)
    by_id = {row["transaction"]["id"]: row["suggestions"] for row in listed.json()["results"]}
    assert set(by_id) == {str(weak.pk), str(unknown.pk)}
    top = by_id[str(weak.pk)][0]
    assert (top["category"], top["source"], top["confidence"]) == (str(groceries.pk), "history", 0.625)
    assert top["explanation"] == "same payee as 3 earlier transactions, 2 of them in Groceries"
    assert by_id[str(unknown.pk)] == []

    accepted = client_for.post(f"{REVIEW}{weak.pk}/accept/")
    assert accepted.status_code == 200
    assert (accepted.json()["category"], accepted.json()["needs_review"]) == (str(groceries.pk), False)
    assert accepted.json()["categorization"]["source"] == "user"
    nothing = client_for.post(f"{REVIEW}{unknown.pk}/accept/")
    assert nothing.status_code == 400
    assert nothing.json()["errors"][0]["attr"] == "category"

    corrected = client_for.patch(f"{TXNS}{unknown.pk}/", {"category": str(dining.pk)}, format="json")
    assert corrected.status_code == 200
    data = corrected.json()
    assert (data["category"], data["needs_review"]) == (str(dining.pk), False)
    assert data["suggested_rule"]["conditions"] == [{"field": "payee", "operator": "contains", "value": "nobody knows"}]
    assert data["suggested_rule"]["actions"] == [{"action": "set_category", "value": str(dining.pk)}]
    assert client_for.get(REVIEW).json() == {"next": None, "previous": None, "results": []}

    # The client can save the suggestion as it is; the next such payee is then categorized by it.
    saved = client_for.post("/api/v1/rules/", data["suggested_rule"], format="json")
    assert saved.status_code == 201, saved.json()
    again = make_txn(household, account, payee="NOBODY KNOWS 7")
    assert (again.category_id, again.categorization_source, again.categorization_rule) == (
        dining.pk,
        "rule",
        uuid.UUID(saved.json()["id"]),
    )


def test_a_payee_edit_has_no_suggested_rule(client_for: Any, household: Household, account: Account) -> None:
    txn = make_txn(household, account, payee="Kroger", category=category(household, "Groceries"))
    response = client_for.patch(f"{TXNS}{txn.pk}/", {"payee": "Kroger Co"}, format="json")
    assert response.status_code == 200
    assert "suggested_rule" not in response.json()


def test_review_roles(roles: Any) -> None:
    account = make_account(roles.household, "Everyday")
    txn = make_txn(roles.household, account, payee="Nobody")
    assert roles.client("viewer").get(REVIEW, {"household": str(roles.household.pk)}).status_code == 200
    assert roles.client("viewer").post(f"{REVIEW}{txn.pk}/accept/").status_code == 403
    assert roles.client("outsider").post(f"{REVIEW}{txn.pk}/accept/").status_code == 404
    assert roles.client("anonymous").get(REVIEW).status_code == 401


def test_review_queue_is_paginated_like_every_list(client_for: Any, household: Household, account: Account) -> None:
    waiting = [make_txn(household, account, payee=f"Unknown {n}", on=date(2026, 3, 1 + n)) for n in range(7)]
    make_txn(household, account, payee="Settled", category=category(household, "Groceries"))
    newest_first = [str(t.pk) for t in reversed(waiting)]

    first = client_for.get(REVIEW, {"page_size": 3})
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["previous"] is None
    seen = [row["transaction"]["id"] for row in body["results"]]
    assert all(set(row) == {"transaction", "suggestions"} for row in body["results"])
    while body["next"]:
        body = client_for.get(body["next"]).json()
        seen += [row["transaction"]["id"] for row in body["results"]]
    assert seen == newest_first  # every waiting transaction once, newest first, none settled

    default = client_for.get(REVIEW).json()
    assert (len(default["results"]), default["next"]) == (7, None)
    capped = client_for.get(REVIEW, {"page_size": 100000}).json()
    assert len(capped["results"]) == 7
