"""The product's order: rules, then history, then the model, else nothing."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import pytest

from finance.categorization.classifier import CategorizerModel, Prediction, train
from finance.categorization.history import HistoryMatch, HistoryMatcher, HistoryRecord
from finance.categorization.label_aliases import resolve_label
from finance.categorization.pipeline import Source, categorize, categorize_many, combine, item_from, map_labels
from finance.categorization.rules import parse_rule
from finance.categorization.tests.test_classifier import examples


@pytest.fixture(scope="module")
def model() -> CategorizerModel:
    return train(examples())


RULE = parse_rule(
    {
        "id": "rent",
        "conditions": [{"field": "payee", "operator": "contains", "value": "aimco"}],
        "actions": [{"type": "set_category", "value": "Rent"}, {"type": "add_tag", "value": "home"}],
    }
)


def test_a_rule_wins_over_history_and_model(model: CategorizerModel) -> None:
    history = HistoryMatcher.from_records([HistoryRecord(category="Transfers", payee="Aimco")])
    suggestion = categorize({"payee": "AIMCO RENT PMT", "amount": "-1500"}, rules=[RULE], history=history, model=model)
    assert (suggestion.category, suggestion.source, suggestion.confidence, suggestion.auto_apply) == (
        "Rent",
        Source.RULE,
        1.0,
        True,
    )
    assert suggestion.explanation == ("rule rent",)
    assert suggestion.rules is not None
    assert suggestion.rules.tags == ["home"]


def test_history_then_model_then_nothing(model: CategorizerModel) -> None:
    history = HistoryMatcher.from_records(
        [HistoryRecord(category="Dining", description="POS Purchase Mr D Food  * 14 Oct")] * 3
    )
    txns = [
        {"description": "POS Purchase Mr D Food  * 29 Oct", "amount": Decimal("-377.57"), "date": "2023-11-01"},
        {"description": "debit kroger 9913 boston", "amount": "-31.00", "date": dt.date(2024, 3, 2)},
    ]
    by_history, by_model = categorize_many(txns, rules=[RULE], history=history, model=model)
    assert (by_history.category, by_history.source, by_history.auto_apply) == ("Dining", Source.HISTORY, True)
    assert by_history.explanation[0] == "same payee as 3 earlier transactions"
    assert (by_model.category, by_model.source) == ("Groceries", Source.MODEL)
    assert len(by_model.alternatives) == 3
    nothing = categorize({"description": "debit kroger"})
    assert (nothing.category, nothing.source, nothing.auto_apply) == (None, Source.NONE, False)


def test_a_renamed_payee_is_what_history_and_model_see(model: CategorizerModel) -> None:
    rename = parse_rule(
        {
            "id": "rename",
            "conditions": [{"field": "description", "operator": "contains", "value": "mrd*"}],
            "actions": [{"type": "set_payee", "value": "Mr D Food"}],
        }
    )
    history = HistoryMatcher.from_records([HistoryRecord(category="Dining", payee="Mr D Food")] * 2)
    suggestion = categorize({"description": "MRD*ORDER 5531"}, rules=[rename], history=history, model=model)
    assert (suggestion.category, suggestion.source) == ("Dining", Source.HISTORY)
    assert suggestion.rules is not None
    assert suggestion.rules.payee == "Mr D Food"


def _match(category: str, confidence: float) -> HistoryMatch:
    return HistoryMatch(category=category, confidence=confidence, count=1, total=1, merchant_key="x", explanation="h")


def test_combine_takes_the_more_confident_and_does_not_inflate_agreement() -> None:
    agree = combine(_match("A", 0.7), [Prediction("A", 0.75, ("word",))])
    assert (agree.category, agree.confidence, agree.source, agree.auto_apply) == ("A", 0.75, Source.HISTORY, False)
    assert agree.explanation == ("h", "word")
    model_wins = combine(_match("A", 0.6), [Prediction("B", 0.9)])
    assert (model_wins.category, model_wins.source, model_wins.auto_apply) == ("B", Source.MODEL, True)
    history_wins = combine(_match("A", 0.83), [Prediction("B", 0.5)])
    assert (history_wins.category, history_wins.source, history_wins.auto_apply) == ("A", Source.HISTORY, True)
    assert combine(None, [], threshold=0.8).source is Source.NONE


def test_item_from_reads_plain_transactions() -> None:
    item = item_from({"payee": "Kroger", "description": None, "amount": "-12.50", "date": "2024-03-02T10:00:00"})
    assert (item.payee, item.description, item.amount, item.date) == (
        "Kroger",
        "",
        Decimal("-12.50"),
        dt.date(2024, 3, 2),
    )
    odd = item_from({"amount": "lots", "date": "yesterday"})
    assert (odd.amount, odd.date) == (None, None)


def test_base_model_labels_map_onto_the_households_categories(model: CategorizerModel) -> None:
    # The test model's labels stand in for base labels: "Dining" -> the household's "Eating Out".
    names = {"Dining": "Eating Out", "Groceries": "Groceries", "Transport": "Transport"}
    suggestion = categorize({"description": "debit paypal *chipotle"}, model=model, label_map=names.get)
    assert suggestion.category == "Eating Out"
    assert suggestion.source is Source.MODEL
    assert {p.category for p in suggestion.alternatives} <= set(names.values())


def test_map_labels_drops_unknown_and_merges_shared_categories() -> None:
    predictions = [Prediction("Rent", 0.5, ("a",)), Prediction("Mortgage", 0.3, ("b",)), Prediction("Fees", 0.2)]
    mapped = map_labels(predictions, {"Rent": "Housing", "Mortgage": "Housing"}.get)
    assert mapped == [Prediction("Housing", 0.8, ("a",))]
    household = ["Eating Out", "Housing"]
    resolved = map_labels(
        [Prediction("Restaurants", 0.6), Prediction("Travel", 0.4)],
        functools.partial(resolve_label, household_categories=household),
    )
    assert resolved == [Prediction("Eating Out", 0.6)]
