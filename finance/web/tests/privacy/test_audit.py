"""The household's activity log: events in plain words, who may read which, the filters and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from finance.audit.models import AuditAction, AuditEvent
from finance.households import services as households
from finance.households.models import Membership
from finance.ledger import services as ledger
from finance.ledger.tests.factories import make_account, make_txn

pytestmark = pytest.mark.django_db
URL = reverse("web:audit")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def log(roles):
    """Events in the roles' household by the owner and the editor, one personal event, one elsewhere."""
    household = roles.household
    owner, editor, viewer = roles.users["owner"], roles.users["editor"], roles.users["viewer"]
    owner.first_name, owner.last_name = "Olive", "Owner"
    owner.save()
    AuditEvent.objects.create(
        action=AuditAction.TRANSACTION_DELETE,
        actor=editor,
        household=household,
        created_at=at(3),
        changes={"type": "expense", "amount": "42.50", "currency": "USD", "date": "2026-03-01"},
    )
    AuditEvent.objects.create(
        action=AuditAction.MEMBER_ROLE_CHANGE,
        actor=owner,
        household=household,
        created_at=at(5),
        changes={"user": str(viewer.pk), "role": ["editor", "viewer"]},
    )
    AuditEvent.objects.create(
        action=AuditAction.IMPORT_COMMIT,
        household=household,
        created_at=at(7),
        changes={"format": "ofx", "rows_imported": 120},
    )
    AuditEvent.objects.create(action=AuditAction.SIGN_IN, actor=owner, created_at=at(8), changes={"method": "password"})
    outsider_home = Membership.objects.get(user=roles.users["outsider"]).household
    AuditEvent.objects.create(
        action=AuditAction.TAG_DELETE, actor=roles.users["outsider"], household=outsider_home, created_at=at(6)
    )
    return household


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return [row.split("</th>")[0].rsplit(">", 1)[-1] for row in body.split("<tr>")[1:]]


def test_owners_read_every_event_in_plain_words(roles, log, web_client):
    html = web_client(roles.users["owner"]).get(URL).content.decode()
    assert rows(html) == ["Statement import committed", "Member&#x27;s role changed", "Transaction deleted"]
    assert "Olive Owner" in html
    assert f"Member: {roles.users['viewer'].get_full_name()}" in html
    assert "Role: Editor → Viewer" in html
    assert "Amount: $42.50" in html
    assert "Date: Mar 1, 2026" in html
    assert "Imported: 120" in html
    assert "The system" in html  # the import had no actor
    assert "{" not in html.split("<tbody>")[1].split("</tbody>")[0]  # no raw JSON
    assert "Signed in" not in rows(html)  # personal events are not the household's


def test_others_read_only_their_own_events(roles, log, web_client):
    editor = web_client(roles.users["editor"]).get(URL).content.decode()
    assert rows(editor) == ["Transaction deleted"]
    assert "Owners see everyone" in editor
    assert 'name="actor"' not in editor
    viewer = web_client(roles.users["viewer"]).get(URL).content.decode()
    assert rows(viewer) == []
    assert "Nothing recorded yet." in viewer


def test_an_outsider_sees_only_their_own_household(roles, log, web_client):
    html = web_client(roles.users["outsider"]).get(URL).content.decode()
    assert rows(html) == ["Tag deleted"]
    assert "Olive Owner" not in html
    assert "/app/household/audit/" in web_client(roles.users["outsider"]).get(reverse("web:household")).content.decode()


def test_signed_out_visitors_go_to_sign_in(client):
    assert client.get(URL).status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=ledger", ["Transaction deleted"]),
        ("kind=member", ["Member&#x27;s role changed"]),
        ("action=import.commit", ["Statement import committed"]),
        ("date_after=2026-03-04&date_before=2026-03-06", ["Member&#x27;s role changed"]),
        ("date_before=2026-03-04", ["Transaction deleted"]),
    ],
)
def test_filters(roles, log, web_client, query, expected):
    assert rows(web_client(roles.users["owner"]).get(f"{URL}?{query}").content.decode()) == expected


def test_filter_by_member(roles, log, web_client):
    client = web_client(roles.users["owner"])
    html = client.get(f"{URL}?actor={roles.users['editor'].pk}").content.decode()
    assert rows(html) == ["Transaction deleted"]
    assert "Clear filters" in html
    none = client.get(f"{URL}?actor={roles.users['viewer'].pk}").content.decode()
    assert rows(none) == []
    assert "No events match these filters." in none


def test_a_bad_date_range_is_a_field_error(roles, log, web_client):
    response = web_client(roles.users["owner"]).get(f"{URL}?date_after=2026-03-06&date_before=2026-03-04")
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_date_before_errors"') :]
    assert "The end date cannot be before the start date." in errors[: errors.index("</ul>")]


def test_pages_follow_the_cursor_without_gaps_or_repeats(roles, log, web_client, monkeypatch):
    monkeypatch.setattr("finance.web.privacy.views.AUDIT_PAGE_SIZE", 2)
    for day in (10, 11, 12):
        AuditEvent.objects.create(
            action=AuditAction.TAG_DELETE, actor=roles.users["owner"], household=log, created_at=at(day)
        )
    client = web_client(roles.users["owner"])
    seen: list[str] = []
    url = f"{URL}?kind=ledger"
    for _page in range(5):
        html = client.get(url).content.decode()
        seen.extend(rows(html))
        if "Older events" not in html:
            break
        cursor = html.split("cursor=")[1].split('"')[0]
        assert "kind=ledger&amp;cursor=" in html  # the filter is kept
        url = f"{URL}?kind=ledger&cursor={cursor}"
    assert seen == ["Tag deleted", "Tag deleted", "Tag deleted", "Transaction deleted"]
    assert "Newest first" in html


def test_real_actions_are_logged_and_shown(roles, web_client):
    household = roles.household
    owner = roles.users["owner"]
    account = make_account(household, "Checking")
    txn = make_txn(household, account, "expense", "9.99")
    ledger.transaction_delete(txn=txn, actor=owner)
    membership = Membership.objects.get(user=roles.users["viewer"], household=household)
    households.member_update_role(membership=membership, actor=owner, role="editor")
    html = web_client(owner).get(URL).content.decode()
    assert rows(html)[:2] == ["Member&#x27;s role changed", "Transaction deleted"]
    assert "Role: Viewer → Editor" in html
    assert "Amount: $9.99" in html
    assert datetime.now(UTC) - AuditEvent.objects.latest("created_at").created_at < timedelta(minutes=1)


def test_the_log_in_spanish(roles, log, web_client):
    owner = roles.users["owner"]
    owner.locale = "es"
    owner.save(update_fields=["locale"])
    html = web_client(owner).get(URL).content.decode()
    assert "Registro de actividad" in html
    assert rows(html) == ["Importación de extracto confirmada", "Rol de un miembro cambiado", "Movimiento eliminado"]
    assert "Rol: Editor → Lector" in html
    assert "El sistema" in html
