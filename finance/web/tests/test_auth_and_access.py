"""Sign-in, the household in the session, and who may see or change what (403 / 404 pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from finance.households.models import Membership, Role
from finance.ledger.models import Transaction
from finance.users.tests.factories import PASSWORD, HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_dashboard_and_the_dashboard_to_sign_in(client):
    assert client.get("/")["Location"] == reverse("web:dashboard")
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next=/app/"


def test_sign_in_with_email_any_case_then_sign_out(client, user, household):
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post(reverse("web:login"), {"username": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")
    assert client.get(reverse("web:dashboard")).status_code == 200
    assert client.get(reverse("web:logout")).status_code == 405  # a link cannot sign anyone out
    client.post(reverse("web:logout"))
    assert client.get(reverse("web:dashboard")).status_code == 302


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, user):
    response = client.post(reverse("web:login"), {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_csrf_is_enforced_on_web_forms(user, household):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("web:tags"), {"name": "trip"})
    assert response.status_code == 403


def test_viewer_reads_but_every_write_is_the_403_page(roles, ledger, web_client):
    viewer = web_client(roles.users["viewer"])
    txn = ledger["groceries"]
    for url in (
        reverse("web:dashboard"),
        reverse("web:transactions"),
        reverse("web:accounts"),
        reverse("web:household"),
    ):
        assert viewer.get(url).status_code == 200
    listing = viewer.get(reverse("web:transactions")).content.decode()
    assert "Corner Shop" in listing
    assert 'name="ids"' not in listing  # no bulk selection for viewers
    for url in (
        reverse("web:transaction-create"),
        reverse("web:transaction-edit", args=[txn.pk]),
        reverse("web:transaction-delete", args=[txn.pk]),
        reverse("web:account-create"),
        reverse("web:category-create"),
    ):
        response = viewer.get(url)
        assert response.status_code == 403, url
        assert "Your role in this household does not allow this" in response.content.decode()
    assert viewer.post(reverse("web:transaction-delete", args=[txn.pk])).status_code == 403
    assert (
        viewer.post(reverse("web:transaction-bulk"), {"ids": [txn.pk], "action": "delete", "confirm": "1"}).status_code
        == 403
    )
    assert viewer.post(reverse("web:transaction-category", args=[txn.pk]), {"category": ""}).status_code == 403
    assert viewer.post(reverse("web:tags"), {"name": "x"}).status_code == 403
    assert Transaction.objects.filter(pk=txn.pk, category__name="Groceries").exists()


def test_outsider_gets_404_for_every_object_of_another_household(roles, ledger, web_client):
    outsider = web_client(roles.users["outsider"])
    txn, account = ledger["groceries"], ledger["checking"]
    for url in (
        reverse("web:transaction-edit", args=[txn.pk]),
        reverse("web:transaction-delete", args=[txn.pk]),
        reverse("web:transaction-category", args=[txn.pk]),
        reverse("web:account-edit", args=[account.pk]),
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert "Not found" in response.content.decode()
    assert outsider.post(reverse("web:transaction-delete", args=[txn.pk])).status_code == 404
    # Their own pages never show the other household's rows.
    assert "Corner Shop" not in outsider.get(reverse("web:transactions")).content.decode()
    # Bulk ids of another household change nothing.
    outsider.post(reverse("web:transaction-bulk"), {"ids": [txn.pk], "action": "delete", "confirm": "1"})
    assert Transaction.objects.filter(pk=txn.pk).exists()


def test_household_switch_keeps_the_choice_and_checks_membership_each_request(web_client):
    user = UserFactory()
    home = Membership.objects.create(
        household=HouseholdFactory(name="Home"), user=user, role=Role.OWNER, is_default=True
    )
    club = Membership.objects.create(household=HouseholdFactory(name="Chess club"), user=user, role=Role.VIEWER)
    client = web_client(user)
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "Home" in page
    assert 'name="household"' in page
    response = client.post(
        reverse("web:household-switch"), {"household": club.household_id, "next": reverse("web:accounts")}
    )
    assert response["Location"] == reverse("web:accounts")
    assert "Chess club" in client.get(reverse("web:dashboard")).content.decode()
    assert client.get(reverse("web:account-create")).status_code == 403  # a viewer there
    # A household one is not in is 404 and leaves the choice alone.
    stranger = HouseholdFactory(name="Strangers")
    assert client.post(reverse("web:household-switch"), {"household": stranger.pk}).status_code == 404
    assert client.post(reverse("web:household-switch"), {"household": "not-a-uuid"}).status_code == 404
    # Removed from the chosen household: the next request falls back to the default one.
    club.delete()
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "Home" in page
    assert "Chess club" not in page
    assert home.household_id


def test_web_pages_send_the_strict_csp_and_carry_no_inline_script(client, user, household):
    client.force_login(user)
    page = client.get(reverse("web:dashboard"))
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert "<script>" not in page.content.decode()  # no inline scripts


def test_person_without_a_household_can_start_one(web_client):
    user = UserFactory()
    client = web_client(user)
    assert client.get(reverse("web:dashboard")).status_code == 404
    response = client.post(reverse("web:household-create"), {"name": "Flat share", "base_currency": "eur"})
    assert response["Location"] == reverse("web:dashboard")
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "Flat share" in page
    assert "EUR" in page


def test_sign_in_attempts_share_the_apis_budget(client, user, settings):
    settings.API_THROTTLE = True
    # Only the request budget here; the account lockout has its own tests (test_sign_in_two_factor.py).
    settings.LOGIN_SLOWDOWN_AFTER = settings.LOGIN_ADDRESS_SLOWDOWN_AFTER = 100
    settings.LOGIN_LOCKOUT_AFTER = settings.LOGIN_ADDRESS_LOCKOUT_AFTER = 200
    for _ in range(10):
        assert client.post(reverse("web:login"), {"username": user.username, "password": "nope"}).status_code == 200
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The API's login endpoint draws on the same budget.
    api = client.post(
        "/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    )
    assert api.status_code == 429
