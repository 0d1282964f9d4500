"""Analytics endpoints against hand-computed values; fresh after every write; cached between writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.currency.services import rate_create
from finance.ledger.inputs import SplitInput
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(household):
    """A small household with every case that matters, in March and April 2026.

    USD checking (opening 1000), USD card, EUR account; EUR→USD 1.10 from 1 March.
    March: salary 3000; groceries 120; split 100 = 60 dining + 40 books; card expense 50 (dining);
           transfer 200 checking → card; excluded expense 999; EUR expense 10 (= 11.00 USD);
           EUR income 5 on 15 March (= 5.50).
    April: groceries 30 on 10 April.
    """
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.10"), date=date(2026, 3, 1))
    checking = make_account(household, "Checking", opening_balance=D("1000"))
    card = make_account(household, "Card", type="credit_card")
    eur = make_account(household, "Euro", currency="EUR")
    c = {name: category(household, name) for name in ("Salary", "Groceries", "Dining out", "Books")}
    make_txn(household, checking, "income", "3000", date(2026, 3, 1), category=c["Salary"])
    make_txn(household, checking, "expense", "120", date(2026, 3, 3), category=c["Groceries"])
    make_txn(
        household,
        checking,
        "expense",
        "100",
        date(2026, 3, 5),
        splits=[SplitInput(c["Dining out"], D("60")), SplitInput(c["Books"], D("40"))],
    )
    make_txn(household, card, "expense", "50", date(2026, 3, 7), category=c["Dining out"])
    make_txn(household, checking, "transfer", "200", date(2026, 3, 20), transfer_account=card)
    make_txn(household, checking, "expense", "999", date(2026, 3, 21), is_excluded=True)
    make_txn(household, eur, "expense", "10", date(2026, 3, 22))
    make_txn(household, eur, "income", "5", date(2026, 3, 15))
    make_txn(household, checking, "expense", "30", date(2026, 4, 10), category=c["Groceries"])
    return {"checking": checking, "card": card, "eur": eur, **c}


def test_summary_by_month(client_for, books):
    body = client_for.get("/api/v1/analytics/summary/?start_date=2026-03-01&end_date=2026-04-30").json()
    assert body["currency"] == "USD"
    assert body["results"] == [
        {"period": "2026-03", "income": "3005.50", "expense": "281.00", "net": "2724.50", "savings_rate": 0.9065},
        {"period": "2026-04", "income": "0.00", "expense": "30.00", "net": "-30.00", "savings_rate": None},
    ]
    assert body["unconverted"] == {"count": 0, "by_currency": {}}


def test_summary_partial_months_read_raw_rows(client_for, books):
    body = client_for.get("/api/v1/analytics/summary/?start_date=2026-03-04&end_date=2026-03-21").json()
    # 100 split + 50 card; the salary (1st), groceries (3rd), excluded and EUR rows (22nd) are outside or ignored.
    assert body["results"] == [
        {"period": "2026-03", "income": "5.50", "expense": "150.00", "net": "-144.50", "savings_rate": -26.2727}
    ]


def test_category_breakdown_counts_splits_and_ignores_transfers_and_excluded(client_for, books):
    body = client_for.get("/api/v1/analytics/categories/?start_date=2026-03-01&end_date=2026-03-31").json()
    rows = {(row["name"], row["total"], row["count"]) for row in body["results"]}
    assert body["total"] == "281.00"
    assert rows == {
        ("Groceries", "120.00", 1),
        ("Dining out", "110.00", 2),
        ("Books", "40.00", 1),
        ("Uncategorized", "11.00", 1),
    }
    groceries = next(row for row in body["results"] if row["name"] == "Groceries")
    assert groceries["share"] == round(120 / 281, 4)


def test_category_breakdown_rolls_up_to_top_level(client_for, books):
    body = client_for.get("/api/v1/analytics/categories/?start_date=2026-03-01&end_date=2026-03-31&level=top").json()
    rows = {row["name"]: row["total"] for row in body["results"]}
    assert rows == {"Food": "230.00", "Entertainment": "40.00", "Uncategorized": "11.00"}


def test_income_breakdown(client_for, books):
    body = client_for.get("/api/v1/analytics/categories/?start_date=2026-03-01&end_date=2026-03-31&type=income").json()
    assert {row["name"]: row["total"] for row in body["results"]} == {"Salary": "3000.00", "Uncategorized": "5.50"}


def test_cashflow_month_week_day(client_for, books):
    month = client_for.get("/api/v1/analytics/cashflow/?start_date=2026-03-01&end_date=2026-04-30").json()
    assert [(r["period"], r["net"]) for r in month["results"]] == [("2026-03", "2724.50"), ("2026-04", "-30.00")]
    day = client_for.get("/api/v1/analytics/cashflow/?start_date=2026-03-01&end_date=2026-03-07&interval=day").json()
    assert [(r["period"], r["income"], r["expense"]) for r in day["results"]] == [
        ("2026-03-01", "3000.00", "0.00"),
        ("2026-03-02", "0.00", "0.00"),
        ("2026-03-03", "0.00", "120.00"),
        ("2026-03-04", "0.00", "0.00"),
        ("2026-03-05", "0.00", "100.00"),
        ("2026-03-06", "0.00", "0.00"),
        ("2026-03-07", "0.00", "50.00"),
    ]
    week = client_for.get("/api/v1/analytics/cashflow/?start_date=2026-03-02&end_date=2026-03-15&interval=week").json()
    assert [(r["period"], r["expense"]) for r in week["results"]] == [("2026-03-02", "270.00"), ("2026-03-09", "0.00")]


def test_balance_household_and_account(client_for, books):
    body = client_for.get("/api/v1/analytics/balance/").json()
    # AN-1: income − expense, the excluded 999 and the transfer left out: 3005.50 − 311.00
    assert (body["balance"], body["income"], body["expense"], body["currency"]) == (
        "2694.50",
        "3005.50",
        "311.00",
        "USD",
    )
    assert body["transaction_count"] == 8
    assert (body["unconverted_transactions"], body["unconverted_currencies"]) == (0, [])
    card = client_for.get(f"/api/v1/analytics/balance/?account={books['card'].pk}").json()
    assert (card["balance"], card["expense"], card["transaction_count"]) == ("150.00", "50.00", 1)
    checking = client_for.get(f"/api/v1/analytics/balance/?account={books['checking'].pk}").json()
    # The running balance holds every transaction: 1000 + 3000 − 120 − 100 − 200 − 999 − 30 = 2551;
    # income, expense and count leave the excluded 999 out (the transfer is neither income nor expense).
    assert (checking["balance"], checking["income"], checking["expense"], checking["currency"]) == (
        "2551.00",
        "3000.00",
        "250.00",
        "USD",
    )
    assert checking["transaction_count"] == 5


def test_marking_an_expense_excluded_takes_it_out_of_every_analytics_figure(
    client_for, household, django_capture_on_commit_callbacks
):
    account = make_account(household, "Checking", opening_balance=D("1000"))
    groceries = category(household, "Groceries")
    make_txn(household, account, "income", "500", date(2026, 3, 2))
    make_txn(household, account, "expense", "200", date(2026, 3, 10), category=groceries)
    refund = make_txn(household, account, "expense", "80", date(2026, 3, 15), category=groceries)

    def figures() -> dict:
        get = client_for.get
        base = "/api/v1/analytics/"
        return {
            "household": {
                k: v for k, v in get(f"{base}balance/").json().items() if k not in {"as_of", "unconverted_currencies"}
            },
            "account": {k: v for k, v in get(f"{base}balance/?account={account.pk}").json().items() if k != "as_of"},
            "month": get(f"{base}summary/?start_date=2026-03-01&end_date=2026-03-31").json()["results"][0]["expense"],
            "partial": get(f"{base}summary/?start_date=2026-03-11&end_date=2026-03-20").json()["results"][0]["expense"],
            "categories": get(f"{base}categories/?start_date=2026-03-01&end_date=2026-03-31").json()["total"],
            "partial_categories": get(f"{base}categories/?start_date=2026-03-11&end_date=2026-03-20").json()["total"],
            "day": [
                r["expense"]
                for r in get(f"{base}cashflow/?start_date=2026-03-15&end_date=2026-03-15&interval=day").json()[
                    "results"
                ]
            ],
            "week": [
                r["expense"]
                for r in get(f"{base}cashflow/?start_date=2026-03-09&end_date=2026-03-15&interval=week").json()[
                    "results"
                ]
            ],
        }

    before = figures()
    assert before["household"] == {
        "balance": "220.00",
        "income": "500.00",
        "expense": "280.00",
        "currency": "USD",
        "transaction_count": 3,
        "unconverted_transactions": 0,
    }
    assert before["account"] == {
        "balance": "1220.00",
        "income": "500.00",
        "expense": "280.00",
        "currency": "USD",
        "transaction_count": 3,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for.patch(f"/api/v1/transactions/{refund.pk}/", {"is_excluded": True}, format="json")
    assert response.status_code == 200, response.content

    after = figures()
    assert after == {
        "household": {
            "balance": "300.00",
            "income": "500.00",
            "expense": "200.00",
            "currency": "USD",
            "transaction_count": 2,
            "unconverted_transactions": 0,
        },
        # The money really left the account: its balance keeps the 80; its income and expense do not.
        "account": {
            "balance": "1220.00",
            "income": "500.00",
            "expense": "200.00",
            "currency": "USD",
            "transaction_count": 2,
        },
        "month": "200.00",
        "partial": "0.00",
        "categories": "200.00",
        "partial_categories": "0.00",
        "day": ["0.00"],
        "week": ["200.00"],
    }
    assert verify(household.id) == []

    with django_capture_on_commit_callbacks(execute=True):
        client_for.patch(f"/api/v1/transactions/{refund.pk}/", {"is_excluded": False}, format="json")
    assert figures() == before
    assert verify(household.id) == []


def test_unconverted_currencies_of_the_household_balance_are_those_left_out(client_for, household):
    gbp = make_account(household, "Pounds", currency="GBP")
    make_txn(household, gbp, "expense", "12.00", date(2026, 3, 3))
    make_txn(household, gbp, "expense", "99.00", date(2026, 3, 4), is_excluded=True)
    body = client_for.get("/api/v1/analytics/balance/").json()
    assert (body["balance"], body["unconverted_transactions"], body["unconverted_currencies"]) == ("0.00", 1, ["GBP"])


def test_net_worth_by_month(client_for, books):
    body = client_for.get("/api/v1/analytics/net-worth/?start_date=2026-02-01&end_date=2026-04-30").json()
    assert body["results"] == [
        {"period": "2026-02", "assets": "1000.00", "liabilities": "0.00", "net_worth": "1000.00"},
        # checking 2581, EUR -5 (-5.50); card +150 (a liability account in credit: -150 owed)
        {"period": "2026-03", "assets": "2575.50", "liabilities": "-150.00", "net_worth": "2725.50"},
        {"period": "2026-04", "assets": "2545.50", "liabilities": "-150.00", "net_worth": "2695.50"},
    ]


def test_unconverted_amounts_are_reported_not_guessed(client_for, household):
    gbp = make_account(household, "Pounds", currency="GBP")
    make_txn(household, gbp, "expense", "12.00", date(2026, 3, 3))
    body = client_for.get("/api/v1/analytics/summary/?start_date=2026-03-01&end_date=2026-03-31").json()
    assert body["results"][0]["expense"] == "0.00"
    assert body["unconverted"] == {"count": 1, "by_currency": {"GBP": "12.00"}}
    balance = client_for.get("/api/v1/analytics/balance/").json()
    assert balance["unconverted_currencies"] == ["GBP"]
    assert balance["unconverted_transactions"] == 1


def test_every_write_is_visible_to_the_next_read(client_for, household, django_capture_on_commit_callbacks):
    account = make_account(household)
    url = "/api/v1/analytics/summary/?start_date=2026-03-01&end_date=2026-03-31"
    assert client_for.get(url).json()["results"][0]["expense"] == "0.00"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for.post(
            "/api/v1/transactions/",
            {"account": str(account.pk), "type": "expense", "amount": "7", "date": "2026-03-02"},
            format="json",
        )
    assert client_for.get(url).json()["results"][0]["expense"] == "7.00"
    with django_capture_on_commit_callbacks(execute=True):
        client_for.patch(f"/api/v1/transactions/{response.json()['id']}/", {"amount": "8"}, format="json")
    assert client_for.get(url).json()["results"][0]["expense"] == "8.00"
    with django_capture_on_commit_callbacks(execute=True):
        client_for.delete(f"/api/v1/transactions/{response.json()['id']}/")
    assert client_for.get(url).json()["results"][0]["expense"] == "0.00"


def test_cached_reads_do_not_touch_the_ledger(client_for, books):
    url = "/api/v1/analytics/categories/?start_date=2026-03-01&end_date=2026-03-31"
    with CaptureQueriesContext(connection) as cold:
        first = client_for.get(url).json()
    with CaptureQueriesContext(connection) as warm:
        second = client_for.get(url).json()
    assert first == second
    touched = " ".join(q["sql"] for q in warm.captured_queries)
    assert "ledger_" not in touched
    assert len(warm.captured_queries) < len(cold.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "balance/",
        "summary/?start_date=2025-01-01&end_date=2026-12-31",
        "categories/?start_date=2025-01-01&end_date=2026-12-31",
        "cashflow/?start_date=2026-01-01&end_date=2026-12-31",
        "net-worth/",
    ],
)
def test_analytics_query_counts_are_bounded(client_for, books, path):
    with CaptureQueriesContext(connection) as queries:
        assert client_for.get(f"/api/v1/analytics/{path}").status_code == 200
    assert len(queries.captured_queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_bad_parameters_are_field_errors(client_for, household):
    response = client_for.get("/api/v1/analytics/summary/?start_date=2026-05-01&end_date=2026-04-01")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "end_date"
    response = client_for.get("/api/v1/analytics/cashflow/?interval=hour")
    assert response.json()["errors"][0]["attr"] == "interval"
    response = client_for.get("/api/v1/analytics/balance/?account=00000000-0000-0000-0000-000000000000")
    assert response.json()["errors"][0]["attr"] == "account"


def test_outsider_household_is_404(roles):
    response = roles.client("outsider").get(f"/api/v1/analytics/summary/?household={roles.household.pk}")
    assert response.status_code == 404
    assert roles.client("viewer").get(f"/api/v1/analytics/summary/?household={roles.household.pk}").status_code == 200
    assert roles.client("anonymous").get("/api/v1/analytics/summary/").status_code == 401
