"""The rules engine: operators, validation, ordering, actions and regex safety."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest

from finance.categorization.rules import (
    Action,
    ActionType,
    RuleValidationError,
    evaluate,
    parse_rule,
    validate_rule,
)

TXN: dict[str, Any] = {
    "payee": "Netflix.com",
    "description": "Recurring Card Purchase: Netflix.com Amsterdam (Card )",
    "notes": "family plan",
    "amount": Decimal("-139.00"),
    "account": "Cheque",
    "type": "expense",
    "date": dt.date(2021, 10, 23),
}


def rule(*conditions: dict[str, Any], rule_id: str = "r", strict: bool = True, **extra: Any) -> Any:
    data = {
        "id": rule_id,
        "conditions": list(conditions),
        "actions": extra.pop("actions", [{"type": "set_category", "value": "Subscriptions"}]),
        **extra,
    }
    return parse_rule(data, strict=strict)


def fires(*conditions: dict[str, Any], txn: dict[str, Any] | None = None, **extra: Any) -> bool:
    return evaluate([rule(*conditions, **extra)], txn or TXN).fired == ["r"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "payee", "operator": "contains", "value": "NETFLIX"}, True),
        ({"field": "payee", "operator": "contains", "value": "hulu"}, False),
        ({"field": "payee", "operator": "equals", "value": "netflix.com"}, True),
        ({"field": "payee", "operator": "equals", "value": "netflix"}, False),
        ({"field": "description", "operator": "starts_with", "value": "recurring card"}, True),
        ({"field": "description", "operator": "starts_with", "value": "card"}, False),
        ({"field": "description", "operator": "ends_with", "value": "(card )"}, True),
        ({"field": "notes", "operator": "regex", "value": r"^family\s+plan$"}, True),
        ({"field": "notes", "operator": "regex", "value": r"^plan"}, False),
        ({"field": "account", "operator": "one_of", "value": ["Savings", "cheque"]}, True),
        ({"field": "type", "operator": "one_of", "value": ["income", "transfer"]}, False),
        ({"field": "amount", "operator": "equals", "value": "-139"}, True),
        ({"field": "amount", "operator": "less_than", "value": -100}, True),
        ({"field": "amount", "operator": "greater_than", "value": "-100"}, False),
        ({"field": "amount", "operator": "between", "value": [-200, "-139.00"]}, True),
        ({"field": "amount", "operator": "between", "value": [-100, 0]}, False),
        ({"field": "amount", "operator": "one_of", "value": ["-139", "-159"]}, True),
        ({"field": "day_of_month", "operator": "equals", "value": 23}, True),
        ({"field": "day_of_month", "operator": "between", "value": [1, 5]}, False),
        ({"field": "day_of_month", "operator": "greater_than", "value": 20}, True),
    ],
)
def test_each_operator(condition: dict[str, Any], expected: bool) -> None:
    assert fires(condition) is expected


def test_case_sensitive_text_conditions() -> None:
    assert not fires({"field": "payee", "operator": "contains", "value": "NETFLIX", "case_sensitive": True})
    assert fires({"field": "payee", "operator": "contains", "value": "Netflix", "case_sensitive": True})
    assert not fires({"field": "payee", "operator": "regex", "value": "^netflix", "case_sensitive": True})


def test_match_all_needs_every_condition_and_any_needs_one() -> None:
    hit = {"field": "payee", "operator": "contains", "value": "netflix"}
    miss = {"field": "amount", "operator": "greater_than", "value": 0}
    assert not fires(hit, miss, match="all")
    assert fires(hit, miss, match="any")
    assert not fires(miss, miss, match="any")


def test_missing_fields_never_match() -> None:
    txn = {"description": "ATM Cash", "amount": None}
    assert not fires({"field": "payee", "operator": "contains", "value": "a"}, txn=txn)
    assert not fires({"field": "amount", "operator": "less_than", "value": 0}, txn=txn)
    assert not fires({"field": "day_of_month", "operator": "equals", "value": 1}, txn=txn)
    assert fires({"field": "day_of_month", "operator": "equals", "value": 30}, txn={"date": "2023-10-30"})


def test_rules_run_in_priority_order_and_later_rules_see_the_renamed_payee() -> None:
    rename = rule(
        {"field": "description", "operator": "contains", "value": "netflix"},
        rule_id="rename",
        priority=1,
        actions=[{"type": "set_payee", "value": "Netflix"}, {"type": "add_tag", "value": "streaming"}],
    )
    categorize = rule(
        {"field": "payee", "operator": "equals", "value": "Netflix"},
        rule_id="categorize",
        priority=2,
        actions=[{"type": "set_category", "value": "Subscriptions"}, {"type": "mark_reviewed"}],
    )
    txn = {**TXN, "payee": "NETFLIX.COM 866-579-7172"}
    outcome = evaluate([categorize, rename], txn)
    assert outcome.fired == ["rename", "categorize"]
    assert (outcome.payee, outcome.category, outcome.tags, outcome.reviewed) == (
        "Netflix",
        "Subscriptions",
        ["streaming"],
        True,
    )
    assert outcome.applied[0] == ("rename", Action(ActionType.SET_PAYEE, "Netflix"))
    assert outcome.category_rule == "categorize"
    assert txn["payee"] == "NETFLIX.COM 866-579-7172"  # the input is not changed


def test_a_later_rule_overrides_the_category_unless_an_earlier_one_stops_processing() -> None:
    netflix = {"field": "payee", "operator": "contains", "value": "netflix"}
    first = rule(netflix, rule_id="first", priority=0, actions=[{"type": "set_category", "value": "Entertainment"}])
    second = rule(netflix, rule_id="second", priority=5, actions=[{"type": "set_category", "value": "Subscriptions"}])
    assert evaluate([second, first], TXN).category == "Subscriptions"
    stopper = rule(
        netflix,
        rule_id="first",
        priority=0,
        stop_processing=True,
        actions=[{"type": "set_category", "value": "Entertainment"}, {"type": "exclude"}],
    )
    outcome = evaluate([second, stopper], TXN)
    assert (outcome.category, outcome.fired, outcome.excluded) == ("Entertainment", ["first"], True)


def test_equal_priorities_keep_the_given_order_and_inactive_rules_are_skipped() -> None:
    netflix = {"field": "payee", "operator": "contains", "value": "netflix"}
    a = rule(netflix, rule_id="a", actions=[{"type": "add_tag", "value": "a"}])
    b = rule(netflix, rule_id="b", actions=[{"type": "add_tag", "value": "b"}, {"type": "add_tag", "value": "a"}])
    off = rule(netflix, rule_id="off", active=False, actions=[{"type": "add_tag", "value": "off"}])
    outcome = evaluate([a, off, b], TXN)
    assert outcome.fired == ["a", "b"]
    assert outcome.tags == ["a", "b"]


def test_validation_reports_field_level_errors() -> None:
    errors = validate_rule(
        {
            "match": "some",
            "priority": "high",
            "conditions": [
                {"field": "payee", "operator": "regex", "value": "(unclosed"},
                {"field": "colour", "operator": "equals", "value": "red"},
                {"field": "amount", "operator": "contains", "value": "5"},
                {"field": "amount", "operator": "between", "value": [10, 1]},
                {"field": "day_of_month", "operator": "equals", "value": 32},
                {"field": "payee", "operator": "one_of", "value": []},
                {"field": "amount", "operator": "greater_than", "value": "lots"},
            ],
            "actions": [{"type": "set_category"}, {"type": "explode"}],
        }
    )
    assert errors["conditions[0].value"].startswith("invalid regex: ")
    assert errors["conditions[1].field"].startswith("must be one of: payee, description")
    assert errors["conditions[2].operator"].startswith("'contains' does not apply to amount")
    assert errors["conditions[3].value"] == "the low end must not be above the high end"
    assert errors["conditions[4].value"] == "must be a whole number from 1 to 31"
    assert errors["conditions[5].value"] == "must be a non-empty list"
    assert errors["conditions[6].value"] == "must be a number"
    assert errors["actions[0].value"] == "must be non-empty text"
    assert errors["actions[1].type"].startswith("must be one of: set_category")
    assert errors["match"] == "must be one of: all, any"
    assert errors["priority"] == "must be a whole number"
    assert validate_rule({"conditions": [], "actions": []}) == {
        "conditions": "must be a non-empty list",
        "actions": "must be a non-empty list",
    }


def test_parse_rule_raises_with_the_errors_and_accepts_valid_rules() -> None:
    with pytest.raises(RuleValidationError) as caught:
        parse_rule({"conditions": [{"field": "payee", "operator": "regex", "value": "a{2,1}"}], "actions": []})
    assert "conditions[0].value" in caught.value.errors
    assert (
        validate_rule(
            {
                "conditions": [{"field": "payee", "operator": "regex", "value": r"\bnetflix\b"}],
                "actions": [{"type": "set_category", "value": "Subscriptions"}],
            }
        )
        == {}
    )


def test_overlong_regex_is_rejected() -> None:
    errors = validate_rule(
        {"conditions": [{"field": "payee", "operator": "regex", "value": "a" * 501}], "actions": [{"type": "exclude"}]}
    )
    assert errors == {"conditions[0].value": "invalid regex: longer than 500 characters"}


def test_catastrophic_regex_times_out_cleanly_and_later_rules_still_run() -> None:
    evil = rule(
        # Alternatives that overlap backtrack exponentially, even in the `regex` module; refused when a rule
        # is saved now, but a rule stored before still runs (strict=False is how stored rules are compiled).
        {"field": "description", "operator": "regex", "value": r"^(a|aa)+$"},
        rule_id="evil",
        strict=False,
        priority=0,
        actions=[{"type": "set_category", "value": "Never"}],
    )
    fallback = rule(
        {"field": "description", "operator": "starts_with", "value": "aaa"},
        rule_id="fallback",
        priority=1,
        actions=[{"type": "set_category", "value": "Fallback"}],
    )
    txn = {"description": "a" * 40 + "!"}
    started = time.perf_counter()
    outcome = evaluate([evil, fallback], txn, regex_timeout=0.05)
    elapsed = time.perf_counter() - started
    assert outcome.fired == ["fallback"]
    assert outcome.category == "Fallback"
    assert [(e.rule_id, e.message) for e in outcome.errors] == [("evil", "conditions[0]: regex timed out after 0.05s")]
    assert elapsed < 5  # bounded by the timeout, not by the pattern's exponential search
