"""The household's own model: trained by command or after corrections, and used by the pipeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from finance.categorization import services
from finance.households.models import Household
from finance.ledger.models import Account, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
ITEM = {"type": "expense", "amount": Decimal("14"), "payee": "zephyr kitchen", "date": date(2026, 4, 2)}


@pytest.fixture(autouse=True)
def _model_dir(settings: Any, tmp_path: Path) -> None:
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    settings.CATEGORIZATION_MODEL_DIR = tmp_path


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Everyday", opening_balance=Decimal("900.00"))


def seed(household: Household, account: Account, zephyr: str) -> None:
    for i in range(8):
        make_txn(household, account, payee=f"zephyr {i}", category=category(household, zephyr))
        make_txn(household, account, payee=f"fresh market {i}", category=category(household, "Groceries"))
        make_txn(household, account, payee=f"bistro {i}", category=category(household, "Dining out"))


def top(household: Household) -> Any:
    suggestion = services.categorize_for(household, [ITEM])[0]
    assert suggestion.source == "model"
    return suggestion.category_id


def test_command_trains_and_retraining_changes_the_prediction(household: Household, account: Account) -> None:
    seed(household, account, "Groceries")
    out = StringIO()
    call_command("train_categorizer", household=str(household.pk), stdout=out)
    assert out.getvalue().startswith("Trained on 24 transactions; saved ")
    assert services.household_model_path(household.pk).exists()
    assert top(household) == category(household, "Groceries").pk

    # People move every zephyr transaction to Dining out; retraining learns it.
    for txn in household_txns(household, "zephyr"):
        txn.category = category(household, "Dining out")
        txn.save(update_fields=["category"])
    services.train_household_model(household=household)
    assert top(household) == category(household, "Dining out").pk


def household_txns(household: Household, prefix: str) -> list[Transaction]:
    return list(Transaction.objects.filter(household=household, payee__startswith=prefix))


def test_too_little_to_train_on(household: Household, account: Account) -> None:
    make_txn(household, account, payee="a", category=category(household, "Groceries"))
    with pytest.raises(CommandError, match="Not enough to train on"):
        call_command("train_categorizer", household=str(household.pk))
    assert not services.household_model_path(household.pk).exists()


def test_retraining_is_scheduled_after_n_corrections(
    client_for: Any,
    household: Household,
    account: Account,
    settings: Any,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CATEGORIZATION_RETRAIN_AFTER = 3
    seed(household, account, "Groceries")
    loose = [make_txn(household, account, payee=f"odd {i}") for i in range(3)]
    dining = str(category(household, "Dining out").pk)
    for txn in loose[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            client_for.patch(f"/api/v1/transactions/{txn.pk}/", {"category": dining}, format="json")
    assert not services.household_model_path(household.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_for.patch(f"/api/v1/transactions/{loose[2].pk}/", {"category": dining}, format="json")
    assert services.household_model_path(household.pk).exists()
    assert top(household) == category(household, "Groceries").pk


def test_category_corrections_in_the_web_app_count_towards_retraining(
    client: Any,
    user: Any,
    household: Household,
    account: Account,
    settings: Any,
    celery_eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CATEGORIZATION_RETRAIN_AFTER = 2
    seed(household, account, "Groceries")
    loose = [make_txn(household, account, payee=f"odd {i}") for i in range(2)]
    dining = str(category(household, "Dining out").pk)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/app/transactions/{loose[0].pk}/category/", {"category": dining})
    assert response.status_code == 302
    assert not services.household_model_path(household.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/app/transactions/{loose[1].pk}/category/", {"category": dining})
    assert services.household_model_path(household.pk).exists()


def test_a_batch_without_detail_answers_each_item_as_it_is_answered_alone(
    household: Household, account: Account
) -> None:
    """What an import keeps of a suggestion (category, source, confidence, review flag) does not depend on the
    batch it came in, nor on leaving out the explanations: history, model and a stand-in of the other type."""
    seed(household, account, "Groceries")
    make_txn(household, account, type="income", payee="acme payroll", category=category(household, "Salary"))
    for _ in range(5):
        make_txn(household, account, payee="Corner Deli", category=category(household, "Dining out"))
    services.train_household_model(household=household)
    days = [date(2026, 4, day) for day in (2, 2, 3, 9)]
    items = [
        {"type": kind, "amount": Decimal(amount), "payee": payee, "description": "", "date": day}
        for kind, amount, payee in [
            ("expense", "14", "zephyr #12"),
            ("expense", "14.00", "ZEPHYR #13"),
            ("expense", "3.99", "fresh market 77"),
            ("expense", "250", "never seen before"),
            ("income", "14", "zephyr #12"),
            ("income", "1200", "acme payroll"),
            ("expense", "9.5", "bistro"),
            ("expense", "6.20", "CORNER DELI #5"),
        ]
        for day in days
    ]
    sources = set()
    for with_model in (True, False):
        if not with_model:  # history alone
            services.household_model_path(household.pk).unlink()
        each = services.categorize_for(household, items)
        kept = [(s.category_id, s.source, s.confidence, s.needs_review) for s in each]
        together = services.categorize_for(household, items, detail=False)
        assert [(s.category_id, s.source, s.confidence, s.needs_review) for s in together] == kept
        alone = [services.categorize_for(household, [item])[0] for item in items]
        assert [(s.category_id, s.source, s.confidence, s.needs_review) for s in alone] == kept
        sources |= {s.source for s in together}
    assert sources >= {"history", "model", ""}
