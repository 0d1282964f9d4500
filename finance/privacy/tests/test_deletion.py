"""Account deletion: confirmed request, cancelled by signing in, purged after the grace period."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from finance.audit.models import AuditAction, AuditEvent
from finance.audit.services import audit_record
from finance.households.models import Household, Membership, Role
from finance.households.services import household_create
from finance.imports.services import import_upload
from finance.ledger.models import Transaction
from finance.ledger.verify import verify
from finance.privacy.models import AccountDeletion
from finance.privacy.tasks import purge_deleted_accounts
from finance.privacy.tests.data import populate
from finance.users.models import AuthSession, PersonalAccessToken, SignInAttempt, User
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_attrs, error_codes, tokens_for

pytestmark = pytest.mark.django_db


def signed_in(user) -> APIClient:
    return bearer(tokens_for(APIClient(), user.username, PASSWORD)["access"])


def login(user) -> int:
    response = APIClient().post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    return response.status_code


def test_request_needs_the_password_and_ends_every_session_and_token(clock, user, household, settings):
    api = signed_in(user)
    api.post("/api/v1/auth/tokens/", {"name": "cron", "scopes": ["read"]}, format="json")
    wrong = api.post("/api/v1/privacy/delete-account/", {"password": "not-my-password"}, format="json")
    assert wrong.status_code == 400
    assert (error_codes(wrong), error_attrs(wrong)) == (["wrong_password"], {"password"})
    assert not AccountDeletion.objects.exists()

    response = api.post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["purge_after"] == "2026-03-16T09:00:00Z"  # 14 days by default
    assert not AuthSession.objects.filter(user=user, revoked_at=None).exists()
    assert not PersonalAccessToken.objects.filter(user=user, revoked_at=None).exists()
    assert api.get("/api/v1/auth/me/").status_code == 401
    event = AuditEvent.objects.get(action=AuditAction.DELETION_REQUEST)
    assert event.changes == {"purge_after": "2026-03-16T09:00:00+00:00"}

    again = signed_in(user)  # signing in cancels, so a new request is possible again
    assert not AccountDeletion.objects.exists()
    again.post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    assert AccountDeletion.objects.filter(user=user).exists()


def test_with_two_factor_on_a_code_is_needed(clock, user, household):
    api = signed_in(user)
    totp = pyotp.TOTP(api.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"])
    api.post("/api/v1/auth/2fa/confirm/", {"code": totp.now()}, format="json")
    clock.shift(30)
    missing = api.post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    assert (missing.status_code, error_codes(missing)) == (400, ["required"])
    bad = api.post("/api/v1/privacy/delete-account/", {"password": PASSWORD, "code": "000000"}, format="json")
    assert (bad.status_code, error_codes(bad)) == (400, ["invalid_code"])
    ok = api.post("/api/v1/privacy/delete-account/", {"password": PASSWORD, "code": totp.now()}, format="json")
    assert ok.status_code == 202, ok.content


def test_tokens_cannot_delete_the_account(user, household):
    api = signed_in(user)
    raw = api.post("/api/v1/auth/tokens/", {"name": "w", "scopes": ["read", "write"]}, format="json").json()["token"]
    response = bearer(raw).post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    assert response.status_code == 403


def test_signing_in_during_the_grace_period_cancels(clock, user, household, settings):
    signed_in(user).post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    clock.shift(settings.ACCOUNT_DELETION_GRACE - timedelta(minutes=1))
    assert login(user) == 200
    assert not AccountDeletion.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETION_CANCEL, actor=user).exists()
    clock.shift(timedelta(days=30))
    assert purge_deleted_accounts.apply().get() == 0
    assert User.objects.filter(pk=user.pk).exists()


def test_after_the_grace_period_the_account_and_its_solo_households_are_purged(
    clock, user, household, settings, media, django_capture_on_commit_callbacks
):
    made = populate(household, user)
    statement = SimpleUploadedFile("bank.csv", b"Date,Payee,Amount\n2026-02-01,Corner Grocer,-12.00\n")
    batch = import_upload(household=household, actor=user, account=made["checking"], file=statement)
    assert (media / batch.file.name).exists()
    # A shared household the user owns alone with two others: the longest-standing editor takes over.
    shared = household_create(owner=user, name="Family")
    populate(shared, user, tag="family")
    early_viewer, early_editor, late_editor = UserFactory(), UserFactory(), UserFactory()
    for member, role in ((early_viewer, Role.VIEWER), (early_editor, Role.EDITOR)):
        Membership.objects.create(household=shared, user=member, role=role)
    clock.shift(60)
    Membership.objects.create(household=shared, user=late_editor, role=Role.EDITOR)
    client = APIClient(REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT="Personal browser")
    tokens_for(client, user.username, PASSWORD)
    audit_record(action=AuditAction.TRANSACTION_DELETE, actor=user, household=shared)
    APIClient().post("/api/v1/auth/login/", {"username": user.email.upper(), "password": "x" * 12}, format="json")
    SignInAttempt.objects.create(
        user=None, identifier=user.email.lower(), succeeded=False, reason="bad_credentials", created_at=timezone.now()
    )
    signed_in(user).post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")

    clock.shift(settings.ACCOUNT_DELETION_GRACE - timedelta(seconds=1))
    assert purge_deleted_accounts.apply().get() == 0
    clock.shift(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_deleted_accounts.apply().get() == 1
    assert not (media / batch.file.name).exists()  # the uploaded statement went with its household

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Household.objects.filter(pk=household.pk).exists()
    assert not Transaction.objects.filter(household_id=household.pk).exists()
    shared.refresh_from_db()
    roles = dict(Membership.objects.filter(household=shared).values_list("user_id", "role"))
    assert roles == {early_viewer.pk: "viewer", early_editor.pk: "owner", late_editor.pk: "editor"}
    assert Transaction.objects.filter(household=shared).count() == 5
    assert set(Transaction.objects.filter(household=shared).values_list("created_by", flat=True)) == {None}
    assert verify(shared.id) == []
    transfer = AuditEvent.objects.get(action=AuditAction.OWNERSHIP_TRANSFER)
    assert (transfer.household_id, transfer.changes["user"], transfer.changes["role"]) == (
        shared.pk,
        str(early_editor.pk),
        ["editor", "owner"],
    )
    # Their events in the shared household stay, anonymous; everything else of theirs is gone.
    kept = AuditEvent.objects.filter(household=shared, action=AuditAction.TRANSACTION_DELETE).get()
    assert (kept.actor_id, kept.ip, kept.user_agent) == (None, None, "")
    assert not AuditEvent.objects.filter(actor_id=user.pk).exists()
    assert not AuditEvent.objects.filter(household_id=household.pk).exists()
    purge = AuditEvent.objects.get(action=AuditAction.ACCOUNT_PURGE)
    assert purge.changes == {"households_deleted": 1, "households_kept": 1}

    # No kept table holds their name, address or email as text.
    for table in ("audit_auditevent", "users_signinattempt", "households_membership", "ledger_transaction"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = json.dumps(cursor.fetchall(), default=str).lower()
        for personal in (user.username.lower(), user.email.lower(), "203.0.113.50", "personal browser"):
            assert personal not in dump, (table, personal)


def test_purge_leaves_households_with_another_owner_as_they_are(clock, user, settings):
    shared = household_create(owner=UserFactory(), name="Shared")
    Membership.objects.create(household=shared, user=user, role=Role.OWNER)
    editor = UserFactory()
    Membership.objects.create(household=shared, user=editor, role=Role.EDITOR)
    signed_in(user).post("/api/v1/privacy/delete-account/", {"password": PASSWORD}, format="json")
    clock.shift(settings.ACCOUNT_DELETION_GRACE)
    assert purge_deleted_accounts.apply().get() == 1
    assert Household.objects.filter(pk=shared.pk).exists()
    assert sorted(Membership.objects.filter(household=shared).values_list("role", flat=True)) == ["editor", "owner"]
    assert not AuditEvent.objects.filter(action=AuditAction.OWNERSHIP_TRANSFER).exists()


def test_password_guesses_are_throttled(user, household, settings, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    settings.API_THROTTLE = True
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "password": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    api = signed_in(user)
    statuses = [
        api.post("/api/v1/privacy/delete-account/", {"password": f"guess-{i}-guess"}, format="json").status_code
        for i in range(3)
    ]
    assert statuses == [400, 400, 429]
    assert not AccountDeletion.objects.exists()
