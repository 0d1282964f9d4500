"""The profile picture: a small square WebP made from the upload, so no uploaded byte or metadata is kept.

The upload is checked before anything is decoded: its size, then (from the header alone) its type and its
dimensions, so a decompression bomb (a small file claiming a huge canvas) is refused before Pillow
allocates it. Then it is decoded, turned upright (EXIF orientation), cropped to a centred square and
written anew: EXIF (GPS included), XMP, ICC profiles and comments are not copied. A refusal stores nothing
and leaves the previous picture in place.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import FieldError
from finance.users.errors import ErrorCode

FIELD = "avatar"
#: Largest upload accepted, in bytes.
AVATAR_MAX_BYTES = 2 * 1024 * 1024
#: Most pixels (width × height) and longest side an upload may declare; checked before decoding.
AVATAR_MAX_PIXELS = 25_000_000
AVATAR_MAX_SIDE = 8000
#: The stored picture's side, in pixels, and its type.
AVATAR_SIZE = 256
AVATAR_CONTENT_TYPE = "image/webp"
#: The types accepted (Pillow's format names).
AVATAR_FORMATS = ("PNG", "JPEG", "WEBP")
# What decoding a hostile or damaged file may raise.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError, Warning)


def _refuse(message: str, code: ErrorCode) -> FieldError:
    return FieldError(FIELD, message, code=code)


def _too_many_pixels() -> FieldError:
    return _refuse(
        "The image has too many pixels (at most 25 million, and 8000 on a side).", ErrorCode.IMAGE_DIMENSIONS
    )


def _open(data: bytes) -> Image.Image:
    """The image in ``data``, header read only (one of ``AVATAR_FORMATS``), or a field error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the caller checks the size itself
            return Image.open(io.BytesIO(data), formats=AVATAR_FORMATS)
    except UnidentifiedImageError:
        pass
    except Image.DecompressionBombError:  # a header claiming far more than AVATAR_MAX_PIXELS
        raise _too_many_pixels() from None
    except _DECODE_ERRORS:
        raise _refuse("This file is not an image that can be read.", ErrorCode.NOT_AN_IMAGE) from None
    try:  # Another kind of image (GIF, TIFF, SVG is not one) gets its own message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.open(io.BytesIO(data)).close()
    except Exception:  # noqa: BLE001 - anything unreadable is simply not an image
        raise _refuse("This file is not an image that can be read.", ErrorCode.NOT_AN_IMAGE) from None
    raise _refuse("Use a PNG, JPEG or WebP image.", ErrorCode.IMAGE_TYPE)


def avatar_image(upload: IO[bytes] | Any) -> bytes:
    """The stored form of ``upload``: a ``AVATAR_SIZE`` px square WebP without metadata; or a field error."""
    size = getattr(upload, "size", None)
    if size is not None and size > AVATAR_MAX_BYTES:
        raise _refuse("The image is larger than 2 MiB.", ErrorCode.IMAGE_FILE_TOO_LARGE)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(AVATAR_MAX_BYTES + 1)
    if len(data) > AVATAR_MAX_BYTES:
        raise _refuse("The image is larger than 2 MiB.", ErrorCode.IMAGE_FILE_TOO_LARGE)
    if not data:
        raise _refuse("This file is not an image that can be read.", ErrorCode.NOT_AN_IMAGE)
    probe = _open(data)
    width, height = probe.size
    if width < 1 or height < 1 or width * height > AVATAR_MAX_PIXELS or max(width, height) > AVATAR_MAX_SIDE:
        raise _too_many_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a DecompressionBombWarning or a truncated file is a refusal
            probe.verify()
            image = _open(data)
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))  # JPEG: decode at a reduced scale
            image.load()
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
            square = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    except FieldError:
        raise
    except _DECODE_ERRORS:
        raise _refuse("This file is not an image that can be read.", ErrorCode.NOT_AN_IMAGE) from None
    # A new image holds the pixels only: nothing of the upload's info (EXIF, XMP, ICC, text) comes along.
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def _delete_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name), robust=True)


@transaction.atomic
def user_set_avatar(*, user: Any, upload: IO[bytes] | Any) -> Any:
    """Replace the person's picture with one made from ``upload`` (see the module); the old file goes after
    commit. A refused upload raises ``FieldError`` on ``avatar`` and changes nothing."""
    content = avatar_image(upload)
    previous = user.avatar.name or ""
    name = default_storage.save(f"avatars/{user.pk}/{uuid.uuid4().hex}.webp", ContentFile(content))
    try:
        user.avatar.name = name
        user.save(update_fields=["avatar"])
    except Exception:
        default_storage.delete(name)
        user.avatar.name = previous
        raise
    _delete_after_commit(previous)
    audit_record(action=AuditAction.PROFILE_UPDATE, actor=user, target=user, changes={"avatar": [bool(previous), True]})
    return user


@transaction.atomic
def user_remove_avatar(*, user: Any) -> Any:
    """Remove the person's picture (its file goes after commit); nothing happens without one."""
    previous = user.avatar.name or ""
    if not previous:
        return user
    user.avatar.name = ""
    user.save(update_fields=["avatar"])
    _delete_after_commit(previous)
    audit_record(action=AuditAction.PROFILE_UPDATE, actor=user, target=user, changes={"avatar": [True, False]})
    return user
