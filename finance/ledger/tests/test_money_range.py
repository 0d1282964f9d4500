"""The supported range of money (issue #17, items 1 and 3): what both databases store exactly, refused on the field
everywhere a value comes in, conversions and aggregates kept inside it, and nothing changed by a refusal."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.budgets.models import Budget
from finance.core.exceptions import FieldError
from finance.core.money import AGGREGATE_LIMIT, MONEY_LIMIT, amount_problem, converted_problem, rate_problem
from finance.currency.models import ExchangeRate
from finance.currency.services import rate_create
from finance.households.models import Household
from finance.ledger import services
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Account, AccountMonthly, CategoryMonthly, MonthlySummary, Transaction
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify
from finance.users.tests.factories import HouseholdFactory, MembershipFactory

pytestmark = pytest.mark.django_db

LARGEST = Decimal("9999999999999.99")  # 15 significant digits, just below MONEY_LIMIT
DAY = date(2026, 3, 10)


def errors(response: Any) -> list[tuple[str, str, str]]:
    body = response.json()
    assert body["type"] == "validation_error", body
    return [(e["attr"], e["code"], e["detail"]) for e in body["errors"]]


def snapshot(household: Household) -> dict[str, Any]:
    """Everything a refused money write could have touched."""
    return {
        "transactions": sorted(Transaction.objects.filter(household=household).values_list("id", "amount")),
        "balances": sorted(Account.objects.filter(household=household).values_list("id", "balance")),
        "account_months": sorted(
            AccountMonthly.objects.filter(household=household).values_list("account_id", "month", "income", "expense")
        ),
        "months": sorted(MonthlySummary.objects.filter(household=household).values_list("month", "income", "expense")),
        "categories": sorted(
            CategoryMonthly.objects.filter(household=household).values_list("month", "category_key", "total")
        ),
        "rates": sorted(ExchangeRate.objects.filter(household=household).values_list("id", "rate")),
    }


@pytest.fixture
def account(household: Household) -> Account:
    return make_account(household, "Everyday", currency="USD")


def post_txn(client: Any, account: Account, amount: Any, **extra: Any) -> Any:
    body = {"account": str(account.pk), "type": "expense", "amount": amount, "date": DAY.isoformat(), **extra}
    return client.post("/api/v1/transactions/", body, format="json")


# --- The rule ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("999999999999999999.99", "max_value"),
        ("10000000000000.01", "max_value"),
        ("10000000000000", "max_value"),
        ("-10000000000000", "max_value"),
        ("123456789012.3456", "max_digits"),  # 16 significant digits: a float keeps 15
        ("0.00000000001", "max_decimal_places"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
    ],
)
def test_values_outside_the_range_have_a_reason(value, code):
    problem = amount_problem(Decimal(value))
    assert problem is not None
    assert problem.code == code


@pytest.mark.parametrize("value", ["9999999999999.99", "-9999999999999.99", "0.0000000001", "1E+12", "0", "12.50"])
def test_values_inside_the_range_are_accepted(value):
    assert amount_problem(Decimal(value)) is None


@settings(max_examples=400, deadline=None)
@given(
    st.decimals(allow_nan=True, allow_infinity=True, places=None)
    | st.builds(
        lambda digits, exponent: Decimal((0, digits, exponent)),
        st.tuples(*[st.integers(0, 9)] * 3) | st.lists(st.integers(0, 9), min_size=1, max_size=20).map(tuple),
        st.integers(-14, 14),
    ),
    st.sampled_from([None, "USD", "JPY", "BHD", "XXX"]),
)
def test_the_quick_answer_for_plain_amounts_is_the_full_checks_answer(value, currency):
    """amount_problem answers plain amounts without the full checks; every answer is theirs."""
    from finance.core.money import _amount_problem

    quick, full = amount_problem(value, currency), _amount_problem(value, currency)
    assert (quick and (quick.code, quick.message)) == (full and (full.code, full.message))


def test_a_currency_narrows_the_decimal_places():
    problem = amount_problem(Decimal("1.005"), "USD")
    assert problem is not None
    assert (problem.code, problem.message) == ("max_decimal_places", "USD amounts have at most 2 decimal places.")
    assert amount_problem(Decimal("1.005"), "BHD") is None


def test_rates_and_converted_amounts():
    assert rate_problem(Decimal("0")).code == "min_value"
    assert rate_problem(Decimal("1e12")).code == "max_value"
    assert rate_problem(Decimal("1.0000000000001")).code == "max_decimal_places"
    assert rate_problem(Decimal("0.000000000001")) is None
    # A converted amount only has to be small enough: its digits are the app's own rounding.
    assert converted_problem(Decimal("1234567.8912345678")) is None
    assert converted_problem(MONEY_LIMIT).code == "max_value"


# --- Item 1: one amount no longer bricks a household --------------------------------------------------------------


def test_an_amount_past_the_range_is_refused_and_the_household_stays_readable(client_for, household, account):
    make_txn(household, account, "expense", "12.34", DAY)
    before = snapshot(household)
    response = post_txn(client_for, account, "999999999999999999.99")
    assert response.status_code == 400
    assert errors(response) == [("amount", "max_value", "Amounts must be less than 10000000000000 in absolute value.")]
    assert snapshot(household) == before
    for url in (
        "/api/v1/transactions/",
        "/api/v1/accounts/",
        "/api/v1/analytics/balance/",
        "/api/v1/analytics/summary/?start_date=2026-01-01&end_date=2026-12-31",
    ):
        assert client_for.get(url).status_code == 200, url
    assert verify(household.id) == []


def test_an_amount_sqlite_would_round_is_refused_not_rounded(client_for, household, account):
    before = snapshot(household)
    response = post_txn(client_for, account, "1000000000000.001")
    assert response.status_code == 400
    assert errors(response)[0][:2] == ("amount", "max_digits")
    response = post_txn(client_for, account, "10000000000000.01")
    assert errors(response)[0][:2] == ("amount", "max_value")
    assert snapshot(household) == before


def test_the_largest_amount_reads_back_exactly_everywhere(client_for, household, account):
    response = post_txn(client_for, account, str(LARGEST))
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "9999999999999.99"
    txn = Transaction.objects.get(pk=response.json()["id"])
    assert txn.amount == LARGEST
    assert client_for.get(f"/api/v1/transactions/{txn.pk}/").json()["amount"] == "9999999999999.99"
    assert client_for.get("/api/v1/transactions/").json()["results"][0]["amount"] == "9999999999999.99"
    account.refresh_from_db()
    assert account.balance == -LARGEST
    assert MonthlySummary.objects.get(household=household).expense == LARGEST
    assert client_for.get(f"/api/v1/analytics/balance/?account={account.pk}").json()["balance"] == "-9999999999999.99"
    assert verify(household.id) == []
    # And it can be deleted like any other.
    assert client_for.delete(f"/api/v1/transactions/{txn.pk}/").status_code == 204
    account.refresh_from_db()
    assert account.balance == 0


def test_opening_balances_rates_and_budgets_follow_the_same_rule(client_for, household, account):
    before = snapshot(household)
    response = client_for.patch(f"/api/v1/accounts/{account.pk}/", {"opening_balance": "-1e13"}, format="json")
    assert errors(response)[0][:2] == ("opening_balance", "max_value")
    response = client_for.post(
        "/api/v1/accounts/", {"name": "Big", "currency": "USD", "opening_balance": "0.12345678901234567"}, format="json"
    )
    assert errors(response)[0][:2] == ("opening_balance", "max_decimal_places")
    response = client_for.post(
        "/api/v1/exchange-rates/",
        {"base": "EUR", "quote": "USD", "rate": "1234567890123", "date": "2026-03-01"},
        format="json",
    )
    assert errors(response)[0][:2] == ("rate", "max_value")
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": "Huge",
            "period": "monthly",
            "start_date": "2026-01-01",
            "lines": [{"category": str(category(household, "Groceries").pk), "amount": "1e15"}],
        },
        format="json",
    )
    assert errors(response)[0][:2] == ("lines.0.amount", "max_value")
    assert snapshot(household) == before
    assert not Budget.objects.filter(household=household).exists()
    assert Account.objects.filter(household=household).count() == 1


def test_services_refuse_what_a_form_or_tool_would_pass_them(household, account):

    before = snapshot(household)
    with pytest.raises(FieldError) as refused:
        services.account_update(account=account, actor=None, opening_balance=Decimal("12345678901234.5"))
    assert refused.value.get_codes() == {"opening_balance": ["max_value"]}
    with pytest.raises(FieldError) as refused:
        make_txn(household, account, "income", Decimal("1234567890.123456"), DAY)
    assert refused.value.get_codes() == {"amount": ["max_digits"]}
    with pytest.raises(FieldError) as refused:
        rate_create(household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1e13"), date=DAY)
    assert refused.value.get_codes() == {"rate": ["max_value"]}
    assert snapshot(household) == before


def test_the_web_form_says_so_next_to_the_field(user, household, account):
    web = Client()
    web.force_login(user)
    before = snapshot(household)
    response = web.post(
        "/app/transactions/new/",
        {
            "type": "expense",
            "date": DAY.isoformat(),
            "amount": "99999999999999",
            "account": account.pk,
            "splits-TOTAL_FORMS": "0",
            "splits-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_amount_errors"' in page
    assert "This value is too large." in page
    response = web.post(
        f"/app/accounts/{account.pk}/",
        {"name": "Everyday", "type": "checking", "currency": "USD", "opening_balance": "-12345678901234567"},
    )
    assert "This value is too large." in response.content.decode()
    assert snapshot(household) == before


# --- Item 3: conversion overflow ----------------------------------------------------------------------------------


@pytest.fixture
def euro(household: Household) -> Account:
    return make_account(household, "Euro account", currency="EUR")


def test_an_amount_whose_conversion_leaves_the_range_is_refused(client_for, household, euro):
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=Decimal("100000000000"), date=DAY)
    before = snapshot(household)
    response = post_txn(client_for, euro, "1000.00")
    assert response.status_code == 400
    [(attr, code, detail)] = errors(response)
    assert (attr, code) == ("amount", "max_value")
    assert detail.startswith("Converted to USD at 100000000000")
    assert snapshot(household) == before
    assert post_txn(client_for, euro, "10.00").status_code == 201  # 10^12: inside


def test_a_rate_whose_conversions_leave_the_range_is_refused_and_nothing_is_stuck(client_for, household, euro):
    txn = make_txn(household, euro, "expense", "9999999999.00", DAY)  # no rate yet: unconverted
    before = snapshot(household)
    response = client_for.post(
        "/api/v1/exchange-rates/", {"base": "EUR", "quote": "USD", "rate": "10000", "date": "2026-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert errors(response)[0][:2] == ("rate", "max_value")
    assert snapshot(household) == before
    txn.refresh_from_db()
    assert txn.amount_in_base_currency is None
    # Other rates of the pair, and of other pairs, are still taken.
    for body in (
        {"base": "EUR", "quote": "USD", "rate": "1.0837", "date": "2026-03-01"},
        {"base": "GBP", "quote": "USD", "rate": "1.27", "date": "2026-03-01"},
    ):
        assert client_for.post("/api/v1/exchange-rates/", body, format="json").status_code == 201
    txn.refresh_from_db()
    assert txn.amount_in_base_currency == Decimal("10836999998.9163000000")
    # An update that would overflow is refused the same way and leaves the stored rate.
    rate = ExchangeRate.objects.get(household=household, base="EUR")
    response = client_for.patch(f"/api/v1/exchange-rates/{rate.pk}/", {"rate": "5000"}, format="json")
    assert errors(response)[0][:2] == ("rate", "max_value")
    rate.refresh_from_db()
    assert rate.rate == Decimal("1.0837")
    assert verify(household.id) == []


def test_a_base_currency_change_whose_conversions_leave_the_range_is_refused(client_for, household, account):
    make_txn(household, account, "expense", "999999999999.00", DAY)  # 1.5·10^14 yen
    rate_create(household=household, actor=None, base="USD", quote="JPY", rate=Decimal("150"), date=DAY)
    before = snapshot(household)
    response = client_for.patch(f"/api/v1/households/{household.pk}/", {"base_currency": "JPY"}, format="json")
    assert response.status_code == 400
    assert errors(response)[0][:2] == ("base_currency", "max_value")
    household.refresh_from_db()
    assert household.base_currency == "USD"
    assert snapshot(household) == before


# --- Aggregates stay inside what the columns hold -----------------------------------------------------------------


def bulk(household: Household, account: Account, count: int, kind: str = "expense") -> list[Transaction]:
    items = [TransactionInput(account=account, type=kind, amount=LARGEST, date=DAY) for _ in range(count)]
    return services.transaction_bulk_create(household=household, actor=None, items=items)


def test_a_balance_past_the_aggregate_limit_is_refused_and_changes_nothing(client_for, household, account):
    bulk(household, account, 100)  # 10^15 − 1.00: just inside
    account.refresh_from_db()
    assert abs(account.balance) < AGGREGATE_LIMIT
    before = snapshot(household)
    response = post_txn(client_for, account, "1.00")
    assert response.status_code == 400
    assert errors(response)[0][:2] == ("amount", "max_value")
    assert snapshot(household) == before
    # A write that moves it back is fine, and the books still add up.
    assert post_txn(client_for, account, "5.00", type="income").status_code == 201
    assert verify(household.id) == []


def test_a_monthly_sum_past_the_limit_is_refused_even_when_each_balance_fits(household, account):

    other = make_account(household, "Second", currency="USD")
    bulk(household, account, 60)
    before = snapshot(household)
    with pytest.raises(FieldError) as refused:
        bulk(household, other, 60)  # each account holds 6·10^14, the month's expenses would be 1.2·10^15
    assert refused.value.get_codes() == {"transactions": ["max_value"]}
    assert snapshot(household) == before


def test_a_bulk_whose_sum_alone_is_past_the_limit_is_refused(household, account):

    before = snapshot(household)
    with pytest.raises(FieldError) as refused:
        bulk(household, account, 101)
    assert refused.value.get_codes() == {"transactions": ["max_value"]}
    assert snapshot(household) == before


# --- verify_ledger ------------------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite could store such a value")
def test_verify_ledger_reports_an_unreadable_household_and_checks_the_others(household, account):
    """Rows written before the range was enforced: the command names that household and goes on."""
    make_txn(household, account, "expense", "10.00", DAY)
    healthy = HouseholdFactory()
    MembershipFactory(household=healthy)
    make_txn(healthy, make_account(healthy, "Fine", currency="USD"), "income", "5.00", DAY)
    with connection.cursor() as cursor:
        for table, column in (("ledger_transaction", "amount"), ("ledger_account", "balance")):
            cursor.execute(
                f"UPDATE {table} SET {column} = 999999999999999999.99 WHERE household_id = %s",  # noqa: S608
                [household.id.hex],
            )
    out = io.StringIO()
    with pytest.raises(Exception, match="2 households in") as failed:
        call_command("verify_ledger", stdout=out)
    assert "1 with differences" in str(failed.value)
    assert f"{household.id} (" in out.getvalue()
    assert "cannot be verified" in out.getvalue()
