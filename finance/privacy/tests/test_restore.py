"""Restore: export → wipe → import → export gives the same data apart from ids and timestamps."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Household, Membership
from finance.households.services import household_create
from finance.ledger.models import Account, Transaction
from finance.ledger.verify import verify
from finance.privacy import archive
from finance.privacy.services import account_purge, export_data, export_restore
from finance.privacy.tests.data import populate
from finance.users.tests.factories import UserFactory
from finance.users.tests.helpers import error_codes

pytestmark = pytest.mark.django_db

TIMESTAMPS = {"created_at", "updated_at", "joined_at", "date_joined", "last_login"}


def export_zip(user: Any) -> bytes:
    buffer = io.BytesIO()
    archive.write_archive(buffer, data=export_data(user=user), user=user, created_at=timezone.now())
    return buffer.getvalue()


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """The export with every id replaced by what it names (a name, a category path) and timestamps dropped."""
    names: dict[str, str] = {}
    for household in data["households"]:
        names[household["id"]] = f"household:{household['name']}"
    for membership in data["memberships"]:
        names[str(membership["user"])] = f"user:{membership['username']}"
    names[str(data["profile"]["id"])] = f"user:{data['profile']['username']}"
    for account in data["accounts"]:
        names[account["id"]] = f"account:{account['name']}"
    for tag in data["tags"]:
        names[tag["id"]] = f"tag:{tag['name']}"
    for budget in data["budgets"]:
        names[budget["id"]] = f"budget:{budget['name']}"
    for goal in data["goals"]:
        names[goal["id"]] = f"goal:{goal['name']}"
    parents = {c["id"]: c for c in data["categories"]}
    for cat in data["categories"]:
        path: list[str] = []
        node = cat
        while node is not None:
            path.insert(0, node["name"])
            node = parents.get(node["parent"]) if node["parent"] else None
        names[cat["id"]] = "category:" + "/".join(path)

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items() if k not in TIMESTAMPS and k != "id"}
        if isinstance(value, list):
            return sorted((scrub(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, str) and value in names:
            return names[value]
        return value

    return {name: scrub(records) for name, records in data.items()}


def test_export_import_export_round_trip_is_identical_apart_from_ids_and_timestamps(user, household):
    populate(household, user)
    second = household_create(owner=user, name="Holiday flat", base_currency="EUR")
    populate(second, user, tag="flat")
    profile = {f: getattr(user, f) for f in ("username", "email", "first_name", "last_name", "email_verified")}
    before = export_zip(user)
    first_export = json.loads(json.dumps(export_data(user=user), default=str))

    account_purge(user=user)  # wipe: the user and both households are gone
    assert not Transaction.objects.exists()
    assert not Household.objects.exists()
    fresh = UserFactory(**profile)

    result = export_restore(owner=fresh, file=io.BytesIO(before))
    assert result.counts == {
        "accounts": 6,
        "categories": 112,
        "tags": 4,
        "exchange_rates": 2,
        "transactions": 10,
        "budgets": 2,
        "budget_lines": 4,
        "budget_moves": 2,
        "goals": 4,
        "goal_contributions": 2,
    }
    for restored in result.households:
        assert verify(restored.id) == []
    again = json.loads(json.dumps(export_data(user=fresh), default=str))

    assert canonical(again) == canonical(first_export)
    # The rebuilt balances are the ones that were exported.
    assert {a["name"]: a["balance"] for a in again["accounts"]} == {
        a["name"]: a["balance"] for a in first_export["accounts"]
    }
    event = AuditEvent.objects.filter(action=AuditAction.DATA_IMPORT).first()
    assert event is not None
    assert event.actor_id == fresh.pk


def test_restore_through_the_api_gives_the_caller_new_households(user, household):
    populate(household, user)
    content = export_zip(user)
    other = UserFactory()
    api = auth_client(other)
    upload = SimpleUploadedFile("backup.zip", content, content_type="application/zip")
    response = api.post("/api/v1/privacy/import/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(h["name"], h["role"]) for h in body["households"]] == [(household.name, "owner")]
    assert body["counts"]["transactions"] == 5
    copy = Household.objects.get(pk=body["households"][0]["id"])
    assert copy.pk != household.pk
    assert list(Membership.objects.filter(household=copy).values_list("user_id", flat=True)) == [other.pk]
    assert (
        Account.objects.get(household=copy, name="Main checking").balance
        == Account.objects.get(household=household, name="Main checking").balance
    )
    assert Transaction.objects.filter(household=household).count() == 5  # the original is untouched
    # The export's own user made these rows; in the copy its owner did.
    assert set(Transaction.objects.filter(household=copy).values_list("created_by", flat=True)) == {other.pk}


def tampered(content: bytes, path: str, change: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == path else data)
    return out.getvalue()


def test_damaged_or_foreign_files_are_refused_and_change_nothing(user, household):
    populate(household, user)
    content = export_zip(user)
    api = auth_client(user)
    households = Household.objects.count()

    def post(data: bytes) -> Any:
        return api.post("/api/v1/privacy/import/", {"file": SimpleUploadedFile("x.zip", data)}, format="multipart")

    changed = tampered(content, "json/transactions.json", lambda b: b.replace(b"ACME Corp", b"ACME Inc."))
    for bad in (changed, b"not a zip", tampered(content, "manifest.json", lambda b: b"{}")):
        response = post(bad)
        assert response.status_code == 400, response.content
        assert error_codes(response) == ["invalid_file"]
        assert response.json()["errors"][0]["attr"] == "file"
    assert Household.objects.count() == households
    assert post(b"").status_code == 400


def test_management_command_restores_for_the_named_owner(user, household, tmp_path):
    populate(household, user)
    path = tmp_path / "backup.zip"
    path.write_bytes(export_zip(user))
    owner = UserFactory(username="restorer")
    out = io.StringIO()
    call_command("import_export", str(path), "--owner", "restorer", stdout=out)
    assert "accounts 3, " in out.getvalue()
    assert "transactions 5" in out.getvalue()
    restored = Household.objects.get(memberships__user=owner)
    assert Transaction.objects.filter(household=restored).count() == 5
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_export", str(path), "--owner", "nobody-here")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    with pytest.raises(CommandError, match="Not a ZIP"):
        call_command("import_export", str(bad))


def test_restore_can_pick_households_of_the_export(user, household):
    populate(household, user)
    other = household_create(owner=user, name="Second")
    content = export_zip(user)
    api = auth_client(UserFactory())
    picked = api.post(
        "/api/v1/privacy/import/",
        {"file": SimpleUploadedFile("b.zip", content), "household": [str(other.pk)]},
        format="multipart",
    )
    assert picked.status_code == 201, picked.content
    assert [h["name"] for h in picked.json()["households"]] == ["Second"]
    assert picked.json()["counts"]["transactions"] == 0
    unknown = api.post(
        "/api/v1/privacy/import/",
        {"file": SimpleUploadedFile("b.zip", content), "household": ["00000000-0000-4000-8000-000000000000"]},
        format="multipart",
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["attr"]) == (400, "household")
