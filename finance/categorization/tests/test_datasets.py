"""Readers of the labeled data sets, including the US split's leak."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from finance.categorization.classifier import Example
from finance.categorization.datasets import (
    US_TRAIN_FILE,
    US_VAL_FILE,
    ZA_FILE,
    load_us,
    load_us_dataset,
    load_us_smoke,
    load_za,
    merge_us_splits,
    parse_amount,
    parse_date,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("-69.0", Decimal("-69.0")),
        ("22.85", Decimal("22.85")),
        ("-1 300.00", Decimal("-1300.00")),
        ("2 250.00", Decimal("2250.00")),
        ("470010 -0.80", Decimal("-0.80")),
        ("Bank -3.00", Decimal("-3.00")),
        ("-10", Decimal("-10")),
        ("", None),
        ("n/a", None),
    ],
)
def test_parse_amount(raw: str, amount: Decimal | None) -> None:
    assert parse_amount(raw) == amount


def test_parse_date_reads_both_formats() -> None:
    assert parse_date("2023-10-10 00:00:00") == dt.date(2023, 10, 10)
    assert parse_date("2023-10-27T00:00:00") == dt.date(2023, 10, 27)
    assert parse_date("27/10/2023") is None


def test_merge_drops_repeated_texts_and_tied_labels() -> None:
    train = [Example(description="debit a", category="X"), Example(description="debit b", category="Y")]
    val = [
        Example(description="debit a", category="X"),  # the leak: same text in both splits
        Example(description="debit b", category="Z"),  # two labels, one each: dropped
        Example(description="debit c", category="Z"),
    ]
    merged = merge_us_splits(train, val)
    assert sorted((e.description, e.category) for e in merged) == [("debit a", "X"), ("debit c", "Z")]


def test_us_fixture_pools_splits_without_the_leak() -> None:
    train = load_us(FIXTURES / US_TRAIN_FILE)
    val = load_us(FIXTURES / US_VAL_FILE)
    pooled = load_us_dataset(FIXTURES)
    texts = [e.description for e in pooled]
    assert len(texts) == len(set(texts))
    train_texts = {e.description for e in train}
    assert sum(1 for e in val if e.description in train_texts) == 25  # the fixture keeps the leak on purpose
    assert len(pooled) <= len({e.description for e in train} | {e.description for e in val})
    assert len({e.category for e in pooled}) == 17


def test_za_fixture_is_read_oldest_first_with_amounts_and_dates() -> None:
    rows = load_za(FIXTURES / ZA_FILE)
    assert len(rows) == 451
    assert all(r.date is not None for r in rows)
    # One row's amount column holds the word "Bank": it is read as no amount, not guessed.
    assert [r.description for r in rows if r.amount is None] == ["Banking App Payment Dalpark Learning Aca"]
    assert [r.date for r in rows] == sorted(r.date for r in rows if r.date is not None)
    fee = next(r for r in rows if r.description == "SMS Notification Fee Branch:")
    assert (fee.amount, fee.category) == (Decimal("-0.80"), "Bank Charges and Fees")
    assert len({r.category for r in rows}) == 44


def test_us_smoke_fixture() -> None:
    rows = load_us_smoke(FIXTURES / "us-statement-smoke-50.csv")
    assert len(rows) == 49
    assert rows[0].description == "SHELL GAS STATION"
    assert (rows[0].amount, rows[0].date, rows[0].category) == (
        Decimal("-68.00"),
        dt.date(2025, 1, 4),
        "Transportation",
    )
