"""The profile picture in the data export (a file beside the profile) and gone with the account."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from finance.privacy import archive, services
from finance.users.services import user_set_avatar
from finance.users.tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def _export(user) -> zipfile.ZipFile:
    target = io.BytesIO()
    archive.write_archive(target, data=services.export_data(user=user), user=user, created_at=timezone.now())
    return zipfile.ZipFile(io.BytesIO(target.getvalue()))


def test_the_export_holds_the_picture_as_stored_and_names_it_in_the_profile(user, household):
    assert json.loads(_export(user).read("json/profile.json"))["avatar"] is None
    user_set_avatar(user=user, upload=upload(image_bytes("JPEG", exif=True), "me.jpg", "image/jpeg"))
    with default_storage.open(user.avatar.name, "rb") as handle:
        stored = handle.read()
    exported = _export(user)
    profile = json.loads(exported.read("json/profile.json"))
    assert profile["avatar"] == "files/avatar.webp"
    assert exported.read("files/avatar.webp") == stored
    manifest = json.loads(exported.read("manifest.json"))
    assert manifest["files"]["files/avatar.webp"] == {
        "sha256": hashlib.sha256(stored).hexdigest(),
        "bytes": len(stored),
    }
    # The archive still reads as an export (the extra file is checked, not parsed).
    _manifest, data = archive.read_archive(io.BytesIO(_zip_bytes(user)))
    assert data["profile"]["avatar"] == "files/avatar.webp"


def _zip_bytes(user) -> bytes:
    target = io.BytesIO()
    archive.write_archive(target, data=services.export_data(user=user), user=user, created_at=timezone.now())
    return target.getvalue()


def test_deleting_the_account_deletes_the_picture(user, household, django_capture_on_commit_callbacks):
    user_set_avatar(user=user, upload=upload(image_bytes("PNG")))
    name = user.avatar.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.account_purge(user=user)
    assert not default_storage.exists(name)
