"""A keyset cursor travels through the client: a tampered one is a 400 on ``cursor``, never a query the database
refuses (issue #17, item 15)."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("ordering", "raw"),
    [
        ("", "p=not-a-date"),
        ("", "p=2026-02-30"),
        ("&ordering=amount", "p=abc"),
        ("&ordering=amount", "p=1e999999"),
        ("&ordering=created_at", "p=yesterday"),
        ("", "r=x"),
    ],
)
def test_a_tampered_cursor_is_a_400_on_cursor(client_for, household, ordering, raw):
    account = make_account(household, "A", currency="USD")
    for day in range(1, 4):
        make_txn(household, account, "expense", "1.00", date(2026, 3, day))
    response = client_for.get(f"/api/v1/transactions/?cursor={cursor(raw)}{ordering}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body == {
        "type": "validation_error",
        "errors": [{"code": "invalid", "detail": "Invalid cursor", "attr": "cursor"}],
    }


def test_garbage_that_is_no_cursor_at_all_is_a_400_too(client_for, household):
    response = client_for.get("/api/v1/transactions/?cursor=abc")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "cursor"


def test_the_cursors_the_api_hands_out_still_page(client_for, household):
    account = make_account(household, "A", currency="USD")
    for day in range(1, 6):
        make_txn(household, account, "expense", f"{day}.00", date(2026, 3, day))
    for ordering in ("", "&ordering=amount", "&ordering=-created_at"):
        seen: list[str] = []
        url = f"/api/v1/transactions/?page_size=2{ordering}"
        while url:
            body = client_for.get(url).json()
            seen.extend(row["id"] for row in body["results"])
            url = body["next"]
        assert len(seen) == len(set(seen)) == 5, ordering
