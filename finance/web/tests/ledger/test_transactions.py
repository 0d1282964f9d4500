"""The transaction pages: filters, keyset pages, forms with splits and transfers, inline and bulk edits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category, make_txn
from finance.ledger.verify import verify

pytestmark = pytest.mark.django_db


def form_data(**values):
    """A complete transaction form (two empty split rows unless splits are given)."""
    splits = values.pop("splits", [])
    data = {
        "type": "expense",
        "date": "2026-04-02",
        "amount": "",
        "account": "",
        "category": "",
        "transfer_account": "",
        "transfer_amount": "",
        "payee": "",
        "description": "",
        "notes": "",
        "tags": "",
        **values,
    }
    rows = [*splits, {}, {}]
    data["splits-TOTAL_FORMS"] = str(len(rows))
    data["splits-INITIAL_FORMS"] = "0"
    for i, row in enumerate(rows):
        for name in ("category", "amount", "description"):
            data[f"splits-{i}-{name}"] = str(row.get(name, ""))
    return data


def test_create_expense_with_splits_and_tags(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    household = roles.household
    data = form_data(
        amount="100.00",
        account=ledger["checking"].pk,
        payee="Market",
        tags="Trip, food",
        splits=[
            {"category": category(household, "Groceries").pk, "amount": "60.00"},
            {"category": category(household, "Clothing").pk, "amount": "40.00", "description": "socks"},
        ],
    )
    response = editor.post(reverse("web:transaction-create"), data)
    assert response.status_code == 302, response.content.decode()
    txn = Transaction.objects.get(payee="Market")
    assert txn.amount == Decimal("100")
    assert txn.category is None
    assert [(s.category.name, s.amount, s.description) for s in txn.splits.order_by("position")] == [
        ("Groceries", Decimal("60"), ""),
        ("Clothing", Decimal("40"), "socks"),
    ]
    assert sorted(t.name for t in txn.tags.all()) == ["Trip", "food"]
    assert verify(household.id) == []


def test_splits_that_do_not_add_up_are_reported_on_the_form(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    household = roles.household
    data = form_data(
        amount="100.00",
        account=ledger["checking"].pk,
        payee="Market",
        splits=[{"category": category(household, "Groceries").pk, "amount": "60.00"}, {"amount": "5"}],
    )
    response = editor.post(reverse("web:transaction-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a category for this part." in page
    data["splits-1-category"] = str(category(household, "Clothing").pk)
    page = editor.post(reverse("web:transaction-create"), data).content.decode()
    assert "The split amounts must add up to the transaction" in page
    assert not Transaction.objects.filter(payee="Market").exists()


def test_the_tag_cap_is_shown_on_the_tags_field(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    data = form_data(
        amount="5.00", account=ledger["checking"].pk, payee="Market", tags=", ".join(f"t{i}" for i in range(51))
    )
    response = editor.post(reverse("web:transaction-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_tags_errors"' in page
    assert "There are too many of these; remove some." in page
    assert not Transaction.objects.filter(payee="Market").exists()


def test_field_errors_sit_next_to_their_fields(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    response = editor.post(reverse("web:transaction-create"), form_data(amount="12.345", account=ledger["checking"].pk))
    page = response.content.decode()
    assert 'id="id_amount_errors"' in page
    assert "Too many decimal places for this currency." in page
    assert 'aria-invalid="true"' in page
    response = editor.post(reverse("web:transaction-create"), form_data(amount="abc", account=ledger["checking"].pk))
    assert "Enter an amount such as 1234.56." in response.content.decode()


def test_create_transfer_and_edit_it(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    checking, savings = ledger["checking"], ledger["savings"]
    data = form_data(
        type="transfer",
        amount="250",
        account=checking.pk,
        transfer_account=savings.pk,
        payee="Monthly saving",
        category=category(roles.household, "Groceries").pk,  # ignored for transfers
    )
    assert editor.post(reverse("web:transaction-create"), data).status_code == 302
    txn = Transaction.objects.get(payee="Monthly saving")
    assert (txn.type, txn.transfer_account, txn.transfer_amount, txn.category) == (
        "transfer",
        savings,
        Decimal("250"),
        None,
    )
    page = editor.get(reverse("web:transaction-edit", args=[txn.pk])).content.decode()
    assert 'value="250.00"' in page
    data["amount"] = "275.50"
    data["transfer_amount"] = ""
    assert editor.post(reverse("web:transaction-edit", args=[txn.pk]), data).status_code == 302
    savings.refresh_from_db()
    assert savings.balance == Decimal("300") + Decimal("275.50")
    assert verify(roles.household.id) == []


def test_delete_asks_then_deletes(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    txn = ledger["coffee"]
    assert "Delete “Cafe Blue”?" in editor.get(reverse("web:transaction-delete", args=[txn.pk])).content.decode()
    assert Transaction.objects.filter(pk=txn.pk).exists()
    editor.post(reverse("web:transaction-delete", args=[txn.pk]))
    assert not Transaction.objects.filter(pk=txn.pk).exists()
    assert verify(roles.household.id) == []


def test_list_uses_the_shared_filters(roles, ledger, web_client):
    owner = web_client(roles.users["owner"])
    url = reverse("web:transactions")
    food = category(roles.household, "Food")  # parent of Groceries: subcategories count
    page = owner.get(url, {"category": food.pk}).content.decode()
    assert "Corner Shop" in page
    assert "Cafe Blue" not in page
    page = owner.get(url, {"search": "cafe"}).content.decode()
    assert "Cafe Blue" in page
    assert "Corner Shop" not in page
    page = owner.get(url, {"account": ledger["savings"].pk}).content.decode()  # either side of a transfer
    assert "Savings" in page
    assert "Corner Shop" not in page
    page = owner.get(url, {"min_amount": "40", "type": "expense"}).content.decode()
    assert "Corner Shop" in page
    assert "Cafe Blue" not in page


def test_the_search_box_speaks_the_search_language(roles, ledger, web_client):
    owner = web_client(roles.users["owner"])
    url = reverse("web:transactions")
    page = owner.get(url, {"q": "category:Food -cafe"}).content.decode()
    assert "Corner Shop" in page
    assert "Cafe Blue" not in page
    assert 'value="category:Food -cafe"' in page  # the query stays in the box
    page = owner.get(url, {"q": "cafe OR payee:corner"}).content.decode()
    assert "Corner Shop" in page
    assert "Cafe Blue" in page


def test_a_search_it_cannot_read_is_said_at_the_box_and_lists_nothing(roles, ledger, web_client):
    owner = web_client(roles.users["owner"])
    response = owner.get(reverse("web:transactions"), {"q": "paye:corner"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown operator “paye:”; did you mean “payee”?" in page
    assert "(column 1)" in page
    assert "Corner Shop" not in page
    assert "Cafe Blue" not in page


def test_keyset_pages_do_not_overlap_and_htmx_gets_rows_only(roles, ledger, web_client, django_assert_max_num_queries):
    owner = web_client(roles.users["owner"])
    start = date(2025, 1, 1)
    for i in range(55):
        make_txn(
            roles.household, ledger["checking"], "expense", "1.00", start + timedelta(days=i), payee=f"Shop {i:02d}"
        )
    with django_assert_max_num_queries(16):
        first = owner.get(reverse("web:transactions"))
    cursor = first.context["page"].next_cursor
    first_ids = {t.pk for t in first.context["page"].rows}
    assert len(first_ids) == 50
    assert cursor
    second = owner.get(reverse("web:transactions"), {"cursor": cursor}, HTTP_HX_REQUEST="true")
    assert second.templates[0].name == "web/transactions/_rows.html"
    second_ids = {t.pk for t in second.context["page"].rows}
    assert len(second_ids) == 59 - 50
    assert not first_ids & second_ids
    assert second.context["page"].next_cursor is None
    # A malformed cursor starts over instead of failing.
    assert owner.get(reverse("web:transactions"), {"cursor": "%%%"}).status_code == 200


def test_list_query_count_does_not_grow_with_rows(roles, ledger, web_client, django_assert_num_queries):
    owner = web_client(roles.users["owner"])
    owner.get(reverse("web:transactions"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        owner.get(reverse("web:transactions"))
    for i in range(20):
        make_txn(roles.household, ledger["checking"], "expense", "2.00", date(2026, 2, 1), payee=f"More {i}")
    with CaptureQueriesContext(connection) as many:
        owner.get(reverse("web:transactions"))
    assert len(many) == len(few)


def test_inline_category_edit(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    txn = ledger["coffee"]
    url = reverse("web:transaction-category", args=[txn.pk])
    form = editor.get(url, HTTP_HX_REQUEST="true")
    assert form.templates[0].name == "web/transactions/_category_form.html"
    assert "Salary" not in form.content.decode()  # only categories of the transaction's type
    coffee = category(roles.household, "Coffee")
    cell = editor.post(url, {"category": coffee.pk}, HTTP_HX_REQUEST="true")
    assert cell.status_code == 200
    assert "Coffee" in cell.content.decode()
    assert "autofocus" in cell.content.decode()
    txn.refresh_from_db()
    assert txn.category == coffee
    assert txn.categorization_source == "user"
    # Transfers have no category to edit in place.
    response = editor.get(reverse("web:transaction-category", args=[ledger["transfer"].pk]))
    assert response.status_code == 302


def test_bulk_categorize_tag_and_delete(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    url = reverse("web:transaction-bulk")
    ids = [ledger["groceries"].pk, ledger["coffee"].pk]
    coffee = category(roles.household, "Coffee")
    response = editor.post(
        url, {"ids": ids, "action": "categorize", "category": coffee.pk, "next": "/app/transactions/?search=c"}
    )
    assert response["Location"] == "/app/transactions/?search=c"
    assert set(Transaction.objects.filter(pk__in=ids).values_list("category", flat=True)) == {coffee.pk}
    editor.post(url, {"ids": ids, "action": "tag", "tags": "holiday"})
    assert Transaction.objects.filter(pk__in=ids, tags__name="holiday").count() == 2
    # A transfer cannot take a category: nothing changes and the page says why.
    response = editor.post(
        url,
        {"ids": [ledger["transfer"].pk, ledger["salary"].pk], "action": "categorize", "category": coffee.pk},
        follow=True,
    )
    assert "does not match the transaction" in response.content.decode()
    confirm = editor.post(url, {"ids": ids, "action": "delete"})
    assert "Delete the 2 selected transactions?" in confirm.content.decode()
    assert Transaction.objects.filter(pk__in=ids).count() == 2
    editor.post(url, {"ids": ids, "action": "delete", "confirm": "1"})
    assert not Transaction.objects.filter(pk__in=ids).exists()
    assert verify(roles.household.id) == []
