"""The profile picture through the API: ``PUT/GET/DELETE me/avatar/`` and ``avatar`` on ``me/``.

The picture is the person's own: the only URL that serves it answers the signed-in person's picture, so
nobody can ask for someone else's. A refused upload is a 400 on ``avatar`` and keeps the previous picture.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from conftest import auth_client
from finance.audit.models import AuditAction, AuditEvent
from finance.users.tests.factories import UserFactory
from finance.users.tests.helpers import error_attrs, error_codes
from finance.users.tests.images import (
    GPS,
    SECRET,
    bomb_png,
    image_bytes,
    is_blue,
    is_red,
    too_big_png,
    upload,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/me/avatar/"


def put(client: APIClient, content: bytes, name: str = "me.png", content_type: str = "image/png"):
    return client.put(URL, {"avatar": upload(content, name, content_type)}, format="multipart")


def stored_files(user) -> list[str]:
    folder = f"avatars/{user.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def test_me_has_no_avatar_until_one_is_uploaded_and_its_other_fields_stay(client_for, user):
    before = client_for.get("/api/v1/auth/me/").json()
    assert before["avatar"] is None
    response = put(client_for, image_bytes("PNG"))
    assert response.status_code == 200, response.content
    body = response.json()
    user.refresh_from_db()
    version = user.avatar.name.rsplit("/", 1)[-1][:12]
    assert body["avatar"] == f"http://testserver{URL}?v={version}"
    assert {k: v for k, v in body.items() if k != "avatar"} == {k: v for k, v in before.items() if k != "avatar"}
    assert client_for.get("/api/v1/auth/me/").json()["avatar"] == body["avatar"]


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_an_upload_is_stored_as_a_256px_webp_without_its_metadata_and_turned_upright(
    client_for, user, fmt, content_type
):
    original = image_bytes(fmt, exif=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825) == GPS  # the upload carries GPS
    assert put(client_for, original, f"me.{fmt.lower()}", content_type).status_code == 200

    response = client_for.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    stored = Image.open(io.BytesIO(response.content))
    assert (stored.format, stored.size) == ("WEBP", (256, 256))
    exif = stored.getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(0x8825) == {}
    assert "exif" not in stored.info
    assert "xmp" not in stored.info
    assert "icc_profile" not in stored.info
    assert SECRET.encode() not in response.content
    # Orientation 6 applied: the left (red) half of the 200 × 100 upload is now the top.
    rgb = stored.convert("RGB")
    assert is_red(rgb.getpixel((128, 20)))
    assert is_blue(rgb.getpixel((128, 236)))
    # The same bytes are on disk (and nothing else of the upload).
    with default_storage.open(user.__class__.objects.get(pk=user.pk).avatar.name, "rb") as handle:
        assert handle.read() == response.content


@pytest.mark.parametrize(
    ("content", "name", "content_type", "code"),
    [
        (too_big_png(), "big.png", "image/png", "image_file_too_large"),
        (image_bytes("GIF"), "me.gif", "image/gif", "image_type"),
        (b"just some text, not a picture\n" * 10, "notes.png", "image/png", "not_an_image"),
        (image_bytes("PNG")[:120], "cut.png", "image/png", "not_an_image"),
        (bomb_png(), "bomb.png", "image/png", "image_dimensions"),
        (bomb_png(6000, 6000), "wide.png", "image/png", "image_dimensions"),
    ],
    ids=["too-big", "gif", "text-named-png", "truncated", "bomb", "over-25-megapixels"],
)
def test_a_refused_upload_is_a_field_error_and_keeps_the_previous_picture(
    client_for, user, content, name, content_type, code
):
    assert put(client_for, image_bytes("PNG")).status_code == 200
    user.refresh_from_db()
    previous, files = user.avatar.name, stored_files(user)
    events = AuditEvent.objects.filter(action=AuditAction.PROFILE_UPDATE).count()

    response = put(client_for, content, name, content_type)

    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert error_attrs(response) == {"avatar"}
    user.refresh_from_db()
    assert user.avatar.name == previous
    assert stored_files(user) == files
    assert AuditEvent.objects.filter(action=AuditAction.PROFILE_UPDATE).count() == events


def test_replacing_and_removing_delete_the_old_files(client_for, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        put(client_for, image_bytes("PNG"))
    user.refresh_from_db()
    first = user.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        put(client_for, image_bytes("JPEG"), "me.jpg", "image/jpeg")
    user.refresh_from_db()
    assert user.avatar.name != first
    assert not default_storage.exists(first)
    assert stored_files(user) == [user.avatar.name.rsplit("/", 1)[-1]]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for.delete(URL)
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert stored_files(user) == []
    assert client_for.get("/api/v1/auth/me/").json()["avatar"] is None
    assert client_for.get(URL).status_code == 404
    assert client_for.delete(URL).status_code == 204  # nothing to remove: still done


def test_nobody_else_gets_the_picture(client_for, user):
    assert put(client_for, image_bytes("PNG")).status_code == 200
    other = auth_client(UserFactory())
    assert other.get(URL).status_code == 404  # their own (none), never this user's
    assert other.get(client_for.get("/api/v1/auth/me/").json()["avatar"]).status_code == 404
    assert APIClient().get(URL).status_code == 401
    assert APIClient().put(URL, {"avatar": upload(image_bytes())}, format="multipart").status_code == 401


def test_a_missing_file_is_required(client_for):
    response = client_for.put(URL, {}, format="multipart")
    assert response.status_code == 400
    assert error_attrs(response) == {"avatar"}


def test_the_avatar_route_is_named(client_for):
    assert reverse("auth-me-avatar") == URL
