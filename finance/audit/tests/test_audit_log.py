"""The audit log is append-only and each person sees their own events and their owned households'."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent, AuditImmutable, audit_purge
from finance.audit.services import audit_record, audit_retention_purge
from finance.audit.tasks import purge_audit_log

pytestmark = pytest.mark.django_db


def test_saved_events_cannot_be_changed_or_deleted(user):
    event = audit_record(action=AuditAction.PROFILE_UPDATE, actor=user, changes={"locale": ["en", "de"]})
    event.changes = {}
    with pytest.raises(AuditImmutable):
        event.save()
    with pytest.raises(AuditImmutable):
        event.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(ip="192.0.2.1")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.changes == {"locale": ["en", "de"]}


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_outside_the_purge(user):
    event = audit_record(action=AuditAction.PROFILE_UPDATE, actor=user)
    for sql in ("UPDATE audit_auditevent SET ip = '192.0.2.1'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"{sql} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, ip=None).exists()
    with audit_purge():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    # The permission ends with the purge's transaction.
    audit_record(action=AuditAction.PROFILE_UPDATE, actor=user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")


def test_retention_purge_drops_only_old_events(user, settings):
    settings.AUDIT_LOG_RETENTION = timedelta(days=30)
    old = AuditEvent(action=AuditAction.SIGN_IN, actor=user, created_at=timezone.now() - timedelta(days=31))
    old.save()
    recent = audit_record(action=AuditAction.SIGN_IN, actor=user)
    assert purge_audit_log.apply().get() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert audit_retention_purge() == 0


def test_admin_is_read_only():
    admin = site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_people_see_their_own_events_and_owners_see_their_households(roles):
    household = roles.household
    owner, editor, outsider = (roles.users[w] for w in ("owner", "editor", "outsider"))
    by_editor = audit_record(action=AuditAction.TRANSACTION_DELETE, actor=editor, household=household)
    editor_private = audit_record(action=AuditAction.PASSWORD_CHANGE, actor=editor)
    by_owner = audit_record(action=AuditAction.MEMBER_ADD, actor=owner, household=household)
    by_outsider = audit_record(action=AuditAction.PASSWORD_CHANGE, actor=outsider)

    assert ids(roles.client("owner").get("/api/v1/audit/")) >= {str(by_editor.pk), str(by_owner.pk)}
    assert str(editor_private.pk) not in ids(roles.client("owner").get("/api/v1/audit/"))
    assert ids(roles.client("editor").get("/api/v1/audit/")) >= {str(by_editor.pk), str(editor_private.pk)}
    assert str(by_owner.pk) not in ids(roles.client("editor").get("/api/v1/audit/"))
    viewer_sees = ids(roles.client("viewer").get("/api/v1/audit/"))
    assert not viewer_sees & {str(by_editor.pk), str(by_owner.pk), str(editor_private.pk)}
    outsider_sees = ids(roles.client("outsider").get("/api/v1/audit/"))
    assert str(by_outsider.pk) in outsider_sees
    assert not outsider_sees & {str(by_editor.pk), str(by_owner.pk)}
    assert roles.client("anonymous").get("/api/v1/audit/").status_code == 401

    # Details follow the same rule: not visible is not found.
    assert roles.client("owner").get(f"/api/v1/audit/{by_editor.pk}/").json()["actor"] == str(editor.pk)
    assert roles.client("viewer").get(f"/api/v1/audit/{by_editor.pk}/").status_code == 404
    assert roles.client("owner").get("/api/v1/audit/not-a-uuid/").status_code == 404


def test_the_log_has_no_write_endpoints(user):
    event = audit_record(action=AuditAction.SIGN_IN, actor=user)
    api = auth_client(user)
    for method in ("post", "put", "patch", "delete"):
        url = "/api/v1/audit/" if method == "post" else f"/api/v1/audit/{event.pk}/"
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 405, (method, response.content)
        assert response.json()["type"] == "client_error"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_filters_by_action_household_and_date_and_pages(user, household, clock):
    for _ in range(3):
        audit_record(action=AuditAction.TRANSACTION_DELETE, actor=user, household=household)
    clock.shift(timedelta(days=2))
    newest = audit_record(action=AuditAction.TOKEN_CREATED, actor=user)
    api = auth_client(user)  # its own sign-in adds a session event today

    only_tokens = api.get("/api/v1/audit/", {"action": AuditAction.TOKEN_CREATED})
    assert ids(only_tokens) == {str(newest.pk)}
    body = only_tokens.json()["results"][0]
    assert (body["action"], body["actor"], body["household"]) == ("auth.token_created", str(user.pk), None)

    both = api.get(f"/api/v1/audit/?action={AuditAction.TOKEN_CREATED}&action={AuditAction.TRANSACTION_DELETE}")
    assert len(ids(both)) == 4
    in_household = api.get("/api/v1/audit/", {"household": str(household.pk)})
    assert len(ids(in_household)) == 3
    day = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert len(ids(api.get("/api/v1/audit/", {"date_before": day}))) == 3
    assert newest.pk not in ids(api.get("/api/v1/audit/", {"date_before": day}))
    assert str(newest.pk) in ids(api.get("/api/v1/audit/", {"date_after": timezone.now().date().isoformat()}))
    bad = api.get("/api/v1/audit/", {"action": "nope", "date_after": "yesterday"})
    assert bad.status_code == 400
    assert {e["attr"] for e in bad.json()["errors"]} == {"action", "date_after"}

    first = api.get("/api/v1/audit/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert first["results"][0]["created_at"] >= second["results"][0]["created_at"]


def test_listing_does_not_grow_queries_with_events(user, household):
    api = auth_client(user)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/audit/").status_code == 200
        return len(captured)

    audit_record(action=AuditAction.SIGN_IN, actor=user)
    count()  # the first request also checks and touches the session
    few = count()
    for _ in range(20):
        audit_record(action=AuditAction.TRANSACTION_DELETE, actor=user, household=household)
    assert count() == few
