"""Restore files at the edge (issue #17): JSON nested deep enough to exhaust recursion, text that cannot be stored,
amounts outside the supported range. Each is refused on ``file`` with nothing created, as a damaged file is."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import auth_client
from finance.households.models import Household
from finance.ledger.models import Transaction
from finance.privacy import archive
from finance.privacy.services import export_data
from finance.privacy.tests.data import populate

pytestmark = pytest.mark.django_db


def export_zip(user: Any) -> bytes:
    buffer = io.BytesIO()
    archive.write_archive(buffer, data=export_data(user=user), user=user, created_at=timezone.now())
    return buffer.getvalue()


def rewritten(content: bytes, path: str, change: Callable[[bytes], bytes]) -> bytes:
    """The export with one file changed and the manifest's checksum of it updated, as a crafted file would be."""
    source = zipfile.ZipFile(io.BytesIO(content))
    files = {name: source.read(name) for name in source.namelist()}
    files[path] = change(files[path])
    manifest = json.loads(files[archive.MANIFEST])
    manifest["files"][path] = {"sha256": hashlib.sha256(files[path]).hexdigest(), "bytes": len(files[path])}
    files[archive.MANIFEST] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    return out.getvalue()


def first_record(change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    def apply(data: bytes) -> bytes:
        records = json.loads(data)
        change(records[0])
        return json.dumps(records).encode()

    return apply


@pytest.fixture
def backup(user, household) -> bytes:
    populate(household, user)
    return export_zip(user)


def restore(user: Any, content: bytes) -> Any:
    upload = SimpleUploadedFile("backup.zip", content, content_type="application/zip")
    return auth_client(user).post("/api/v1/privacy/import/", {"file": upload}, format="multipart")


def test_an_untouched_export_restores(user, backup):
    assert restore(user, backup).status_code == 201


@pytest.mark.parametrize(
    ("path", "change", "detail"),
    [
        (
            "json/transactions.json",
            lambda data: b'[{"payee": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]",
            "json/transactions.json at 0.payee.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0: Nested more than 20 levels deep.",
        ),
        (
            "json/transactions.json",
            lambda data: data.replace(b"ACME Corp", b"ACME \\ud800Corp"),
            "json/transactions.json at 0.payee: Surrogate characters are not allowed: U+D800.",
        ),
        (
            "json/transactions.json",
            first_record(lambda r: r.update(amount="999999999999999999.99")),
            "transactions[0]: amount: Amounts must be less than 10000000000000 in absolute value.",
        ),
        (
            "json/accounts.json",
            first_record(lambda r: r.update(opening_balance="-100000000000000")),
            "accounts[0]: opening_balance: Amounts must be less than 10000000000000 in absolute value.",
        ),
        (
            "json/transactions.json",
            first_record(lambda r: r.update(categorization_confidence="123456.5")),
            "transactions[0]: categorization_confidence has an invalid value.",
        ),
        (
            "json/transactions.json",
            first_record(lambda r: r.update(description="line\u0000break")),
            "json/transactions.json at 0.description: Null characters are not allowed.",
        ),
    ],
)
def test_a_crafted_file_is_refused_on_file_and_creates_nothing(user, household, backup, path, change, detail):
    households = Household.objects.count()
    transactions = Transaction.objects.count()
    response = restore(user, rewritten(backup, path, change))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert [(e["attr"], e["code"], e["detail"]) for e in body["errors"]] == [("file", "invalid_file", detail)]
    assert Household.objects.count() == households
    assert Transaction.objects.count() == transactions
