"""Every fixture file parses to the rows, balances and errors recorded in fixtures/expected.json.

expected.json holds, per file, the number of statements and rows and, for the
first two statements, the account, currency, balances, row errors and the
first and last rows (source line, date, signed amount, currency, payee,
description). The values were checked against the files by hand; focused
tests per format live beside this module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finance.imports.reading.errors import ParseError
from finance.imports.reading.parsers import parse_all
from finance.imports.reading.statement import Balance, Statement, StatementRow
from finance.imports.tests.conftest import FIXTURES

EXPECTED: dict[str, dict] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
FILES = sorted(str(path.relative_to(FIXTURES)) for path in FIXTURES.glob("*/*") if path.is_file())


def _row(row: StatementRow) -> list:
    description = row.description[:48] if row.description else None
    return [row.row_number, row.date.isoformat(), str(row.amount), row.currency, row.payee, description]


def _balance(balance: Balance | None) -> list | None:
    if balance is None:
        return None
    return [str(balance.amount), balance.date.isoformat() if balance.date else None]


def _summary(statement: Statement) -> dict:
    return {
        "format": statement.format.value,
        "account": statement.account.key,
        "currency": statement.currency,
        "opening": _balance(statement.opening_balance),
        "closing": _balance(statement.closing_balance),
        "count": len(statement.rows),
        "errors": [[error.row_number, error.code] for error in statement.errors],
        "first": _row(statement.rows[0]) if statement.rows else None,
        "last": _row(statement.rows[-1]) if len(statement.rows) > 1 else None,
    }


def test_every_fixture_file_has_expectations():
    assert sorted(EXPECTED) == FILES
    assert len(FILES) == 162


@pytest.mark.parametrize("name", FILES)
def test_fixture_parses_to_the_expected_statement(name):
    expected = EXPECTED[name]
    data = (FIXTURES / name).read_bytes()
    if "error" in expected:
        with pytest.raises(ParseError) as caught:
            parse_all(data, filename=Path(name).name)
        assert caught.value.code == expected["error"]
        return
    statements = parse_all(data, filename=Path(name).name)
    assert len(statements) == expected["statements"]
    assert sum(len(statement.rows) for statement in statements) == expected["rows"]
    assert [_summary(statement) for statement in statements[:2]] == expected["detail"]
