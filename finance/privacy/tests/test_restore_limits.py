"""Restoring an export holds a bounded amount of memory, whatever the ZIP holds.

A 306 KB ZIP took 875 MB to restore: every member was read whole, up to 2 GiB unpacked, and a JSON list of
zeros became hundreds of millions of Python objects. Members are now streamed, the archive may unpack to at
most ``RESTORE_MAX_UNPACKED_BYTES``, a member may not inflate more than ``MAX_RATIO`` times, and a JSON member
denser than an export is refused before it is parsed. Memory is measured with tracemalloc (what Python
allocated), not time.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import string
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Household
from finance.ledger.models import Transaction
from finance.privacy import archive
from finance.privacy.services import export_data
from finance.privacy.tests.data import populate
from finance.users.tests.helpers import error_codes

pytestmark = pytest.mark.django_db
MiB = 1024 * 1024


def export_zip(user: Any) -> bytes:
    buffer = io.BytesIO()
    archive.write_archive(buffer, data=export_data(user=user), user=user, created_at=timezone.now())
    return buffer.getvalue()


def forged(files: dict[str, bytes], resources: list[str]) -> bytes:
    """A ZIP that passes every check but the size ones: our manifest, right checksums."""
    manifest = {
        "format": archive.FORMAT,
        "schema_version": archive.SCHEMA_VERSION,
        "created_at": "2026-03-02T09:00:00Z",
        "user": {"id": "x", "username": "x"},
        "resources": resources,
        "counts": {},
        "files": {path: {"sha256": hashlib.sha256(c).hexdigest(), "bytes": len(c)} for path, c in files.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for path, content in files.items():
            target.writestr(path, content)
        target.writestr(archive.MANIFEST, json.dumps(manifest))
    return out.getvalue()


def peak_memory(call: Callable[[], Any]) -> int:
    """The most memory Python held at once while ``call`` ran, in bytes (its result or refusal aside)."""
    tracemalloc.start()
    try:
        call()
    except Exception:  # noqa: BLE001, S110 - the refusal is asserted by the caller
        pass
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def restore(user: Any, data: bytes) -> Any:
    return auth_client(user).post(
        "/api/v1/privacy/import/", {"file": SimpleUploadedFile("x.zip", data)}, format="multipart"
    )


def refused_and_nothing_changed(user: Any, response: Any, detail: str, households: int) -> None:
    assert response.status_code == 400, response.content
    assert error_codes(response) == ["invalid_file"]
    assert response.json()["errors"][0]["attr"] == "file"
    assert detail in response.json()["errors"][0]["detail"]
    assert Household.objects.count() == households
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_IMPORT).exists()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(user, household):
    zeros = b"[" + b"0," * (16 * MiB) + b"0]"  # 32 MiB of JSON: hundreds of MiB as Python objects
    bomb = forged({"json/transactions.json": zeros}, ["transactions"])
    assert len(bomb) < 100_000
    households = Household.objects.count()
    assert peak_memory(lambda: archive.read_archive(io.BytesIO(bomb))) < 2 * MiB
    refused_and_nothing_changed(user, restore(user, bomb), "inflates more than 100 times", households)


def test_an_archive_over_the_unpacked_limit_is_refused_while_streaming(user, household, settings):
    settings.RESTORE_MAX_UNPACKED_BYTES = 4 * MiB
    rng = random.Random(7)
    noise = "".join(rng.choices(string.ascii_letters, k=6 * MiB)).encode()  # inflates little, so streamed
    data = forged({"csv/extra.csv": noise, "json/households.json": b"[]"}, ["households"])
    households = Household.objects.count()
    assert peak_memory(lambda: archive.read_archive(io.BytesIO(data))) < 3 * MiB  # a chunk or two, not 6 MiB
    refused_and_nothing_changed(user, restore(user, data), "unpacks to more than 4 MiB", households)


def test_json_denser_than_an_export_is_refused_before_it_is_parsed(user, household):
    rng = random.Random(3)
    items = ",".join(
        "{}" if i % 2 else json.dumps("".join(rng.choices(string.ascii_letters, k=3))) for i in range(600_000)
    )
    dense = f"[{items}]".encode()  # about 4 bytes a value: passes the ratio, not the density
    data = forged({"json/transactions.json": dense}, ["transactions"])
    households = Household.objects.count()
    assert peak_memory(lambda: archive.read_archive(io.BytesIO(data))) < len(dense) * 3
    refused_and_nothing_changed(user, restore(user, data), "denser than a data export", households)


def test_json_nested_too_deep_is_an_invalid_file_not_a_crash(user, household):
    deep = b"[" * 200_000 + b"]" * 200_000
    data = forged({"json/households.json": deep}, ["households"])
    households = Household.objects.count()
    refused_and_nothing_changed(user, restore(user, data), "levels deep", households)


def test_csv_files_are_checked_in_chunks_not_read_whole(user, household):
    populate(household, user)
    content = export_zip(user)
    source = zipfile.ZipFile(io.BytesIO(content))
    files = {name: source.read(name) for name in source.namelist() if name != archive.MANIFEST}
    rng = random.Random(11)
    files["csv/transactions.csv"] += "".join(rng.choices(string.ascii_letters + "\n,", k=8 * MiB)).encode()
    manifest = json.loads(source.read(archive.MANIFEST))
    data = forged(files, manifest["resources"])
    peak = peak_memory(lambda: archive.read_archive(io.BytesIO(data)))
    assert peak < 4 * MiB  # the 8 MiB CSV never sat in memory whole
    response = restore(user, data)
    assert response.status_code == 201, response.content
    copy = Household.objects.get(pk=response.json()["households"][0]["id"])
    assert Transaction.objects.filter(household=copy).count() == Transaction.objects.filter(household=household).count()


def test_a_real_export_is_far_within_the_limits(user, household):
    populate(household, user)
    content = export_zip(user)
    entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    transactions = next(e for e in entries if e.filename == "json/transactions.json")
    data = zipfile.ZipFile(io.BytesIO(content)).read(transactions)
    values = data.count(b",") + data.count(b"{") + data.count(b"[") + 1
    assert len(data) / values > 2 * archive.MIN_BYTES_PER_VALUE
    manifest, restored = archive.read_archive(io.BytesIO(content))
    assert len(restored["transactions"]) == manifest["counts"]["transactions"]


def test_the_command_may_take_a_larger_archive_than_the_api(user, household, settings, tmp_path):
    populate(household, user)
    content = export_zip(user)
    settings.RESTORE_MAX_UNPACKED_BYTES = 1024
    households = Household.objects.count()
    assert restore(user, content).status_code == 400
    path = tmp_path / "backup.zip"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_export", str(path), "--owner", user.username, "--max-unpacked-mib", "16", stdout=out)
    assert "done:" in out.getvalue()
    assert Household.objects.count() == households + 1
