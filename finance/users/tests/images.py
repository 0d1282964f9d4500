"""Image files for the profile picture's tests: real ones with metadata, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

SECRET = "Secret Street 1, Springfield"
GPS = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0)}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (200, 100), *, exif: bool = False) -> bytes:
    """``size`` with its left half red and its right half blue; with ``exif``: a description, GPS
    coordinates and orientation 6 (the camera was turned: show it rotated 90° clockwise)."""
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    options: dict[str, object] = {}
    if exif:
        data = Image.Exif()
        data[0x010E] = SECRET  # ImageDescription
        data[0x0112] = 6  # Orientation
        data[0x8825] = GPS  # GPSInfo
        options["exif"] = data.tobytes()
    if fmt == "PNG" and exif:
        from PIL.PngImagePlugin import PngInfo

        text = PngInfo()
        text.add_text("Comment", SECRET)
        options["pnginfo"] = text
    image.save(out, fmt, **options)
    return out.getvalue()


def upload(content: bytes, name: str = "me.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's first step)."""
    content = bytearray(image_bytes("PNG", (8, 8)))
    # The IHDR chunk: length (4), type (4), width, height, then 5 more bytes, then its CRC.
    start = 8 + 8
    content[start : start + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(content[12 : start + 13])) & 0xFFFFFFFF
    content[start + 13 : start + 17] = struct.pack(">I", crc)
    return bytes(content)


def too_big_png() -> bytes:
    """A PNG signature followed by more than 2 MiB."""
    return b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024)


def is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 150 and pixel[2] < 80


def is_blue(pixel: tuple[int, ...]) -> bool:
    return pixel[2] > 150 and pixel[0] < 80
