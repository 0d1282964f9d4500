"""Rules cannot hold a worker: slow patterns are refused when saved, conditions and rules are capped, and every
run of the rules has a time budget. A rule that exhausts it is turned off (that stays), its household is told
(the rule says why, the audit log records it, ``RuleDisabled`` is published) and the run goes on without it.

Before: the 50 ms limit was per condition per transaction, so 20 slow conditions made one create take 2.3 s,
a 10-row import 24.6 s and a dry-run apply over 30 transactions 28.8 s. The tests count searches, not time.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finance.audit.models import AuditAction, AuditEvent
from finance.categorization import rules, services
from finance.categorization.models import DisabledReason, Rule
from finance.categorization.pipeline import categorize_many
from finance.categorization.rules import Budget, Exhausted, evaluate, parse_rule
from finance.core.models import OutboxEvent
from finance.imports.tests.conftest import upload
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
URL = "/api/v1/rules/"
CATASTROPHIC = r"(a|aa)+$"  # exponential on a run of "a" that does not end the text; refused when saved now
HOSTILE = "Corner shop " + "a" * 60 + "!"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Path) -> None:
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    settings.CATEGORIZATION_MODEL_DIR = tmp_path


@pytest.fixture
def account(household):
    return make_account(household, "Everyday", currency="USD", opening_balance=Decimal("500.00"))


@pytest.fixture
def searches(monkeypatch) -> list[Budget]:
    """Every budget the services make; ``sum(b.searches for b in searches)`` is how many searches ran."""
    made: list[Budget] = []
    real = services.rules_budget

    def recording(transactions: int) -> Budget:
        budget = real(transactions)
        made.append(budget)
        return budget

    monkeypatch.setattr(services, "rules_budget", recording)
    return made


def stored_slow_rule(household, *, conditions: int = 20, name: str = "Slow", field: str = "payee") -> Rule:
    """A rule saved before patterns were checked: straight into the table, as an old rule is."""
    groceries = category(household, "Groceries")
    return Rule.objects.create(
        household=household,
        name=name,
        priority=1,
        match="any",
        conditions=[{"field": field, "operator": "regex", "value": CATASTROPHIC}] * conditions,
        actions=[{"action": "set_category", "value": str(groceries.pk)}],
    )


def body(household, pattern: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Pattern",
        "conditions": [{"field": "payee", "operator": "regex", "value": pattern}],
        "actions": [{"action": "set_category", "value": str(category(household, "Groceries").pk)}],
        **extra,
    }


def errors(response) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def turned_off(rule: Rule, reason: str) -> None:
    rule.refresh_from_db()
    assert not rule.is_active
    assert rule.disabled_reason == reason
    assert rule.disabled_at is not None
    audit = AuditEvent.objects.get(action=AuditAction.RULE_DISABLE)
    assert (audit.target_id, audit.household_id, audit.changes["reason"]) == (str(rule.pk), rule.household_id, reason)
    event = OutboxEvent.objects.get(name="categorization.rule_disabled")
    assert event.payload["rule_id"] == str(rule.pk)
    assert event.payload["rule_name"] == rule.name
    assert event.payload["reason"] == reason
    assert event.household_id == rule.household_id


# --- Saving ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        CATASTROPHIC,
        r"(a+)+b",
        r"(\w+\s?)*$",
        r"(.*a){12}",
        r"(\d|\d\d)*x",
        r"\d*\d*\d*\d*x",
        r"^(\p{L}|\p{L}\p{L})+$",  # syntax only the regex package reads: refused by the probe
    ],
)
def test_a_pattern_that_can_backtrack_catastrophically_is_refused_on_its_field(client_for, household, pattern):
    response = client_for.post(URL, body(household, pattern), format="json")
    assert response.status_code == 400, response.content
    assert errors(response) == [("conditions.0.value", "slow_pattern")]
    assert not Rule.objects.exists()


@pytest.mark.parametrize("pattern", [r"^POS \d+ FRESH", r"amazon(\.com)?\*\w+", r"(\d{1,3}\.){3}\d{1,3}", r"(a++)+b"])
def test_patterns_of_a_safe_shape_are_saved(client_for, household, pattern):
    response = client_for.post(URL, body(household, pattern), format="json")
    assert response.status_code == 201, response.content


def test_regex_conditions_and_one_of_lists_are_capped(client_for, household):
    many = [{"field": "payee", "operator": "regex", "value": f"shop{i}"} for i in range(rules.MAX_REGEX_CONDITIONS + 1)]
    response = client_for.post(URL, {**body(household, "x"), "conditions": many}, format="json")
    assert errors(response) == [("conditions", "too_many")]
    values = [f"shop {i}" for i in range(rules.MAX_ONE_OF + 1)]
    response = client_for.post(
        URL,
        {**body(household, "x"), "conditions": [{"field": "payee", "operator": "one_of", "value": values}]},
        format="json",
    )
    assert errors(response) == [("conditions.0.value", "too_many")]
    response = client_for.post(URL, {**body(household, "x"), "conditions": many * 100}, format="json")
    assert errors(response) == [("conditions", "max_length")]  # refused before any condition is read
    assert not Rule.objects.exists()


def test_a_household_has_at_most_max_rules(client_for, household):
    Rule.objects.bulk_create(
        Rule(household=household, name=f"r{i}", conditions=[], actions=[]) for i in range(services.MAX_RULES)
    )
    response = client_for.post(URL, body(household, "shop"), format="json")
    assert response.status_code == 409
    assert errors(response) == [(None, "too_many")]
    assert Rule.objects.count() == services.MAX_RULES


# --- Running -----------------------------------------------------------------------------------------------


def test_a_slow_rule_is_turned_off_by_the_first_create_it_slows(client_for, household, account, searches):
    rule = stored_slow_rule(household)
    response = client_for.post(
        "/api/v1/transactions/",
        {"account": str(account.pk), "type": "expense", "amount": "5.00", "payee": HOSTILE},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["category"] is None  # the rule did not apply
    assert sum(b.searches for b in searches) == 1  # not 20 conditions × 50 ms
    turned_off(rule, DisabledReason.SLOW_CONDITION)
    again = client_for.post(
        "/api/v1/transactions/",
        {"account": str(account.pk), "type": "expense", "amount": "6.00", "payee": HOSTILE},
        format="json",
    )
    assert again.status_code == 201
    assert sum(b.searches for b in searches) == 1  # turned off: not run again
    assert AuditEvent.objects.filter(action=AuditAction.RULE_DISABLE).count() == 1


def test_a_slow_rule_costs_an_import_one_search(client_for, household, account, searches):
    rule = stored_slow_rule(household, field="description")
    lines = "\n".join(f"2026-03-{day:02d},-{day}.00,{HOSTILE} no. {day}" for day in range(1, 11))
    response = upload(client_for, account, "statement.csv", data=f"Date,Amount,Description\n{lines}\n".encode())
    assert response.status_code == 201, response.content
    assert response.json()["rows_total"] == 10
    assert sum(b.searches for b in searches) == 1  # not 10 rows × 20 conditions
    turned_off(rule, DisabledReason.SLOW_CONDITION)


def test_applying_a_slow_rule_is_refused_turns_it_off_and_changes_nothing(client_for, household, account):
    rule = stored_slow_rule(household)
    for i in range(30):
        make_txn(household, account, amount=f"{i + 1}.00", payee=HOSTILE)
    before = list(Transaction.objects.order_by("id").values_list("id", "category_id", "payee"))
    response = client_for.post(f"{URL}{rule.pk}/apply/?dry_run=false", format="json")
    assert response.status_code == 409, response.content
    assert errors(response) == [(None, "rule_disabled")]
    turned_off(rule, DisabledReason.SLOW_CONDITION)  # the refusal did not roll the turning off back
    assert list(Transaction.objects.order_by("id").values_list("id", "category_id", "payee")) == before


def test_the_rule_shows_why_it_is_off_and_turning_it_on_clears_that(client_for, household, account):
    rule = stored_slow_rule(household)
    make_txn(household, account, payee=HOSTILE)
    client_for.post(f"{URL}{rule.pk}/apply/", format="json")
    shown = client_for.get(f"{URL}{rule.pk}/").json()
    assert (shown["is_active"], shown["disabled_reason"]) == (False, "slow_condition")
    assert shown["disabled_at"] is not None
    fixed = [{"field": "payee", "operator": "regex", "value": "^a+!$"}]
    response = client_for.patch(f"{URL}{rule.pk}/", {"conditions": fixed, "is_active": True}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["is_active"], response.json()["disabled_reason"], response.json()["disabled_at"]) == (
        True,
        "",
        None,
    )


# --- The budget itself ---------------------------------------------------------------------------------


def ticking(step: float):
    """A clock that moves ``step`` seconds each time it is read: read before and after, each search costs a step."""
    counter = itertools.count()
    return lambda: next(counter) * step


def rule(rule_id: str, conditions: int, priority: int) -> Any:
    return parse_rule(
        {
            "id": rule_id,
            "priority": priority,
            "conditions": [{"field": "payee", "operator": "regex", "value": "shop"}] * conditions,
            "actions": [{"type": "add_tag", "value": rule_id}],
        }
    )


def test_when_the_budget_runs_out_the_costliest_rule_is_exhausted_and_the_others_go_on():
    costly, cheap = rule("costly", 5, 0), rule("cheap", 1, 1)
    budget = Budget(0.1, clock=ticking(0.01))  # each search is read as 10 ms
    outcomes = [evaluate([costly, cheap], {"payee": "shop"}, budget=budget) for _ in range(10)]
    assert budget.exhausted == {"costly": Exhausted.TIME_BUDGET}
    assert all("cheap" in o.fired for o in outcomes)  # one slow rule does not take the others with it
    assert [o.fired.count("costly") for o in outcomes][:2] == [1, 0]  # ran in full once, then stopped
    assert budget.searches < 20  # costly stopped for good: 10 × 6 searches without a budget


def test_a_rule_exhausted_midway_counts_for_none_of_the_batch():

    costly, cheap = rule("costly", 5, 0), rule("cheap", 1, 1)
    budget = Budget(0.1, clock=ticking(0.01))
    found = categorize_many([{"payee": "shop"}] * 6, rules=[costly, cheap], budget=budget)
    assert budget.exhausted == {"costly": Exhausted.TIME_BUDGET}
    assert [s.rules.tags if s.rules else None for s in found] == [["cheap"]] * 6


def test_a_search_cut_short_by_the_budget_blames_the_budget_not_the_pattern():
    slow = parse_rule(
        {
            "id": "slow",
            "conditions": [{"field": "payee", "operator": "regex", "value": CATASTROPHIC}],
            "actions": [{"type": "exclude"}],
        },
        strict=False,
    )
    budget = Budget(0.02, clock=ticking(0.0))  # less than REGEX_TIMEOUT left: the search is cut at 20 ms
    outcome = evaluate([slow], {"payee": HOSTILE}, budget=budget)
    assert outcome.fired == []
    assert budget.exhausted == {"slow": Exhausted.TIME_BUDGET}
    assert budget.searches == 1
