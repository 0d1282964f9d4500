"""A keyset cursor travels through the client: a tampered one is a 400 on ``cursor``, never a query the database
refuses (issue #17, item 15)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.ledger.models import Transaction
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


def _page_through(client, url: str, *, limit: int = 50) -> list[list[str]]:
    pages: list[list[str]] = []
    while url:
        assert len(pages) < limit, "the pages never end"
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    return pages


def test_a_day_with_more_rows_than_drf_offsets_reach_pages_to_its_end(client_for, household):
    """DRF's cursor kept the first ordering field and an offset capped at 1,000: past that many rows on one
    day, the next page repeated itself forever. The keyset cursor holds the whole position."""
    account = make_account(household, "A", currency="USD")
    Transaction.objects.bulk_create(
        Transaction(
            household=household, account=account, type="expense", amount=1, currency="USD", date=date(2026, 3, 1)
        )
        for _ in range(1_601)
    )
    # Even the creation time is shared: only the id orders them.
    Transaction.objects.filter(household=household).update(created_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    pages = _page_through(client_for, "/api/v1/transactions/?page_size=500")
    seen = [pk for page in pages for pk in page]
    assert [len(page) for page in pages] == [500, 500, 500, 101]
    expected = Transaction.objects.filter(household=household).order_by("-id").values_list("id", flat=True)
    assert seen == [str(pk) for pk in expected]


def test_previous_links_walk_back_over_the_same_pages(client_for, household):
    account = make_account(household, "A", currency="USD")
    for i in range(23):
        make_txn(household, account, "expense", f"{i % 4 + 1}.00", date(2026, 3, 1 + i % 5))
    forward: list[tuple[list[str], str | None]] = []
    url: str | None = "/api/v1/transactions/?page_size=5"
    while url:
        body = client_for.get(url).json()
        forward.append(([row["id"] for row in body["results"]], body["previous"]))
        url = body["next"]
    assert [len(ids) for ids, _ in forward] == [5, 5, 5, 5, 3]
    assert forward[0][1] is None
    backward: list[list[str]] = []
    url = forward[-1][1]
    while url:
        body = client_for.get(url).json()
        backward.append([row["id"] for row in body["results"]])
        assert body["next"] is not None
        url = body["previous"]
    assert backward == [ids for ids, _ in reversed(forward[:-1])]


@pytest.mark.parametrize("ordering", ["amount", "-amount", "date", "created_at"])
def test_ties_page_in_the_lists_order_whatever_the_ordering(client_for, household, ordering):
    account = make_account(household, "A", currency="USD")
    for i in range(17):
        make_txn(household, account, "expense", f"{i % 3 + 1}.00", date(2026, 3, 1 + i % 2))
    pages = _page_through(client_for, f"/api/v1/transactions/?page_size=4&ordering={ordering}")
    tie_breaks = [f for f in ("-created_at", "-id") if f.lstrip("-") != ordering.lstrip("-")]
    expected = Transaction.objects.filter(household=household).order_by(ordering, *tie_breaks)
    assert [pk for page in pages for pk in page] == [str(pk) for pk in expected.values_list("id", flat=True)]


def test_a_deep_page_is_read_from_its_position_not_past_an_offset(client_for, household):
    account = make_account(household, "A", currency="USD")
    for i in range(12):
        make_txn(household, account, "expense", "1.00", date(2026, 3, 1 + i % 2))
    url = client_for.get("/api/v1/transactions/?page_size=5").json()["next"]
    with CaptureQueriesContext(connection) as queries:
        assert len(client_for.get(url).json()["results"]) == 5
    pages = [q["sql"] for q in queries.captured_queries if 'FROM "ledger_transaction"' in q["sql"]]
    assert len(pages) == 1
    assert "OFFSET" not in pages[0].upper()
