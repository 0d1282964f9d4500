"""The profile page's picture: upload (re-encoded without metadata), refusals on the field, removal, the
header, and that only its owner can fetch it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from finance.users.tests.factories import UserFactory
from finance.users.tests.images import SECRET, bomb_png, image_bytes, too_big_png, upload

pytestmark = pytest.mark.django_db


def stored_files(user) -> list[str]:
    folder = f"avatars/{user.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


@pytest.mark.parametrize(("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_uploading_on_the_profile_page_stores_a_clean_square_and_shows_it(web_client, user, fmt, content_type):
    client = web_client(user)
    response = client.post(
        reverse("web:profile-avatar"),
        {"avatar": upload(image_bytes(fmt, exif=True), f"me.{fmt.lower()}", content_type)},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:profile")
    user.refresh_from_db()
    version = user.avatar.name.rsplit("/", 1)[-1][:12]
    url = f"{reverse('web:profile-avatar')}?v={version}"

    page = client.get(reverse("web:profile")).content.decode()
    assert "Picture saved." in page
    assert f'<img class="avatar" src="{url}" alt="" width="24" height="24">' in page  # the header
    assert f'id="avatar-preview" width="96" height="96" alt="Your profile picture"\n         src="{url}"' in page
    assert "Remove picture" in page

    picture = client.get(url)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/webp"
    assert picture["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(picture.content))
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(0x8825) == {}
    assert "exif" not in image.info
    assert SECRET.encode() not in picture.content


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (too_big_png(), "big.png", "image/png", "The image is larger than 2 MiB."),
        (image_bytes("GIF"), "me.gif", "image/gif", "Use a PNG, JPEG or WebP image."),
        (b"not a picture at all\n" * 20, "notes.png", "image/png", "This file is not an image that can be read."),
        (bomb_png(), "bomb.png", "image/png", "The image has too many pixels"),
    ],
    ids=["too-big", "wrong-type", "text-named-png", "bomb"],
)
def test_a_refused_file_is_an_error_on_the_field_and_changes_nothing(
    web_client, user, content, name, content_type, message
):
    client = web_client(user)
    client.post(reverse("web:profile-avatar"), {"avatar": upload(image_bytes("PNG"))})
    user.refresh_from_db()
    previous, files = user.avatar.name, stored_files(user)

    response = client.post(reverse("web:profile-avatar"), {"avatar": upload(content, name, content_type)})

    assert response.status_code == 400
    page = response.content.decode()
    errors = re.search(r'<ul class="errors" id="id_avatar_errors"><li>(.*?)</li>', page)
    assert errors
    assert errors.group(1).startswith(message)
    assert 'aria-invalid="true"' in page
    user.refresh_from_db()
    assert user.avatar.name == previous
    assert stored_files(user) == files


def test_refusals_are_translated(web_client, user):
    user.locale = "de_DE"
    user.save()
    response = web_client(user).post(reverse("web:profile-avatar"), {"avatar": upload(image_bytes("GIF"), "a.gif")})
    assert "Verwenden Sie ein PNG-, JPEG- oder WebP-Bild." in response.content.decode()
    user.locale = "es"
    user.save()
    response = web_client(user).post(reverse("web:profile-avatar"), {"avatar": upload(too_big_png())})
    assert "La imagen ocupa más de 2 MiB." in response.content.decode()


def test_removing_the_picture_deletes_it(web_client, user, django_capture_on_commit_callbacks):
    client = web_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:profile-avatar"), {"avatar": upload(image_bytes("PNG"))})
    assert len(stored_files(user)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:profile-avatar-remove"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name == ""
    assert stored_files(user) == []
    page = client.get(reverse("web:profile")).content.decode()
    assert "Picture removed." in page
    assert 'class="avatar"' not in page
    assert "No profile picture yet" in page
    assert client.get(reverse("web:profile-avatar")).status_code == 404


def test_another_person_cannot_fetch_the_picture(web_client, user):
    owner_client = web_client(user)
    owner_client.post(reverse("web:profile-avatar"), {"avatar": upload(image_bytes("PNG"))})
    user.refresh_from_db()
    url = f"{reverse('web:profile-avatar')}?v={user.avatar.name.rsplit('/', 1)[-1][:12]}"
    assert owner_client.get(url).status_code == 200
    assert web_client(UserFactory()).get(url).status_code == 404  # the URL means "my own picture"
    signed_out = web_client(None).get(url)
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("web:login"))
    # The stored file is not under any public URL either (no media server, no /media/ route).
    assert web_client(None).get("/media/" + user.avatar.name).status_code == 404
