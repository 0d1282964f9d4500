"""Dashboard, accounts, categories, tags, household members and the profile's language switch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.households.models import Invitation, Membership, Role
from finance.ledger import services
from finance.ledger.inputs import Categorization, TransactionInput
from finance.ledger.models import Account, Category, Tag
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.users.tests.factories import UserFactory
from finance.web.dashboard.presenters import compute, spending_periods

pytestmark = pytest.mark.django_db


def test_dashboard_shows_this_month_charts_data_and_table_alternatives(roles, web_client):
    household = roles.household
    today = timezone.localdate()
    account = make_account(household, "Checking", opening_balance=Decimal("1000"))
    make_txn(household, account, "income", "3000.00", today, category=category(household, "Salary"), payee="Employer")
    make_txn(household, account, "expense", "1234.50", today, category=category(household, "Groceries"), payee="Market")
    owner = web_client(roles.users["owner"])
    page = owner.get(reverse("web:dashboard")).content.decode()
    assert "$2,765.50" in page  # net worth: 1000 + 3000 - 1234.50
    assert "$3,000.00" in page
    assert "$1,234.50" in page
    assert 'id="cashflow-data" type="application/json"' in page
    assert 'id="spending-data" type="application/json"' in page
    assert "Show the figures as a table" in page  # the cashflow chart's text alternative
    assert 'role="img"' in page
    assert "Food" in page  # spending rolled up to top-level categories
    assert "Market" in page  # recent transactions


def test_dashboard_is_cached_per_household_version_and_a_write_refreshes_it(
    roles, web_client, django_capture_on_commit_callbacks
):
    household = roles.household
    account = make_account(household, "Checking")
    make_txn(household, account, "expense", "20.00", timezone.localdate(), payee="First")
    owner = web_client(roles.users["owner"])
    owner.get(reverse("web:dashboard"))
    with CaptureQueriesContext(connection) as cached:
        page = owner.get(reverse("web:dashboard")).content.decode()
    assert "First" in page
    assert len(cached) <= 6  # session, user, membership, household list; no analytics queries
    with django_capture_on_commit_callbacks(execute=True):  # the version bump runs after commit
        make_txn(household, account, "expense", "30.00", timezone.localdate(), payee="Second")
    assert "Second" in owner.get(reverse("web:dashboard")).content.decode()


def test_dashboard_spending_period_switch_returns_the_panel_for_htmx(roles, web_client):
    owner = web_client(roles.users["owner"])
    response = owner.get(
        reverse("web:dashboard"), {"spending": "12-months"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="spending"
    )
    assert response.templates[0].name == "web/dashboard/_spending.html"
    assert 'aria-current="true">Last 12 months' in response.content.decode()


def test_review_queue_lists_transactions_needing_review(roles, web_client):
    household = roles.household
    account = make_account(household, "Checking")
    make_txn(
        household,
        account,
        "expense",
        "9.99",
        timezone.localdate(),
        payee="Mystery Shop",
        categorization=Categorization(source="model", confidence=Decimal("0.4"), needs_review=True),
    )
    page = web_client(roles.users["viewer"]).get(reverse("web:dashboard")).content.decode()
    assert "Mystery Shop" in page
    assert f'href="{reverse("web:review")}"' in page  # the review queue's page


def test_pages_follow_the_users_locale(roles, web_client):
    household = roles.household
    account = make_account(household, "Girokonto", opening_balance=Decimal("1234.5"))
    make_txn(household, account, "expense", "1000.25", date(2026, 3, 14), payee="Markt")
    owner = roles.users["owner"]
    owner.locale = "de_DE"
    owner.save()
    client = web_client(owner)
    page = client.get(reverse("web:accounts")).content.decode()
    assert '<html lang="de">' in page
    assert "234,25\xa0$" in page  # 1234.50 − 1000.25 in German notation
    assert "Konten" in page  # the navigation, translated
    listing = client.get(reverse("web:transactions")).content.decode()
    assert "14.03.2026" in listing
    assert "−1.000,25\xa0$" in listing
    # Amounts are typed the German way too.
    data = {
        "name": "Bar",
        "type": "cash",
        "currency": "EUR",
        "opening_balance": "1.250,75",
        "include_in_net_worth": "on",
    }
    client.post(reverse("web:account-create"), data)
    assert Account.objects.get(name="Bar").opening_balance == Decimal("1250.75")


def test_language_switch_in_the_profile_updates_the_locale(user, household, web_client):
    client = web_client(user)
    page = client.get(reverse("web:profile")).content.decode()
    assert "Español" in page
    assert "Deutsch" in page
    response = client.post(
        reverse("web:profile"), {"first_name": "Ana", "last_name": "Ruiz", "locale": "es"}, follow=True
    )
    user.refresh_from_db()
    assert (user.locale, user.first_name) == ("es", "Ana")
    assert '<html lang="es">' in response.content.decode()
    assert "Perfil guardado." in response.content.decode()


def test_accounts_create_edit_and_archive(roles, web_client):
    editor = web_client(roles.users["editor"])
    data = {
        "name": "Card",
        "type": "credit_card",
        "currency": "usd",
        "opening_balance": "-120.50",
        "institution": "Bank",
    }
    assert editor.post(reverse("web:account-create"), data).status_code == 302
    card = Account.objects.get(name="Card")
    assert (card.currency, card.opening_balance, card.balance, card.include_in_net_worth) == (
        "USD",
        Decimal("-120.50"),
        Decimal("-120.50"),
        False,
    )
    page = editor.get(reverse("web:account-edit", args=[card.pk])).content.decode()
    assert 'value="-120.50"' in page
    bad = editor.post(reverse("web:account-create"), {**data, "name": "X", "currency": "ZZZ"})
    assert "Not an ISO 4217 currency code." in bad.content.decode()
    editor.post(reverse("web:account-archive", args=[card.pk]), {"archive": "1"})
    card.refresh_from_db()
    assert not card.is_active
    assert "Archived accounts" in editor.get(reverse("web:accounts")).content.decode()
    editor.post(reverse("web:account-archive", args=[card.pk]), {"archive": "0"})
    card.refresh_from_db()
    assert card.is_active


def test_categories_create_and_refuse_deleting_one_in_use(roles, ledger, web_client):
    editor = web_client(roles.users["editor"])
    food = category(roles.household, "Food")
    response = editor.post(reverse("web:category-create"), {"name": "Bakery", "type": "expense", "parent": food.pk})
    assert response.status_code == 302
    bakery = Category.objects.get(household=roles.household, name="Bakery")
    assert bakery.parent == food
    dup = editor.post(reverse("web:category-create"), {"name": "bakery", "type": "expense", "parent": food.pk})
    assert "This name is already used here." in dup.content.decode()
    groceries = category(roles.household, "Groceries")
    page = editor.post(reverse("web:category-delete", args=[groceries.pk]), follow=True).content.decode()
    assert "recategorize them first" in page
    assert Category.objects.filter(pk=groceries.pk).exists()
    editor.post(reverse("web:category-delete", args=[bakery.pk]))
    assert not Category.objects.filter(pk=bakery.pk).exists()


def test_tags_create_rename_delete(roles, web_client):
    editor = web_client(roles.users["editor"])
    editor.post(reverse("web:tags"), {"name": "Holiday"})
    tag = Tag.objects.get(household=roles.household, name="Holiday")
    assert "already" in editor.post(reverse("web:tags"), {"name": "holiday"}).content.decode()
    editor.post(reverse("web:tag-edit", args=[tag.pk]), {"name": "Vacation"})
    tag.refresh_from_db()
    assert tag.name == "Vacation"
    editor.post(reverse("web:tag-edit", args=[tag.pk]), {"name": "Vacation", "delete": "1"})
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_owner_manages_members_and_the_last_owner_stays(roles, web_client):
    owner_user = roles.users["owner"]
    owner = web_client(owner_user)
    newcomer = UserFactory(username="newcomer")
    response = owner.post(
        reverse("web:household"), {"invite_member": "1", "identifier": newcomer.email, "role": "editor"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(household=roles.household, user=newcomer).exists()  # not before accepting
    invitation = Invitation.objects.get(household=roles.household, invitee=newcomer)
    web_client(newcomer).post(reverse("web:invitation-accept", args=[invitation.pk]))
    membership = Membership.objects.get(household=roles.household, user=newcomer)
    assert membership.role == Role.EDITOR
    owner.post(reverse("web:member-role", args=[membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER
    own = Membership.objects.get(household=roles.household, user=owner_user)
    page = owner.post(reverse("web:member-role", args=[own.pk]), {"role": "viewer"}, follow=True).content.decode()
    assert "at least one owner" in page
    # Editors cannot manage members: the service refuses (403 page).
    editor = web_client(roles.users["editor"])
    assert editor.post(reverse("web:member-remove", args=[membership.pk])).status_code == 403
    owner.post(reverse("web:member-remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_cached_dashboard_is_shown_in_each_readers_language(roles, web_client):
    make_account(roles.household, "Main", opening_balance=Decimal("10"))
    viewer = web_client(roles.users["viewer"])
    assert "Checking" in viewer.get(reverse("web:dashboard")).content.decode()  # computed and cached in English
    owner = roles.users["owner"]
    owner.locale = "de"
    owner.save()
    page = web_client(owner).get(reverse("web:dashboard")).content.decode()
    assert "Girokonto" in page
    assert "Checking" not in page


def test_dashboard_figures_leave_excluded_transactions_out_but_balances_keep_them(
    roles, django_capture_on_commit_callbacks
):
    household = roles.household
    today = timezone.localdate()
    account = make_account(household, "Checking", opening_balance=Decimal("1000"))
    make_txn(household, account, "income", "3000.00", today, category=category(household, "Salary"))
    make_txn(household, account, "expense", "200.00", today, category=category(household, "Groceries"))
    big = make_txn(household, account, "expense", "700.00", today, category=category(household, "Groceries"))
    with django_capture_on_commit_callbacks(execute=True):
        services.transaction_update(txn=big, actor=None, changes=TransactionInput(is_excluded=True))

    figures = compute(household, today, spending_periods(today)["this-month"])
    assert figures["this_month"]["expense"] == Decimal("200.00")
    assert figures["this_month"]["savings"] == Decimal("2800.00")
    assert figures["cashflow"][-1]["expense"] == Decimal("200.00")
    assert figures["spending"]["total"] == Decimal("200.00")
    # Money that really left the account: the balance and net worth keep the excluded 700.
    assert [a["balance"] for a in figures["accounts"]] == [Decimal("3100.00")]
    assert figures["net_worth"]["net_worth"] == Decimal("3100.00")


def test_a_household_with_no_accounts_gets_first_steps_instead_of_zeroes(
    roles, web_client, django_capture_on_commit_callbacks
):
    owner = web_client(roles.users["owner"]).get(reverse("web:dashboard")).content.decode()
    assert "Get started" in owner
    for name in ("web:account-create", "web:import-upload", "web:budget-create", "web:household"):
        assert f'href="{reverse(name)}"' in owner
    assert 'id="cashflow-chart"' not in owner
    viewer = web_client(roles.users["viewer"]).get(reverse("web:dashboard")).content.decode()
    assert "Its owners and editors can add them" in viewer
    assert f'href="{reverse("web:account-create")}"' not in viewer

    with django_capture_on_commit_callbacks(execute=True):  # the write's cache bump runs after commit
        make_account(roles.household, "Checking")
    again = web_client(roles.users["owner"]).get(reverse("web:dashboard")).content.decode()
    assert "Get started" not in again
    assert 'id="cashflow-chart"' in again
