"""Each sensitive action leaves one audit event: actor, household, address, device, request id, changes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pyotp
import pytest
from rest_framework.test import APIClient

from finance.audit.models import AuditAction, AuditEvent
from finance.audit.services import audit_record
from finance.ledger.tests.factories import make_account, make_txn
from finance.users.models import SignInAttempt
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, tokens_for

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def client(request_id: str, ip: str = "203.0.113.7") -> APIClient:
    return APIClient(HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ip, HTTP_X_REQUEST_ID=request_id)


def signed_in(user, request_id: str = "req-setup", ip: str = "203.0.113.7") -> APIClient:
    access = tokens_for(client(request_id, ip), user.username, PASSWORD)["access"]
    return bearer(access, HTTP_USER_AGENT=AGENT, REMOTE_ADDR=ip, HTTP_X_REQUEST_ID=request_id)


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("created_at")


def test_sign_in_success_and_failure_are_recorded_with_address_device_and_request_id(user):
    ok = client("req-login-1").post(
        "/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200
    event = last(AuditAction.SIGN_IN)
    attempt = SignInAttempt.objects.get(user=user, succeeded=True)
    assert (event.actor_id, event.ip, event.user_agent, event.request_id) == (
        user.pk,
        "203.0.113.7",
        AGENT,
        "req-login-1",
    )
    assert (event.target_type, event.target_id) == ("users.signinattempt", str(attempt.pk))
    assert event.changes == {"method": "password", "reason": "ok"}
    session_event = last(AuditAction.SESSION_CREATED)
    assert session_event.request_id == "req-login-1"
    assert session_event.changes["method"] == "password"

    bad = client("req-login-2", ip="198.51.100.4").post(
        "/api/v1/auth/login/", {"username": user.username, "password": "wrong-password-here"}, format="json"
    )
    assert bad.status_code == 401
    failed = last(AuditAction.SIGN_IN_FAILED)
    assert (failed.actor_id, failed.ip, failed.request_id) == (user.pk, "198.51.100.4", "req-login-2")
    assert failed.changes == {"method": "password", "reason": "bad_credentials"}
    assert "wrong-password-here" not in json.dumps(list(AuditEvent.objects.values()), default=str)


def test_unknown_names_leave_no_audit_event(db):
    client("req-x").post("/api/v1/auth/login/", {"username": "nobody", "password": "whatever-it-is"}, format="json")
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()
    assert SignInAttempt.objects.filter(identifier="nobody").exists()  # the lockout still counts it


def test_profile_edits_record_old_and_new_values(user):
    api = signed_in(user)
    old_email = user.email
    response = api.patch("/api/v1/auth/me/", {"timezone": "Europe/Berlin", "first_name": "Ada"}, format="json")
    assert response.status_code == 200
    event = last(AuditAction.PROFILE_UPDATE)
    assert event.changes == {"timezone": ["UTC", "Europe/Berlin"], "first_name": [user.first_name, "Ada"]}
    assert (event.actor_id, event.target_id, event.request_id) == (user.pk, str(user.pk), "req-setup")

    api.patch("/api/v1/auth/me/", {"email": "new-address@example.com", "current_password": PASSWORD}, format="json")
    event = last(AuditAction.EMAIL_CHANGE)
    assert event.changes == {"email": [old_email, "new-address@example.com"]}
    # Saving the same values again is no change and no event.
    api.patch("/api/v1/auth/me/", {"timezone": "Europe/Berlin"}, format="json")
    assert AuditEvent.objects.filter(action=AuditAction.PROFILE_UPDATE).count() == 1


def test_password_and_two_factor_changes_are_recorded_without_secrets(user, clock):
    api = signed_in(user)
    new_password = "another-long-passphrase-42"
    changed = api.post(
        "/api/v1/auth/password/change/", {"old_password": PASSWORD, "new_password": new_password}, format="json"
    )
    assert changed.status_code == 200
    assert last(AuditAction.PASSWORD_CHANGE).actor_id == user.pk
    revoked = AuditEvent.objects.filter(action=AuditAction.SESSION_REVOKED)
    assert {e.changes["reason"] for e in revoked} == {"password_change"}

    api = bearer(changed.json()["access"], HTTP_X_REQUEST_ID="req-2fa")
    secret = api.post("/api/v1/auth/2fa/setup/", {"password": new_password}, format="json").json()["secret"]
    totp = pyotp.TOTP(secret)
    codes = api.post("/api/v1/auth/2fa/confirm/", {"code": totp.now()}, format="json").json()["recovery_codes"]
    assert last(AuditAction.TWO_FACTOR_ENABLED).request_id == "req-2fa"
    clock.shift(30)
    disabled = api.post("/api/v1/auth/2fa/disable/", {"password": new_password, "code": totp.now()}, format="json")
    assert disabled.status_code == 204
    assert last(AuditAction.TWO_FACTOR_DISABLED).actor_id == user.pk

    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    for secret_value in (new_password, PASSWORD, secret, *codes):
        assert secret_value not in stored


def test_tokens_and_sessions_created_and_revoked(user):
    api = signed_in(user, request_id="req-tokens")
    created = api.post("/api/v1/auth/tokens/", {"name": "script", "scopes": ["read"]}, format="json").json()
    event = last(AuditAction.TOKEN_CREATED)
    assert event.changes == {"name": "script", "scopes": ["read"], "expires_at": None}
    assert event.target_id == created["id"]
    assert created["token"] not in json.dumps(list(AuditEvent.objects.values()), default=str)
    assert api.delete(f"/api/v1/auth/tokens/{created['id']}/").status_code == 204
    assert last(AuditAction.TOKEN_REVOKED).target_id == created["id"]

    other = signed_in(user, request_id="req-other")
    session_id = other.get("/api/v1/auth/sessions/").json()["results"][0]["id"]
    assert api.post("/api/v1/auth/sessions/revoke-others/").status_code == 200
    revoked = last(AuditAction.SESSION_REVOKED)
    assert (revoked.changes, revoked.request_id) == ({"reason": "revoked"}, "req-tokens")
    revoked_ids = AuditEvent.objects.filter(action=AuditAction.SESSION_REVOKED).values_list("target_id", flat=True)
    assert session_id in set(revoked_ids)


def test_membership_changes_are_recorded_in_the_household(user, household):
    api = signed_in(user, request_id="req-members")
    friend = UserFactory()
    invited = api.post(
        f"/api/v1/households/{household.pk}/members/", {"username": friend.username, "role": "viewer"}, format="json"
    ).json()
    event = last(AuditAction.INVITATION_CREATE)
    assert (event.household_id, event.actor_id, event.target_id, event.changes) == (
        household.pk,
        user.pk,
        invited["id"],
        {"identifier": friend.username, "role": "viewer"},  # what the owner typed, nothing about the account
    )
    added = signed_in(friend, request_id="req-accept").post(f"/api/v1/invitations/{invited['id']}/accept/").json()
    accepted = last(AuditAction.INVITATION_ACCEPT)
    assert (accepted.household_id, accepted.actor_id, accepted.changes) == (household.pk, friend.pk, {"role": "viewer"})
    event = last(AuditAction.MEMBER_ADD)
    assert (event.household_id, event.actor_id, event.request_id, event.changes) == (
        household.pk,
        friend.pk,
        "req-accept",
        {"user": str(friend.pk), "role": "viewer", "invitation": invited["id"]},
    )
    api.patch(f"/api/v1/households/{household.pk}/members/{added['id']}/", {"role": "editor"}, format="json")
    assert last(AuditAction.MEMBER_ROLE_CHANGE).changes == {"user": str(friend.pk), "role": ["viewer", "editor"]}
    api.delete(f"/api/v1/households/{household.pk}/members/{added['id']}/")
    assert last(AuditAction.MEMBER_REMOVE).changes == {"user": str(friend.pk), "role": "editor"}
    api.patch(f"/api/v1/households/{household.pk}/", {"name": "Home"}, format="json")
    assert last(AuditAction.HOUSEHOLD_UPDATE).changes == {"name": [household.name, "Home"]}


def test_deletions_and_bulk_operations_are_recorded(user, household):
    api = signed_in(user, request_id="req-ledger")
    account = make_account(household, "Checking")
    txn = make_txn(household, account, amount="12.50", on=date(2026, 1, 5))
    assert api.delete(f"/api/v1/transactions/{txn.pk}/").status_code == 204
    event = last(AuditAction.TRANSACTION_DELETE)
    assert (event.household_id, event.target_id, event.request_id) == (household.pk, str(txn.pk), "req-ledger")
    assert event.changes == {"type": "expense", "amount": "12.5000000000", "currency": "USD", "date": "2026-01-05"}

    rows = [{"account": str(account.pk), "type": "expense", "amount": "1.00", "date": "2026-01-06"}] * 3
    assert api.post("/api/v1/transactions/bulk/", {"transactions": rows}, format="json").status_code == 201
    assert last(AuditAction.TRANSACTION_BULK_CREATE).changes == {"created": 3}
    tag = api.post("/api/v1/tags/", {"name": "trip"}, format="json").json()
    api.delete(f"/api/v1/tags/{tag['id']}/")
    assert last(AuditAction.TAG_DELETE).target_id == tag["id"]
    empty = make_account(household, "Unused")
    api.delete(f"/api/v1/accounts/{empty.pk}/")
    assert last(AuditAction.ACCOUNT_DELETE).changes == {"type": "checking", "currency": "USD"}


def test_secret_looking_fields_are_never_stored(user):
    event = audit_record(
        action=AuditAction.PROFILE_UPDATE,
        actor=user,
        changes={"password": "hunter2-hunter2", "nested": {"api_token": "pft_x"}, "amount": Decimal("1.50")},
    )
    assert event.changes == {"password": "[redacted]", "nested": {"api_token": "[redacted]"}, "amount": "1.50"}
    assert (event.ip, event.request_id) == (None, "")  # no request being served


def test_imports_budgets_and_bulk_edits_are_recorded(user, household, settings, tmp_path):
    from finance.budgets.services import budget_create, goal_create
    from finance.imports.tests.conftest import upload
    from finance.ledger import services as ledger
    from finance.ledger.tests.factories import category

    settings.MEDIA_ROOT = str(tmp_path)
    api = signed_in(user, request_id="req-import")
    account = make_account(household, "Checking")
    data = b"Date,Description,Amount\n2026-03-02,Grocer,-40.00\n2026-03-05,Refund,5.00\n"
    batch = upload(api, account, "s.csv", data=data).json()
    api.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json")
    assert api.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json").status_code == 200
    committed = last(AuditAction.IMPORT_COMMIT)
    assert (committed.household_id, committed.target_id, committed.request_id) == (
        household.pk,
        batch["id"],
        "req-import",
    )
    assert committed.changes == {
        "format": "csv",
        "rows_imported": 2,
        "rows_merged": 0,
        "rows_transferred": 0,
        "rows_skipped": 0,
    }
    assert api.post(f"/api/v1/imports/{batch['id']}/revert/").status_code == 200
    assert last(AuditAction.IMPORT_REVERT).changes == {"transactions_deleted": 2}

    ids = [make_txn(household, account, amount="3.00", on=date(2026, 3, d)).id for d in (1, 2)]
    groceries = category(household, "Groceries")
    ledger.transaction_bulk_update(household=household, actor=user, ids=ids, category=groceries, add_tags=["x"])
    assert last(AuditAction.TRANSACTION_BULK_UPDATE).changes == {
        "updated": 2,
        "category": str(groceries.pk),
        "tags_added": 1,
    }
    ledger.transaction_bulk_delete(household=household, actor=user, ids=ids)
    assert last(AuditAction.TRANSACTION_BULK_DELETE).changes == {"deleted": 2}

    budget = budget_create(
        household=household, actor=user, name="Food", start_date=date(2026, 1, 1), total_amount=Decimal("500")
    )
    goal = goal_create(household=household, actor=user, name="Bike", target_amount=Decimal("300"))
    assert api.delete(f"/api/v1/budgets/{budget.pk}/").status_code == 204
    assert api.delete(f"/api/v1/goals/{goal.pk}/").status_code == 204
    assert last(AuditAction.BUDGET_DELETE).target_id == str(budget.pk)
    assert last(AuditAction.GOAL_DELETE).target_id == str(goal.pk)
