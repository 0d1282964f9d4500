"""Rules add tags as far as a transaction has room (``ledger.services.MAX_TAGS``): they never make a write
fail, neither a new transaction nor applying a rule to existing ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finance.categorization import services
from finance.ledger import services as ledger
from finance.ledger.inputs import TransactionInput
from finance.ledger.services import MAX_TAGS
from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Path) -> None:
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    settings.CATEGORIZATION_MODEL_DIR = tmp_path


def tagging_rules(household, count: int = 3) -> None:
    for r in range(count):
        services.rule_create(
            household=household,
            actor=None,
            name=f"Tags {r}",
            priority=r,
            conditions=[{"field": "payee", "operator": "contains", "value": "shop"}],
            actions=[{"action": "add_tag", "value": f"rule {r}-{i}"} for i in range(20)],
        )


def test_a_new_transaction_gets_the_rules_tags_up_to_the_cap(household, user):
    tagging_rules(household)
    account = make_account(household)
    given = ["mine 1", "MINE 1", "mine 2"]
    txn = ledger.transaction_create(
        household=household,
        actor=user,
        data=TransactionInput(account=account, type="expense", amount=Decimal(5), payee="Shop", tags=given),
    )
    names = [tag.name for tag in txn.tags.all()]
    assert len(names) == MAX_TAGS
    assert {"mine 1", "mine 2"} <= set(names)
    assert "rule 0-0" in names
    assert "rule 2-19" not in names  # past the cap: left out


def test_applying_a_rule_adds_its_tags_up_to_the_cap(household, user):
    account = make_account(household)
    txn = make_txn(household, account, payee="Shop", tags=[f"old {i}" for i in range(MAX_TAGS - 5)])
    tagging_rules(household, count=1)
    rule = services.Rule.objects.get(household=household)
    result = services.rule_apply(rule=rule, actor=user, dry_run=False)
    assert result.changed == 1
    names = {tag.name for tag in txn.tags.all()}
    assert len(names) == MAX_TAGS
    assert {f"rule 0-{i}" for i in range(5)} <= names
