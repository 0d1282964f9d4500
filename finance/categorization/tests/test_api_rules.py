"""Rules through the API: access by role, validation, operators, order, and applying to existing transactions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finance.categorization import services
from finance.categorization.models import Rule
from finance.core.tests.access import AccessMatrixTests
from finance.households.models import Household
from finance.ledger.models import Account, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify
from finance.users.tests.factories import MembershipFactory

URL = "/api/v1/rules/"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Path) -> None:
    # The tests pin what rules and history decide; no model file, so the model step is skipped.
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    settings.CATEGORIZATION_MODEL_DIR = tmp_path


def body(household: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Groceries at Kroger",
        "priority": 10,
        "match": "all",
        "conditions": [{"field": "payee", "operator": "contains", "value": "kroger"}],
        "actions": [{"action": "set_category", "value": str(category(household, "Groceries").pk)}],
    }
    data.update(overrides)
    return data


class TestRuleAccess(AccessMatrixTests):
    def make_object(self, household: Household, roles: Any) -> Rule:
        return services.rule_create(household=household, actor=None, **body(household))

    def list_url(self, roles: Any) -> str:
        return URL

    def detail_url(self, roles: Any, obj: Rule) -> str:
        return f"{URL}{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"household": str(roles.household.pk), **body(roles.household, name="Created")}

    def update_payload(self, roles: Any, obj: Rule) -> dict[str, Any]:
        return {"name": "Renamed", "priority": 3}


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Everyday", opening_balance=Decimal("500.00"))


def attrs(response: Any) -> dict[str, str]:
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


@pytest.mark.django_db
class TestValidation:
    def test_created_rule_is_returned_as_stored(self, client_for: Any, household: Household) -> None:
        response = client_for.post(URL, body(household), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["name"], data["priority"], data["is_active"], data["match"]) == (
            "Groceries at Kroger",
            10,
            True,
            "all",
        )
        assert data["conditions"] == [
            {"field": "payee", "operator": "contains", "value": "kroger", "case_sensitive": False}
        ]
        assert data["actions"] == [{"action": "set_category", "value": str(category(household, "Groceries").pk)}]

    def test_errors_name_the_field(self, client_for: Any, household: Household) -> None:
        bad = body(
            household,
            conditions=[
                {"field": "payee", "operator": "regex", "value": "(unclosed"},
                {"field": "amount", "operator": "contains", "value": "3"},
            ],
        )
        response = client_for.post(URL, bad, format="json")
        assert response.status_code == 400
        assert set(attrs(response)) == {"conditions.0.value", "conditions.1.operator"}
        assert Rule.objects.count() == 0

    def test_category_of_another_household_is_refused(self, client_for: Any, household: Household) -> None:
        other = MembershipFactory().household
        bad = body(household, actions=[{"action": "set_category", "value": str(category(other, "Groceries").pk)}])
        response = client_for.post(URL, bad, format="json")
        assert response.status_code == 400
        assert attrs(response) == {"actions.0.value": "does_not_exist"}

    def test_update_is_validated_against_the_merged_rule(self, client_for: Any, household: Household) -> None:
        rule = services.rule_create(household=household, actor=None, **body(household))
        response = client_for.patch(
            f"{URL}{rule.pk}/",
            {"conditions": [{"field": "day_of_month", "operator": "equals", "value": 40}]},
            format="json",
        )
        assert response.status_code == 400
        assert set(attrs(response)) == {"conditions.0.value"}
        rule.refresh_from_db()
        assert rule.conditions[0]["value"] == "kroger"


def create_txn(client: Any, account: Account, payee: str, amount: str = "12.00", type: str = "expense") -> Any:
    response = client.post(
        "/api/v1/transactions/",
        {"account": str(account.pk), "type": type, "amount": amount, "date": "2026-03-05", "payee": payee},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
class TestRulesOnCreate:
    def test_operators_and_match_modes(self, client_for: Any, household: Household, account: Account) -> None:
        dining = category(household, "Dining out")
        groceries = category(household, "Groceries")
        # Amount is signed for rules: expenses are negative.
        services.rule_create(
            household=household,
            actor=None,
            name="Small cafe bills",
            priority=1,
            match="all",
            conditions=[
                {"field": "payee", "operator": "one_of", "value": ["Cafe Luna", "Bean There"]},
                {"field": "amount", "operator": "between", "value": ["-20", "-1"]},
            ],
            actions=[{"action": "set_category", "value": str(dining.pk)}, {"action": "add_tag", "value": "coffee"}],
        )
        services.rule_create(
            household=household,
            actor=None,
            name="Markets",
            priority=2,
            match="any",
            conditions=[
                {"field": "payee", "operator": "starts_with", "value": "market"},
                {"field": "description", "operator": "regex", "value": r"^POS \d+ FRESH"},
            ],
            actions=[{"action": "set_category", "value": str(groceries.pk)}],
        )
        small = create_txn(client_for, account, "cafe luna", "9.50")
        big = create_txn(client_for, account, "Cafe Luna", "45.00")
        market = create_txn(client_for, account, "Market Hall")
        assert (small["category"], small["tags"], small["categorization"]["source"]) == (
            str(dining.pk),
            ["coffee"],
            "rule",
        )
        assert small["needs_review"] is False
        # Outside the amount range the rule does not fire; the payee's history (one earlier, 0.83) does.
        assert (big["categorization"]["source"], big["categorization"]["rule"], big["tags"]) == ("history", None, [])
        assert market["category"] == str(groceries.pk)

    def test_priority_order_and_stop_processing(self, client_for: Any, household: Household, account: Account) -> None:
        dining = category(household, "Dining out")
        groceries = category(household, "Groceries")
        condition = [{"field": "payee", "operator": "contains", "value": "deli"}]
        late = services.rule_create(
            household=household,
            actor=None,
            name="Later",
            priority=20,
            conditions=condition,
            actions=[{"action": "set_category", "value": str(groceries.pk)}],
        )
        early = services.rule_create(
            household=household,
            actor=None,
            name="Earlier",
            priority=5,
            conditions=condition,
            actions=[
                {"action": "set_category", "value": str(dining.pk)},
                {"action": "set_payee", "value": "Corner Deli"},
            ],
        )
        # Without stop_processing the later rule runs last and its category stands.
        first = create_txn(client_for, account, "deli 42")
        assert (first["category"], first["payee"]) == (str(groceries.pk), "Corner Deli")
        assert first["categorization"]["rule"] == str(late.pk)
        early.stop_processing = True
        early.save()
        second = create_txn(client_for, account, "deli 42")
        assert (second["category"], second["categorization"]["rule"]) == (str(dining.pk), str(early.pk))

    def test_inactive_rules_do_not_run(self, client_for: Any, household: Household, account: Account) -> None:
        services.rule_create(household=household, actor=None, **body(household, is_active=False))
        made = create_txn(client_for, account, "KROGER #12")
        assert made["category"] is None


@pytest.mark.django_db
class TestApply:
    def test_dry_run_counts_and_apply_changes_once(
        self, client_for: Any, household: Household, account: Account
    ) -> None:
        groceries = category(household, "Groceries")
        dining = category(household, "Dining out")
        plain = make_txn(household, account, amount="20.00", payee="Kroger 1")
        by_hand = make_txn(household, account, amount="30.00", payee="Kroger 2", category=dining)
        make_txn(household, account, amount="5.00", payee="Other shop")
        rule = services.rule_create(
            household=household,
            actor=None,
            **body(household, actions=[*body(household)["actions"], {"action": "add_tag", "value": "food"}]),
        )
        dry = client_for.post(f"{URL}{rule.pk}/apply/?dry_run=true")
        assert dry.status_code == 200
        assert {k: dry.json()[k] for k in ("matched", "changed", "dry_run")} == {
            "matched": 2,
            "changed": 2,
            "dry_run": True,
        }
        plain.refresh_from_db()
        assert plain.category_id is None

        done = client_for.post(f"{URL}{rule.pk}/apply/?dry_run=false")
        assert {k: done.json()[k] for k in ("matched", "changed", "dry_run")} == {
            "matched": 2,
            "changed": 2,
            "dry_run": False,
        }
        plain = Transaction.objects.get(pk=plain.pk)
        by_hand.refresh_from_db()
        assert (plain.category_id, plain.categorization_source, plain.categorization_rule) == (
            groceries.pk,
            "rule",
            rule.pk,
        )
        assert [t.name for t in plain.tags.all()] == ["food"]
        # The person's category stays; the tag is still added.
        assert (by_hand.category_id, by_hand.categorization_source) == (dining.pk, "user")
        assert [t.name for t in by_hand.tags.all()] == ["food"]
        again = client_for.post(f"{URL}{rule.pk}/apply/?dry_run=false").json()
        assert (again["matched"], again["changed"]) == (2, 0)

    def test_apply_marks_reviewed_and_excludes(self, client_for: Any, household: Household, account: Account) -> None:
        txn = make_txn(household, account, payee="Transfer fee")
        assert txn.needs_review is True
        rule = services.rule_create(
            household=household,
            actor=None,
            name="Fees",
            conditions=[{"field": "payee", "operator": "ends_with", "value": "fee"}],
            actions=[{"action": "mark_reviewed"}, {"action": "exclude"}],
        )
        result = client_for.post(f"{URL}{rule.pk}/apply/?dry_run=false").json()
        assert (result["matched"], result["changed"]) == (1, 1)
        txn.refresh_from_db()
        assert (txn.needs_review, txn.is_excluded, txn.category_id) == (False, True, None)

    def test_viewer_may_not_apply(self, roles: Any) -> None:
        rule = services.rule_create(household=roles.household, actor=None, **body(roles.household))
        assert roles.client("viewer").post(f"{URL}{rule.pk}/apply/").status_code == 403
        assert roles.client("editor").post(f"{URL}{rule.pk}/apply/").status_code == 200
        assert roles.client("outsider").post(f"{URL}{rule.pk}/apply/").status_code == 404

    def test_balance_follows_applied_changes(self, client_for: Any, household: Household, account: Account) -> None:
        make_txn(household, account, amount="20.00", payee="Kroger 1")
        rule = services.rule_create(household=household, actor=None, **body(household))
        client_for.post(f"{URL}{rule.pk}/apply/?dry_run=false")
        account.refresh_from_db()
        assert account.balance == Decimal("480.00")
        assert Transaction.objects.filter(household=household, category__name="Groceries").count() == 1
        assert verify(household.id) == []
