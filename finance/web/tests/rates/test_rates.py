"""The exchange-rate screen: the list and its pair filter, adding, editing and deleting with what each
converts again shown first, field errors that change nothing, and the roles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.audit.models import AuditAction, AuditEvent
from finance.currency import services as rates
from finance.currency.models import ExchangeRate
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(roles):
    """A USD household with a EUR account: three EUR expenses in March and April, one USD expense."""
    household = roles.household
    euro = make_account(household, "Travel", currency="EUR")
    checking = make_account(household, "Checking")
    rates.rate_create(
        household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.10"), date=date(2026, 3, 1)
    )
    rates.rate_create(
        household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.20"), date=date(2026, 4, 1)
    )
    rates.rate_create(
        household=household, actor=None, base="GBP", quote="USD", rate=Decimal("1.30"), date=date(2026, 3, 1)
    )
    txns = {
        "march_5": make_txn(household, euro, "expense", "100.00", date(2026, 3, 5)),
        "march_20": make_txn(household, euro, "expense", "50.00", date(2026, 3, 20)),
        "april_2": make_txn(household, euro, "expense", "10.00", date(2026, 4, 2)),
        "usd": make_txn(household, checking, "expense", "7.00", date(2026, 3, 6)),
    }
    march = ExchangeRate.objects.get(household=household, base="EUR", date=date(2026, 3, 1))
    return {"household": household, "euro": euro, "march": march, **txns}


def base_amount(txn: Transaction) -> Decimal:
    return Transaction.objects.get(pk=txn.pk).amount_in_base_currency


def test_list_shows_rates_newest_first_and_filters_by_pair(roles, books, web_client):
    page = web_client(roles.users["viewer"]).get("/app/household/rates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("1 EUR = 1.2 USD") < html.index("1 EUR = 1.1 USD")
    assert "1 GBP = 1.3 USD" in html
    assert "Add a rate" not in html  # viewers read only
    only_gbp = web_client(roles.users["viewer"]).get("/app/household/rates/?base=GBP&quote=USD").content.decode()
    assert "1 GBP = 1.3 USD" in only_gbp
    assert "1 EUR" not in only_gbp


def test_list_pages_keep_the_filter(roles, books, web_client, monkeypatch):
    monkeypatch.setattr("finance.web.rates.views.PAGE_SIZE", 1)
    first = web_client(roles.users["owner"]).get("/app/household/rates/?base=EUR").content.decode()
    assert "1 EUR = 1.2 USD" in first
    assert "Page 1 of 2" in first
    assert "?base=EUR&amp;page=2" in first
    second = web_client(roles.users["owner"]).get("/app/household/rates/?base=EUR&page=2").content.decode()
    assert "1 EUR = 1.1 USD" in second
    assert "1 GBP" not in second


def test_empty_list_offers_the_first_rate(roles, web_client):
    html = web_client(roles.users["owner"]).get("/app/household/rates/").content.decode()
    assert "No exchange rates yet" in html
    assert 'href="/app/household/rates/new/"' in html


def test_edit_shows_what_it_converts_again_then_really_converts(roles, books, web_client):
    client = web_client(roles.users["editor"])
    march = books["march"]
    assert base_amount(books["march_5"]) == Decimal("110.00")
    form = {"base": "EUR", "quote": "USD", "rate": "1.5", "date": "2026-03-01"}
    preview = client.post(f"/app/household/rates/{march.pk}/", form)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "This converts 2 transactions into USD again" in html
    assert "amounts in EUR from Mar 1, 2026 until the next rate, on Apr 1, 2026" in html
    assert "Travel" in html
    assert "Mar 5, 2026" in html
    assert "Mar 20, 2026" in html
    # Nothing changed yet.
    assert ExchangeRate.objects.get(pk=march.pk).rate == Decimal("1.10")
    assert base_amount(books["march_5"]) == Decimal("110.00")

    done = client.post(f"/app/household/rates/{march.pk}/", {**form, "confirm": "1"}, follow=True)
    assert "Rate saved. 2 transactions were converted again." in done.content.decode()
    assert ExchangeRate.objects.get(pk=march.pk).rate == Decimal("1.5")
    assert base_amount(books["march_5"]) == Decimal("150.00")
    assert base_amount(books["march_20"]) == Decimal("75.00")
    assert base_amount(books["april_2"]) == Decimal("12.00")  # the April rate still applies
    assert base_amount(books["usd"]) == Decimal("7.00")


def test_moving_a_rate_counts_the_days_it_leaves_and_the_days_it_takes(roles, books, web_client):
    client = web_client(roles.users["owner"])
    form = {"base": "EUR", "quote": "USD", "rate": "1.1", "date": "2026-03-10"}
    html = client.post(f"/app/household/rates/{books['march'].pk}/", form).content.decode()
    # 5 March loses its rate (none before 10 March); 20 March keeps the same value.
    assert "This converts 1 transaction into USD again" in html
    client.post(f"/app/household/rates/{books['march'].pk}/", {**form, "confirm": "1"})
    assert base_amount(books["march_5"]) is None
    assert base_amount(books["march_20"]) == Decimal("55.00")


def test_an_inverse_rate_counts_only_where_no_direct_rate_wins(roles, books, web_client):
    # 1 USD = 0.5 EUR on 20 March: EUR converts at 2 from then on, until the April rate.
    html = (
        web_client(roles.users["owner"])
        .post("/app/household/rates/new/", {"base": "USD", "quote": "EUR", "rate": "0.5", "date": "2026-03-20"})
        .content.decode()
    )
    assert "This converts 1 transaction into USD again" in html
    assert "amounts in EUR from Mar 20, 2026 until the next rate, on Apr 1, 2026" in html


def test_a_rate_that_converts_nothing_is_saved_at_once(roles, books, web_client):
    client = web_client(roles.users["owner"])
    response = client.post(
        "/app/household/rates/new/", {"base": "CHF", "quote": "USD", "rate": "1,2", "date": "2026-03-01"}
    )
    assert response.status_code == 400  # "1,2" is not an English number: a field error
    assert "Enter a rate such as 1.0852." in response.content.decode()
    assert not ExchangeRate.objects.filter(base="CHF").exists()
    done = client.post(
        "/app/household/rates/new/", {"base": "chf", "quote": "usd", "rate": "1.2", "date": "2026-03-01"}, follow=True
    )
    assert "Rate saved. 0 transactions were converted again." in done.content.decode()
    assert ExchangeRate.objects.get(base="CHF").quote == "USD"


def test_rates_typed_the_german_way(roles, books, web_client):
    owner = roles.users["owner"]
    owner.locale = "de_DE"
    owner.save(update_fields=["locale"])
    client = web_client(owner)
    form = client.get(f"/app/household/rates/{books['march'].pk}/").content.decode()
    assert 'value="1,1"' in form
    assert "Kurs bearbeiten" in form
    listing = client.get("/app/household/rates/").content.decode()
    assert "1 EUR = 1,2 USD" in listing
    assert "Wechselkurse" in listing
    preview = client.post(
        f"/app/household/rates/{books['march'].pk}/",
        {"base": "EUR", "quote": "USD", "rate": "1,5", "date": "2026-03-01"},
    ).content.decode()
    assert "Dadurch werden 2 Buchungen neu in USD umgerechnet:" in preview
    client.post("/app/household/rates/new/", {"base": "CHF", "quote": "USD", "rate": "1,25", "date": "2026-03-01"})
    assert ExchangeRate.objects.get(base="CHF").rate == Decimal("1.25")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"base": "EUR", "quote": "EUR"}, "quote", "The two currencies must be different."),
        ({"base": "XYZ"}, "base", "Not an ISO 4217 currency code."),
        ({"rate": "0"}, "rate", "Must be greater than zero."),
        ({"rate": "-1"}, "rate", "Must be greater than zero."),
        ({"date": "2026-04-01"}, "date", "There is already a rate for this pair on this day; edit that one."),
        ({"date": "not a day"}, "date", "Enter a valid date."),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(roles, books, web_client, values, field, message):
    before = list(ExchangeRate.objects.order_by("id").values_list("id", "base", "quote", "rate", "date"))
    form = {"base": "EUR", "quote": "USD", "rate": "1.3", "date": "2026-03-15", **values}
    response = web_client(roles.users["owner"]).post("/app/household/rates/new/", form)
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index(f'id="id_{field}_errors"') :]
    assert message in errors[: errors.index("</ul>")]
    assert list(ExchangeRate.objects.order_by("id").values_list("id", "base", "quote", "rate", "date")) == before
    assert base_amount(books["march_5"]) == Decimal("110.00")


def test_a_conversion_out_of_range_is_a_field_error_on_the_rate_and_changes_nothing(roles, books, web_client):
    make_txn(books["household"], books["euro"], "expense", "9000000000000.00", date(2026, 3, 7))
    form = {"base": "EUR", "quote": "USD", "rate": "900", "date": "2026-03-01", "confirm": "1"}
    response = web_client(roles.users["owner"]).post(f"/app/household/rates/{books['march'].pk}/", form)
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_rate_errors"') :]
    assert "outside the supported range" in errors[: errors.index("</ul>")]
    assert ExchangeRate.objects.get(pk=books["march"].pk).rate == Decimal("1.10")
    assert base_amount(books["march_5"]) == Decimal("110.00")


def test_delete_shows_what_it_converts_again_then_converts_and_is_audited(roles, books, web_client):
    client = web_client(roles.users["owner"])
    april = ExchangeRate.objects.get(household=books["household"], base="EUR", date=date(2026, 4, 1))
    page = client.get(f"/app/household/rates/{april.pk}/delete/").content.decode()
    assert "This converts 1 transaction into USD again" in page
    assert "amounts in EUR from Apr 1, 2026 on" in page
    assert ExchangeRate.objects.filter(pk=april.pk).exists()
    done = client.post(f"/app/household/rates/{april.pk}/delete/", follow=True)
    assert "Rate deleted. 1 transaction was converted again." in done.content.decode()
    assert not ExchangeRate.objects.filter(pk=april.pk).exists()
    assert base_amount(books["april_2"]) == Decimal("11.00")  # back to the March rate
    event = AuditEvent.objects.get(action=AuditAction.RATE_DELETE)
    assert event.actor_id == roles.users["owner"].pk
    assert event.changes["date"] == "2026-04-01"


@pytest.mark.parametrize("path", ["new/", "{pk}/", "{pk}/delete/"])
def test_viewers_cannot_change_rates(roles, books, web_client, path):
    url = "/app/household/rates/" + path.format(pk=books["march"].pk)
    client = web_client(roles.users["viewer"])
    assert client.get(url).status_code == 403
    response = client.post(url, {"base": "EUR", "quote": "USD", "rate": "9", "date": "2026-03-01", "confirm": "1"})
    assert response.status_code == 403
    assert ExchangeRate.objects.get(pk=books["march"].pk).rate == Decimal("1.10")
    assert ExchangeRate.objects.count() == 3


@pytest.mark.parametrize("path", ["{pk}/", "{pk}/delete/"])
def test_another_households_rate_is_not_found(roles, books, web_client, path):
    url = "/app/household/rates/" + path.format(pk=books["march"].pk)
    client = web_client(roles.users["outsider"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "1"}).status_code == 404
    assert ExchangeRate.objects.filter(pk=books["march"].pk).exists()
    assert "1 EUR" not in client.get("/app/household/rates/").content.decode()


def test_signed_out_visitors_go_to_sign_in(books, client):
    response = client.get("/app/household/rates/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
