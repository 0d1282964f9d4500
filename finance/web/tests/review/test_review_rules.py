"""The review queue, rules (list, form, dry run, apply) and the suggested-rule offer after a category change."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.categorization import services as categorization
from finance.categorization.models import Rule
from finance.ledger.inputs import Categorization
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db

REVIEW = Categorization(source="model", confidence=Decimal("0.4"), needs_review=True)


def _rule(household, name="Shop rule", priority=10, payee="mystery", category_name="Groceries", **extra):
    return categorization.rule_create(
        household=household,
        actor=None,
        name=name,
        priority=priority,
        conditions=[{"field": "payee", "operator": "contains", "value": payee}],
        actions=[{"action": "set_category", "value": str(category(household, category_name).pk)}],
        **extra,
    )


@pytest.fixture
def queue(roles):
    """A rule that suggests Groceries for "Mystery Shop", and a Mystery Shop expense waiting for review."""
    household = roles.household
    account = make_account(household, "Checking")
    _rule(household)
    txn = make_txn(household, account, "expense", "9.99", date(2026, 3, 3), payee="Mystery Shop", categorization=REVIEW)
    return {"household": household, "account": account, "txn": txn}


# --- Review queue ---------------------------------------------------------------------------------------


def test_review_page_lists_flagged_transactions_with_suggestions_and_their_explanations(roles, queue, web_client):
    household = roles.household
    make_txn(
        household,
        queue["account"],
        "expense",
        "5.00",
        date(2026, 3, 4),
        payee="Settled",
        category=category(household, "Coffee"),
    )
    page = web_client(roles.users["owner"]).get(reverse("web:review")).content.decode()
    assert "1 transaction needs a category." in page
    assert "Mystery Shop" in page
    assert "Settled" not in page
    item = page[page.index(f'id="review-{queue["txn"].pk}"') :]
    groceries = category(household, "Groceries")
    button = re.search(rf'<button type="submit" name="category" value="{groceries.pk}"[^>]*>(.*?)</button>', item)
    assert button
    assert button.group(1) == "Accept Groceries · 100%"
    why = re.search(r'<span class="help" id="review-[^"]+-why-1">(.*?)</span>', item)
    assert why
    assert "Shop rule" in why.group(1)  # the rule that gave the suggestion is named


def test_accepting_a_suggestion_sets_the_category_and_clears_the_flag(roles, queue, web_client):
    household, txn = roles.household, queue["txn"]
    groceries = category(household, "Groceries")
    owner = web_client(roles.users["owner"])
    response = owner.post(reverse("web:review-resolve", args=[txn.pk]), {"category": groceries.pk})
    assert response["Location"] == reverse("web:review")
    txn.refresh_from_db()
    assert (txn.category_id, txn.needs_review, txn.categorization_source) == (groceries.pk, False, "user")
    page = owner.get(reverse("web:review")).content.decode()
    assert "“Mystery Shop” is now in Groceries." in page
    assert "0 transactions need a category." in page
    # The offer comes once, after the redirect.
    assert "Always categorize payee “mystery shop” as Groceries?" in page
    assert "Always categorize" not in owner.get(reverse("web:review")).content.decode()


def test_picking_another_category_in_place_with_htmx(roles, queue, web_client):
    household, txn = roles.household, queue["txn"]
    dining = category(household, "Dining out")
    response = web_client(roles.users["editor"]).post(
        reverse("web:review-resolve", args=[txn.pk]), {"category": dining.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "web/review/_done.html"
    fragment = response.content.decode()
    assert f'id="review-{txn.pk}"' in fragment
    assert "Categorized as Dining out." in fragment
    assert reverse("web:rule-from-transaction", args=[txn.pk]) in fragment
    txn.refresh_from_db()
    assert (txn.category_id, txn.needs_review) == (dining.pk, False)


def test_bad_review_choices_show_an_error_and_change_nothing(roles, queue, web_client):
    household, txn = roles.household, queue["txn"]
    editor = web_client(roles.users["editor"])
    url = reverse("web:review-resolve", args=[txn.pk])
    for data in ({"category": ""}, {"category": category(household, "Salary").pk}, {"category": "not-an-id"}):
        response = editor.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 400
        assert response.templates[0].name == "web/review/_item.html"
        assert re.search(rf'id="review-{txn.pk}-category_errors"><li>', response.content.decode())
    txn.refresh_from_db()
    assert (txn.category_id, txn.needs_review) == (None, True)


def test_review_roles(roles, queue, web_client):
    txn = queue["txn"]
    groceries = category(roles.household, "Groceries")
    viewer = web_client(roles.users["viewer"])
    page = viewer.get(reverse("web:review")).content.decode()
    assert "Mystery Shop" in page
    assert "Accept Groceries" not in page  # viewers see suggestions, not buttons
    assert viewer.post(reverse("web:review-resolve", args=[txn.pk]), {"category": groceries.pk}).status_code == 403
    outsider = web_client(roles.users["outsider"])
    assert "Mystery Shop" not in outsider.get(reverse("web:review")).content.decode()
    assert outsider.post(reverse("web:review-resolve", args=[txn.pk]), {"category": groceries.pk}).status_code == 404
    txn.refresh_from_db()
    assert txn.needs_review


# --- The suggested rule after a category change ---------------------------------------------------------


def test_inline_category_change_offers_the_rule_and_one_click_creates_it(roles, ledger, web_client):
    household, txn = roles.household, ledger["coffee"]  # "Cafe Blue", no category
    coffee = category(household, "Coffee")
    editor = web_client(roles.users["editor"])
    response = editor.post(
        reverse("web:transaction-category", args=[txn.pk]), {"category": coffee.pk}, HTTP_HX_REQUEST="true"
    )
    cell = response.content.decode()
    assert "Always categorize payee “cafe blue” as Coffee?" in cell
    create = reverse("web:rule-from-transaction", args=[txn.pk])
    assert f'hx-post="{create}"' in cell
    response = editor.post(create, HTTP_HX_REQUEST="true")
    assert "Rule “cafe blue → Coffee” created." in response.content.decode()
    rule = Rule.objects.get(household=household)
    assert rule.conditions == [{"field": "payee", "operator": "contains", "value": "cafe blue"}]
    assert rule.actions == [{"action": "set_category", "value": str(coffee.pk)}]
    # The rule now categorizes new Cafe Blue expenses by itself.
    new = make_txn(household, ledger["checking"], "expense", "4.00", date(2026, 3, 20), payee="Cafe Blue")
    assert (new.category_id, new.categorization_source) == (coffee.pk, "rule")


def test_saving_the_same_category_offers_nothing(roles, ledger, web_client):
    txn = ledger["groceries"]
    response = web_client(roles.users["editor"]).post(
        reverse("web:transaction-category", args=[txn.pk]),
        {"category": txn.category_id},
        HTTP_HX_REQUEST="true",
    )
    assert "Always categorize" not in response.content.decode()


def test_edit_form_category_change_offers_the_rule_on_the_next_page(roles, ledger, web_client):
    household, txn = roles.household, ledger["groceries"]
    dining = category(household, "Dining out")
    owner = web_client(roles.users["owner"])
    data = {
        "type": "expense",
        "date": "2026-03-14",
        "amount": "42.50",
        "account": ledger["checking"].pk,
        "category": dining.pk,
        "payee": "Corner Shop",
        "splits-TOTAL_FORMS": "0",
        "splits-INITIAL_FORMS": "0",
    }
    response = owner.post(reverse("web:transaction-edit", args=[txn.pk]), data)
    page = owner.get(response["Location"]).content.decode()
    assert "Always categorize payee “corner shop” as Dining out?" in page
    # No JavaScript: a plain form that comes back to this page.
    owner.post(reverse("web:rule-from-transaction", args=[txn.pk]), {"next": reverse("web:transactions")})
    assert Rule.objects.filter(household=household, name="corner shop → Dining out").exists()


def test_rule_offer_roles(roles, ledger, web_client):
    txn = ledger["groceries"]
    url = reverse("web:rule-from-transaction", args=[txn.pk])
    assert web_client(roles.users["viewer"]).post(url).status_code == 403
    assert web_client(roles.users["outsider"]).post(url).status_code == 404
    assert not Rule.objects.exists()


# --- Rules ----------------------------------------------------------------------------------------------


def _rule_post(household, **overrides):
    data = {
        "name": "Streaming",
        "priority": "5",
        "match": "all",
        "is_active": "on",
        "conditions-TOTAL_FORMS": "2",
        "conditions-INITIAL_FORMS": "0",
        "conditions-0-field": "payee",
        "conditions-0-operator": "contains",
        "conditions-0-value": "netflix",
        "conditions-1-field": "amount",
        "conditions-1-operator": "between",
        "conditions-1-value": "-20, -5",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-action": "set_category",
        "actions-0-category": str(category(household, "Entertainment").pk),
        "actions-1-action": "add_tag",
        "actions-1-value": "streaming",
    }
    data.update(overrides)
    return data


def test_rules_are_listed_in_priority_order_with_their_conditions_and_actions(roles, web_client):
    household = roles.household
    _rule(household, name="Second", priority=20)
    _rule(household, name="First", priority=10, payee="corner", category_name="Coffee")
    page = web_client(roles.users["viewer"]).get(reverse("web:rules")).content.decode()
    assert page.index("First") < page.index("Second")
    assert "Payee contains “corner”" in page
    assert "Set the category: Coffee" in page
    assert "Apply…" not in page  # viewers only read


def test_create_a_rule_with_conditions_and_actions(roles, web_client):
    household = roles.household
    response = web_client(roles.users["editor"]).post(reverse("web:rule-create"), _rule_post(household))
    assert response["Location"] == reverse("web:rules")
    rule = Rule.objects.get(household=household)
    assert (rule.name, rule.priority, rule.match, rule.is_active) == ("Streaming", 5, "all", True)
    assert rule.conditions == [
        {"field": "payee", "operator": "contains", "value": "netflix", "case_sensitive": False},
        {"field": "amount", "operator": "between", "value": ["-20", "-5"], "case_sensitive": False},
    ]
    assert rule.actions == [
        {"action": "set_category", "value": str(category(household, "Entertainment").pk)},
        {"action": "add_tag", "value": "streaming"},
    ]


def test_rule_field_errors_are_next_to_their_rows_and_nothing_is_saved(roles, web_client):
    household = roles.household
    editor = web_client(roles.users["editor"])
    data = _rule_post(
        household,
        **{"conditions-0-operator": "regex", "conditions-0-value": "(", "actions-0-category": "", "name": "Broken"},
    )
    page = editor.post(reverse("web:rule-create"), data).content.decode()
    assert re.search(r'id="id_conditions-0-value_errors"><li>invalid regex', page)
    assert re.search(r'id="id_actions-0-category_errors"><li>', page)
    assert 'id="id_conditions-1-value_errors"' not in page
    page = editor.post(reverse("web:rule-create"), _rule_post(household, name="")).content.decode()
    assert re.search(r'id="id_name_errors"><li>This field is required', page)
    assert not Rule.objects.exists()


def test_edit_shows_the_rule_and_saves_changes(roles, web_client):
    household = roles.household
    rule = _rule(household)
    owner = web_client(roles.users["owner"])
    form = owner.get(reverse("web:rule-edit", args=[rule.pk])).content.decode()
    assert 'value="mystery"' in form
    assert f'<option value="{category(household, "Groceries").pk}" selected>' in form
    owner.post(reverse("web:rule-edit", args=[rule.pk]), _rule_post(household, name="Renamed", priority="1"))
    rule.refresh_from_db()
    assert (rule.name, rule.priority, rule.conditions[0]["value"]) == ("Renamed", 1, "netflix")
    owner.post(reverse("web:rule-delete", args=[rule.pk]))
    assert not Rule.objects.exists()


def test_dry_run_counts_then_apply_changes(roles, web_client):
    household = roles.household
    account = make_account(household, "Checking")
    for day in (1, 2):
        make_txn(
            household,
            account,
            "expense",
            "7.00",
            date(2026, 3, day),
            payee="Kiosk",
            category=category(household, "Dining out"),
        )
    make_txn(
        household,
        account,
        "expense",
        "7.00",
        date(2026, 3, 3),
        payee="Kiosk",
        category=category(household, "Coffee"),
        categorization=Categorization(source="model", confidence=Decimal("0.9")),
    )
    rule = _rule(household, payee="kiosk", category_name="Coffee")
    owner = web_client(roles.users["owner"])
    # The two categorized by a person keep their category; the model's one already is Coffee.
    page = owner.get(reverse("web:rule-apply", args=[rule.pk])).content.decode()
    assert "3 transactions match this rule." in page
    assert "Applying it would change 0 of them." in page
    assert "Apply now" not in page
    Transaction.objects.filter(household=household, payee="Kiosk", date=date(2026, 3, 3)).update(
        category=category(household, "Groceries")
    )
    page = owner.get(reverse("web:rule-apply", args=[rule.pk])).content.decode()
    assert "Applying it would change 1 of them." in page
    assert list(
        Transaction.objects.filter(payee="Kiosk").values_list("category__name", flat=True).order_by("date")
    ) == ["Dining out", "Dining out", "Groceries"]
    response = owner.post(reverse("web:rule-apply", args=[rule.pk]))
    assert response["Location"] == reverse("web:rules")
    assert "“Shop rule” changed 1 transaction." in owner.get(reverse("web:rules")).content.decode()
    assert list(
        Transaction.objects.filter(payee="Kiosk").values_list("category__name", flat=True).order_by("date")
    ) == ["Dining out", "Dining out", "Coffee"]


def test_rule_roles(roles, web_client):
    household = roles.household
    rule = _rule(household)
    viewer, outsider = web_client(roles.users["viewer"]), web_client(roles.users["outsider"])
    for name in ("web:rule-edit", "web:rule-delete", "web:rule-apply"):
        url = reverse(name, args=[rule.pk])
        assert viewer.post(url, _rule_post(household)).status_code == 403, url
        assert viewer.get(url).status_code == 403, url
        assert outsider.post(url, _rule_post(household)).status_code == 404, url
        assert outsider.get(url).status_code == 404, url
    assert viewer.post(reverse("web:rule-create"), _rule_post(household)).status_code == 403
    assert "Shop rule" not in outsider.get(reverse("web:rules")).content.decode()
    rule.refresh_from_db()
    assert rule.name == "Shop rule"
    assert Rule.objects.count() == 1


def test_the_review_queue_pages_through_older_transactions(roles, web_client):
    from datetime import timedelta

    from finance.web.review.views import REVIEW_PAGE

    household = roles.household
    account = make_account(household, "Checking")
    flagged = [
        make_txn(
            household,
            account,
            "expense",
            "5.00",
            date(2025, 1, 1) + timedelta(days=i),
            payee=f"Shop {i:03d}",
            categorization=REVIEW,
        )
        for i in range(REVIEW_PAGE + 3)
    ]
    viewer = web_client(roles.users["viewer"])
    first = viewer.get(reverse("web:review")).content.decode()
    assert f"{REVIEW_PAGE + 3} transactions need a category." in first
    shown = re.findall(r"Shop (\d{3})", first)
    # Newest first: the page holds the REVIEW_PAGE latest, each once.
    assert sorted(set(shown), reverse=True) == [f"{i:03d}" for i in range(REVIEW_PAGE + 2, 2, -1)]
    assert "Newest first" not in first
    older = re.search(r'href="\?cursor=([^"]+)">Older transactions to review', first)
    assert older is not None
    second = viewer.get(reverse("web:review"), {"cursor": older.group(1)}).content.decode()
    assert sorted(set(re.findall(r"Shop (\d{3})", second)), reverse=True) == ["002", "001", "000"]
    assert "Older transactions to review" not in second
    assert f'href="{reverse("web:review")}">Newest first' in second
    # A malformed cursor starts over at the newest.
    again = viewer.get(reverse("web:review"), {"cursor": "not-a-cursor"}).content.decode()
    assert re.findall(r"Shop (\d{3})", again) == shown
    assert len(flagged) == REVIEW_PAGE + 3


def test_a_rule_the_system_turned_off_says_so_on_the_rules_page_and_its_form(roles, web_client, settings, tmp_path):
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    household = roles.household
    rule = Rule.objects.create(  # saved before slow patterns were refused
        household=household,
        name="Old slow rule",
        match="any",
        conditions=[{"field": "payee", "operator": "regex", "value": r"^(a|aa)+$"}],
        actions=[{"action": "set_category", "value": str(category(household, "Groceries").pk)}],
    )
    make_txn(household, make_account(household, "Checking"), payee="a" * 60 + "!")
    editor = web_client(roles.users["editor"])
    response = editor.get(reverse("web:rule-apply", args=[rule.pk]))  # the dry run meets the slow pattern
    assert response.status_code == 302
    page = editor.get(reverse("web:rules")).content.decode()
    assert "This rule took too long and was turned off" in page
    assert "Turned off: it took too long" in page
    assert "One of its regular expressions took too long on a transaction." in page
    german = roles.users["editor"]
    german.locale = "de"
    german.save(update_fields=["locale"])
    form = web_client(german).get(reverse("web:rule-edit", args=[rule.pk])).content.decode()
    assert "Ausgeschaltet: hat zu lange gebraucht" in form
