"""Transactions through the API: shapes, validation, transfers, splits, tags, filters, pages, bulk."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finance.currency.services import rate_create
from finance.ledger.inputs import Categorization, SplitInput, TransactionInput
from finance.ledger.models import Account, Tag, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.users.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/transactions/"


@pytest.fixture
def account(household):
    return make_account(household, "Everyday", opening_balance=Decimal("100.00"))


def attrs(response) -> set[str]:
    return {e["attr"] for e in response.json()["errors"]}


def test_create_expense_returns_full_shape_and_moves_balance(client_for, user, household, account):
    groceries = category(household, "Groceries")
    response = client_for.post(
        URL,
        {
            "account": str(account.pk),
            "type": "expense",
            "amount": 42.5,
            "date": "2026-03-14",
            "category": str(groceries.pk),
            "payee": "  Green Grocer ",
            "tags": ["Family", "family", "weekly"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "42.50"
    assert body["currency"] == "USD"
    assert body["amount_in_base_currency"] == "42.50"
    assert body["exchange_rate"] == "1.000000000000"
    assert body["payee"] == "Green Grocer"
    assert body["tags"] == ["Family", "weekly"]
    assert body["category"] == str(groceries.pk)
    assert body["categorization"] == {"source": "user", "confidence": 1.0, "rule": None}
    assert body["created_by"] == str(user.pk)
    assert body["household"] == str(household.pk)
    assert body["splits"] == []
    account.refresh_from_db()
    assert account.balance == Decimal("57.50")
    assert Tag.objects.filter(household=household).count() == 2


def test_date_defaults_to_today(client_for, account):
    response = client_for.post(URL, {"account": str(account.pk), "type": "income", "amount": "1"}, format="json")
    assert response.json()["date"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "expense", "amount": "-5"}, "amount"),
        ({"type": "expense", "amount": "0"}, "amount"),
        ({"type": "expense", "amount": "1.234"}, "amount"),
        ({"type": "bogus", "amount": "1"}, "type"),
        ({"type": "transfer", "amount": "1"}, "transfer_account"),
        ({"type": "expense", "amount": "1", "category": "00000000-0000-0000-0000-000000000000"}, "category"),
        ({"type": "expense", "amount": "1", "transfer_amount": "1"}, "transfer_amount"),
    ],
)
def test_bad_input_is_field_error_and_changes_nothing(client_for, account, body, field):
    response = client_for.post(URL, {"account": str(account.pk), **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in attrs(response)
    assert not Transaction.objects.exists()
    account.refresh_from_db()
    assert account.balance == Decimal("100.00")


def test_income_category_on_expense_is_refused(client_for, household, account):
    response = client_for.post(
        URL,
        {
            "account": str(account.pk),
            "type": "expense",
            "amount": "3",
            "category": str(category(household, "Salary").pk),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "type_mismatch"


def test_another_households_account_or_category_is_not_found(client_for, household, account):
    foreign = MembershipFactory().household
    foreign_account = make_account(foreign, "Theirs")
    response = client_for.post(
        URL, {"account": str(foreign_account.pk), "type": "income", "amount": "1"}, format="json"
    )
    assert response.status_code == 400
    assert attrs(response) == {"account"}
    response = client_for.post(
        URL,
        {"account": str(account.pk), "type": "expense", "amount": "1", "category": str(category(foreign, "Coffee").pk)},
        format="json",
    )
    assert attrs(response) == {"category"}
    assert not Transaction.objects.exists()


def test_archived_account_takes_no_new_transactions(client_for, account):
    assert client_for.patch(f"/api/v1/accounts/{account.pk}/", {"is_active": False}, format="json").status_code == 200
    response = client_for.post(URL, {"account": str(account.pk), "type": "income", "amount": "1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "archived"


def test_transfer_between_accounts(client_for, household, account):
    savings = make_account(household, "Savings", type="savings")
    response = client_for.post(
        URL,
        {"account": str(account.pk), "type": "transfer", "amount": "30", "transfer_account": str(savings.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["transfer_amount"] == "30.00"
    savings.refresh_from_db()
    account.refresh_from_db()
    assert (account.balance, savings.balance) == (Decimal("70.00"), Decimal("30.00"))


def test_transfer_to_other_currency_without_rate_needs_received_amount(client_for, household, account):
    eur = make_account(household, "Euro", currency="EUR")
    body = {"account": str(account.pk), "type": "transfer", "amount": "30", "transfer_account": str(eur.pk)}
    response = client_for.post(URL, body, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"transfer_amount"}
    response = client_for.post(URL, {**body, "transfer_amount": "27.10"}, format="json")
    assert response.status_code == 201
    assert response.json()["transfer_amount"] == "27.10"


def test_splits_must_add_up(client_for, household, account):
    body = {
        "account": str(account.pk),
        "type": "expense",
        "amount": "100.00",
        "splits": [
            {"category": str(category(household, "Groceries").pk), "amount": "70.00"},
            {"category": str(category(household, "Household goods").pk), "amount": "20.00", "description": "soap"},
        ],
    }
    response = client_for.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "split_sum"
    body["splits"][1]["amount"] = "30.00"
    response = client_for.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    splits = response.json()["splits"]
    assert [(s["amount"], s["description"]) for s in splits] == [("70.00", ""), ("30.00", "soap")]
    assert response.json()["category"] is None


def test_patch_changes_amount_and_tags(client_for, household, account):
    txn = make_txn(household, account, "expense", "10", date(2026, 3, 1), tags=["a", "b"])
    response = client_for.patch(f"{URL}{txn.pk}/", {"amount": "15.00", "tags": ["b", "c"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "15.00"
    assert response.json()["tags"] == ["b", "c"]
    account.refresh_from_db()
    assert account.balance == Decimal("85.00")


def test_delete_restores_balance(client_for, household, account):
    txn = make_txn(household, account, "expense", "10", date(2026, 3, 1))
    assert client_for.delete(f"{URL}{txn.pk}/").status_code == 204
    account.refresh_from_db()
    assert account.balance == Decimal("100.00")


def test_filters(client_for, household, account):
    other = make_account(household, "Card", type="credit_card")
    food = category(household, "Food")
    make_txn(
        household, account, "expense", "10", date(2026, 1, 5), category=category(household, "Groceries"), payee="Aldi"
    )
    make_txn(
        household, account, "expense", "99", date(2026, 2, 5), category=category(household, "Dining out"), tags=["trip"]
    )
    make_txn(household, other, "income", "500", date(2026, 2, 10), payee="Employer", notes="bonus month")
    make_txn(household, other, "expense", "5", date(2026, 3, 1), is_pending=True)

    def payees(query: str) -> list[str]:
        response = client_for.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [row["amount"] for row in response.json()["results"]]

    assert payees("date_after=2026-02-01&date_before=2026-02-28") == ["500.00", "99.00"]
    assert payees("type=income") == ["500.00"]
    assert payees(f"account={other.pk}") == ["5.00", "500.00"]
    assert payees(f"category={food.pk}") == ["99.00", "10.00"]  # subcategories included
    assert payees("tag=TRIP") == ["99.00"]
    assert payees("payee=ald") == ["10.00"]
    assert payees("min_amount=10&max_amount=99") == ["99.00", "10.00"]
    assert payees("search=bonus") == ["500.00"]
    assert payees("is_pending=true") == ["5.00"]
    assert payees("ordering=amount") == ["5.00", "10.00", "99.00", "500.00"]
    assert payees("ordering=-amount") == ["500.00", "99.00", "10.00", "5.00"]


def test_category_filter_matches_splits(client_for, household, account):
    make_txn(
        household,
        account,
        "expense",
        "10",
        date(2026, 1, 1),
        splits=[
            SplitInput(category(household, "Coffee"), Decimal("4")),
            SplitInput(category(household, "Books"), Decimal("6")),
        ],
    )
    response = client_for.get(f"{URL}?category={category(household, 'Books').pk}")
    assert [row["amount"] for row in response.json()["results"]] == ["10.00"]


def test_keyset_pages_cover_everything_once_in_order(client_for, household, account):
    from finance.ledger.services import transaction_bulk_create

    items = [
        {
            "account": account,
            "type": "expense",
            "amount": Decimal(i + 1),
            "date": date(2026, 1, 1) + timedelta(days=i % 7),
        }
        for i in range(23)
    ]
    transaction_bulk_create(household=household, actor=None, items=[TransactionInput(**item) for item in items])
    seen: list[str] = []
    url = f"{URL}?page_size=5"
    while url:
        body = client_for.get(url).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 23
    expected = list(
        Transaction.objects.filter(household=household)
        .order_by("-date", "-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert seen == [str(pk) for pk in expected]


def test_page_size_is_capped(client_for, household, account):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from finance.ledger.api.views import TransactionPagination

    request = Request(APIRequestFactory().get(f"{URL}?page_size=100000"))
    assert TransactionPagination().get_page_size(request) == 500
    assert client_for.get(f"{URL}?page_size=100000").status_code == 200


def test_list_query_count_does_not_grow_with_rows(client_for, household, account):
    for i in range(3):
        make_txn(
            household, account, "expense", "1", date(2026, 1, 1 + i), tags=["x"], category=category(household, "Coffee")
        )
    client_for.get(URL)  # warm the per-session caches of authentication
    with CaptureQueriesContext(connection) as few:
        assert client_for.get(URL).status_code == 200
    for i in range(20):
        make_txn(household, account, "expense", "1", date(2026, 2, 1 + i), tags=["x", f"t{i}"])
    with CaptureQueriesContext(connection) as many:
        assert len(client_for.get(URL).json()["results"]) == 23
    assert len(many.captured_queries) == len(few.captured_queries) <= 6


def _statements(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.json()


def test_a_list_page_makes_the_same_statements_whatever_its_size_or_depth(client_for, household, account):
    coffee, books = category(household, "Coffee"), category(household, "Books")
    for i in range(40):
        splits = [SplitInput(coffee, Decimal("4")), SplitInput(books, Decimal("6"))] if i % 4 == 0 else []
        make_txn(
            household, account, "expense", "10", date(2026, 1, 1 + i % 9), tags=[f"t{i % 3}"] * (i % 2), splits=splits
        )
    client_for.get(URL)  # warm the per-session caches of authentication
    first, body = _statements(client_for, f"{URL}?page_size=3")
    assert len(body["results"]) == 3
    for _ in range(4):
        body = client_for.get(body["next"]).json()
    deep, body = _statements(client_for, body["next"])
    assert len(body["results"]) == 3
    whole, body = _statements(client_for, f"{URL}?page_size=500")
    assert len(body["results"]) == 40
    assert first == deep == whole
    with CaptureQueriesContext(connection) as queries:
        client_for.get(URL)
    # The page, its splits, its tags: nothing per row, no count.
    assert len([q for q in queries.captured_queries if '"ledger_' in q["sql"]]) == 3


def test_a_list_row_is_what_reading_that_transaction_shows(client_for, household, account):
    travel = make_account(household, "Travel", "EUR")
    yen = make_account(household, "Yen", "JPY")
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.0842"), date=date(2026, 1, 1))
    coffee, books = category(household, "Coffee"), category(household, "Books")
    make_txn(household, account, amount="12.30", on=date(2026, 3, 2), category=coffee, payee="Shop", tags=["b", "a"])
    make_txn(
        household,
        account,
        amount="100.00",
        on=date(2026, 3, 3),
        splits=[SplitInput(coffee, Decimal("60.00"), "beans"), SplitInput(books, Decimal("40.00"))],
        is_pending=True,
        posted_date=date(2026, 3, 5),
    )
    make_txn(household, travel, amount="50.00", on=date(2026, 3, 4), category=books, is_excluded=True)
    make_txn(household, yen, amount="1200", on=date(2026, 3, 4), category=books)  # no JPY rate: unconverted
    make_txn(
        household,
        account,
        type="transfer",
        amount="108.42",
        on=date(2026, 3, 6),
        transfer_account=travel,
        transfer_amount=Decimal("100.00"),
    )
    make_txn(household, account, type="income", amount="2500.00", on=date(2026, 3, 1), reference_number="PAY-1")
    make_txn(
        household,
        account,
        amount="98765432109.87",
        on=date(2026, 3, 7),
        splits=[SplitInput(coffee, Decimal("12345678901.23")), SplitInput(books, Decimal("86419753208.64"))],
    )
    rows = client_for.get(URL).json()["results"]
    assert len(rows) == 7
    for row in rows:
        assert row == client_for.get(f"{URL}{row['id']}/").json()
    by_payee = {row["payee"]: row for row in rows}
    assert by_payee["Shop"]["tags"] == ["a", "b"]
    assert by_payee["Shop"]["amount_in_base_currency"] == "12.30"
    assert [split["amount"] for split in rows[0]["splits"]] == ["12345678901.23", "86419753208.64"]


def test_bulk_create_is_all_or_nothing(client_for, household, account):
    good = {"account": str(account.pk), "type": "expense", "amount": "1.00", "date": "2026-01-01"}
    response = client_for.post(
        f"{URL}bulk/", {"transactions": [good, {**good, "amount": "-3"}, good, {**good, "type": "x"}]}, format="json"
    )
    assert response.status_code == 400
    assert {"transactions.1.amount", "transactions.3.type"} <= attrs(response)
    assert not Transaction.objects.exists()
    response = client_for.post(f"{URL}bulk/", {"transactions": [good] * 3}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    account.refresh_from_db()
    assert account.balance == Decimal("97.00")


def test_bulk_service_errors_name_the_row(client_for, household, account):
    good = {"account": str(account.pk), "type": "expense", "amount": "1.00"}
    response = client_for.post(
        f"{URL}bulk/",
        {"transactions": [good, {**good, "category": str(category(household, "Salary").pk)}]},
        format="json",
    )
    assert response.status_code == 400
    assert attrs(response) == {"transactions.1.category"}
    assert not Transaction.objects.exists()


def test_bulk_limit(client_for, account):
    item = {"account": str(account.pk), "type": "expense", "amount": "1.00"}
    response = client_for.post(f"{URL}bulk/", {"transactions": [item] * 1001}, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"transactions"}
    assert not Transaction.objects.exists()


def test_idempotent_create_records_once(client_for, account):
    body = {"account": str(account.pk), "type": "expense", "amount": "9.99"}
    first = client_for.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    second = client_for.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.json() == second.json()
    assert Transaction.objects.count() == 1
    account.refresh_from_db()
    assert account.balance == Decimal("90.01")


def test_failure_mid_write_leaves_nothing(client_for, household, account, monkeypatch):
    from finance.ledger import effects

    def explode(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(effects.LedgerDelta, "apply", explode)
    client_for.raise_request_exception = False
    response = client_for.post(
        URL, {"account": str(account.pk), "type": "expense", "amount": "5", "tags": ["t"]}, format="json"
    )
    assert response.status_code == 500
    assert not Transaction.objects.exists()
    assert not Tag.objects.exists()
    assert Account.objects.get(pk=account.pk).balance == Decimal("100.00")


def test_editing_the_payee_keeps_how_the_category_was_chosen(client_for, household, account):
    from finance.ledger import services

    txn = services.transaction_create(
        household=household,
        actor=None,
        data=TransactionInput(
            account=account,
            type="expense",
            amount=Decimal("5"),
            category=category(household, "Coffee"),
            categorization=Categorization(source="model", confidence=Decimal("0.61"), needs_review=True),
        ),
    )
    body = client_for.patch(f"{URL}{txn.pk}/", {"payee": "Blue Bottle"}, format="json").json()
    assert body["categorization"]["source"] == "model"
    assert body["needs_review"] is True
    body = client_for.patch(
        f"{URL}{txn.pk}/", {"category": str(category(household, "Groceries").pk)}, format="json"
    ).json()
    assert (body["categorization"]["source"], body["needs_review"]) == ("user", False)


def test_a_create_answers_what_a_read_shows_without_reading_it_back(client_for, household, account):
    groceries, dining = category(household, "Groceries"), category(household, "Dining out")
    euro = make_account(household, "Travel", "EUR")
    rate = client_for.post(
        "/api/v1/exchange-rates/",
        {"base": "EUR", "quote": "USD", "rate": "1.0842", "date": "2026-01-01"},
        format="json",
    )
    assert rate.status_code == 201, rate.content
    bodies: list[dict[str, object]] = [
        {"type": "expense", "amount": "42.50", "category": str(groceries.pk), "tags": ["Weekly", "family"]},
        {
            "type": "expense",
            "amount": "100",
            "splits": [
                {"category": str(groceries.pk), "amount": "60.25", "description": "food"},
                {"category": str(dining.pk), "amount": "39.75"},
            ],
            "is_pending": True,
            "posted_date": "2026-03-16",
        },
        {"type": "transfer", "amount": "108.42", "transfer_account": str(euro.pk), "transfer_amount": "100"},
        {"type": "income", "amount": "2500", "payee": "Employer"},  # no category: the pipeline decides
    ]
    for extra in bodies:
        with CaptureQueriesContext(connection) as ctx:
            created = client_for.post(URL, {"account": str(account.pk), "date": "2026-03-14", **extra}, format="json")
        assert created.status_code == 201, created.content
        read_back = [
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "ledger_split" in q["sql"]
        ]
        assert read_back == []
        shown = client_for.get(f"{URL}{created.json()['id']}/")
        assert created.json() == shown.json()
