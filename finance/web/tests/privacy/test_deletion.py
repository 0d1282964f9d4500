"""The account-deletion page: what it explains, the password (and code) it asks for, refusals that change
nothing, and the round trip: scheduled, signed out everywhere, cancelled by signing in again."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Membership, Role
from finance.privacy import services
from finance.privacy.models import AccountDeletion
from finance.users import services as user_services
from finance.users.models import AuthSession
from finance.users.tests.factories import PASSWORD, HouseholdFactory, UserFactory
from finance.users.tests.helpers import clock

pytestmark = pytest.mark.django_db
__all__ = ["clock"]


def signed_in(user) -> Client:
    client = Client()
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_page_says_what_happens_to_each_household(user, household):
    household.name = "Just me"
    household.save()
    shared = HouseholdFactory(name="Family")
    Membership.objects.create(household=shared, user=user, role=Role.OWNER)
    Membership.objects.create(household=shared, user=UserFactory(), role=Role.EDITOR)
    html = signed_in(user).get(reverse("web:account-delete")).content.decode()
    assert "For 14 days, nothing is deleted." in html
    assert "<strong>Just me</strong>: deleted with everything in it" in html
    assert "<strong>Family</strong>: stays with its other members; the longest-standing editor" in html
    assert 'name="code"' not in html  # no 2FA: no code asked for


def test_request_signs_out_everywhere_then_signing_in_cancels(user, household):
    browser, other = signed_in(user), signed_in(user)
    response = browser.post(reverse("web:account-delete"), {"password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your account will be deleted for good after" in html
    assert "Signing in again before then cancels the deletion" in html
    deletion = AccountDeletion.objects.get(user=user)
    assert (deletion.purge_after - deletion.requested_at).days == 14
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()
    # Both browsers are signed out.
    assert browser.get("/app/").status_code == 302
    assert other.get("/app/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_REQUEST, actor=user).count() == 1
    # Signing in again cancels it, and says so.
    again = Client()
    welcome = again.post(reverse("web:login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert "Signing in cancelled the deletion of your account." in welcome.content.decode()
    assert not AccountDeletion.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_CANCEL, actor=user).count() == 1
    # An ordinary sign-in later says nothing about it.
    later = Client().post(reverse("web:login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert "cancelled the deletion" not in later.content.decode()


def test_a_wrong_password_is_a_field_error_and_schedules_nothing(user, household):
    browser = signed_in(user)
    response = browser.post(reverse("web:account-delete"), {"password": "not-the-password"})
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_password_errors"') :]
    assert "The password is wrong." in errors[: errors.index("</ul>")]
    assert not AccountDeletion.objects.filter(user=user).exists()
    assert browser.get("/app/").status_code == 200  # still signed in


def test_with_two_factor_on_the_code_is_needed(user, household, clock):
    secret = user_services.two_factor_setup(user=user, password=PASSWORD)["secret"]
    user_services.two_factor_confirm(user=user, code=pyotp.TOTP(secret).now())
    clock.shift(30)
    client = Client()
    client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    client.post(reverse("web:login-code"), {"code": pyotp.TOTP(secret).now()})
    page = client.get(reverse("web:account-delete")).content.decode()
    assert 'name="code"' in page
    missing = client.post(reverse("web:account-delete"), {"password": PASSWORD}).content.decode()
    assert "This field is required." in missing[missing.index('id="id_code_errors"') :]
    wrong = client.post(reverse("web:account-delete"), {"password": PASSWORD, "code": "zzzzz-zzzzz"}).content.decode()
    assert "The code is wrong or was already used." in wrong[wrong.index('id="id_code_errors"') :]
    assert not AccountDeletion.objects.filter(user=user).exists()
    clock.shift(30)
    done = client.post(reverse("web:account-delete"), {"password": PASSWORD, "code": pyotp.TOTP(secret).now()})
    assert "Your account will be deleted for good after" in done.content.decode()
    assert AccountDeletion.objects.filter(user=user).exists()


def test_a_scheduled_deletion_shows_on_the_page_with_a_cancel_button(web_client, user, household):
    # Only reachable when a session outlived the request (force_login has no account session to end).

    services.account_deletion_request(user=user, password=PASSWORD)
    client = web_client(user)
    html = client.get(reverse("web:account-delete")).content.decode()
    assert "Your account is scheduled for deletion" in html
    assert "Delete my account</button>" not in html
    done = client.post(reverse("web:account-delete-cancel"), follow=True).content.decode()
    assert "The deletion of your account is cancelled." in done
    assert not AccountDeletion.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_CANCEL, actor=user).count() == 1
    again = client.post(reverse("web:account-delete-cancel"), follow=True).content.decode()
    assert "No deletion of your account was scheduled." in again


def test_signed_out_visitors_go_to_sign_in(client):
    assert client.get(reverse("web:account-delete")).status_code == 302
    assert client.post(reverse("web:account-delete-cancel")).status_code == 302
