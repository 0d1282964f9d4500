"""Draw the app icons (PNG) from the favicon's design: the "¤" sign, white, on our blue.

The design is ``static/web/favicon.svg`` (a 32×32 rounded square, #1d4ed8, with a
white "¤"). Pillow is not a dependency, so this draws the same shapes with
signed distance functions (one anti-aliased sample per pixel) and writes the
PNGs with zlib. The results are committed; run it again after changing the design::

    .venv/bin/python manage.py make_icons
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

BLUE = (0x1D, 0x4E, 0xD8)
WHITE = (0xFF, 0xFF, 0xFF)
ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "web" / "icons"

# The "¤" in the favicon's 32-unit square: a ring and four short diagonal spokes.
CENTRE = 16.0
RING_RADIUS = 5.0
STROKE = 2.3
SPOKE_FROM, SPOKE_TO = 6.2, 9.6


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


_SPOKES = [
    (
        CENTRE + SPOKE_FROM * math.cos(a),
        CENTRE + SPOKE_FROM * math.sin(a),
        CENTRE + SPOKE_TO * math.cos(a),
        CENTRE + SPOKE_TO * math.sin(a),
    )
    for a in (math.pi / 4, 3 * math.pi / 4, 5 * math.pi / 4, 7 * math.pi / 4)
]


def glyph_distance(x: float, y: float) -> float:
    """Signed distance (in 32-unit space) to the "¤": negative inside the strokes."""
    ring = abs(math.hypot(x - CENTRE, y - CENTRE) - RING_RADIUS) - STROKE / 2
    spokes = min(_segment_distance(x, y, *spoke) for spoke in _SPOKES) - STROKE / 2
    return min(ring, spokes)


def rounded_square_distance(x: float, y: float, radius: float) -> float:
    """Signed distance to the 32×32 square with rounded corners."""
    qx = abs(x - 16) - (16 - radius)
    qy = abs(y - 16) - (16 - radius)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def render(size: int, *, corner: float, glyph_scale: float) -> bytes:
    """RGBA rows of the icon: the background (``corner`` 0 = full bleed) and the glyph scaled about the centre."""
    unit = 32.0 / size  # 32-unit space per pixel
    rows = []
    for j in range(size):
        row = bytearray([0])  # PNG filter: none
        y = (j + 0.5) * unit
        for i in range(size):
            x = (i + 0.5) * unit
            background = 1.0 if corner <= 0 else min(1.0, max(0.0, 0.5 - rounded_square_distance(x, y, corner) / unit))
            gx = CENTRE + (x - CENTRE) / glyph_scale
            gy = CENTRE + (y - CENTRE) / glyph_scale
            ink = min(1.0, max(0.0, 0.5 - glyph_distance(gx, gy) * glyph_scale / unit))
            colour = [round(b + (w - b) * ink) for b, w in zip(BLUE, WHITE, strict=True)]
            row += bytes([*colour, round(255 * background)])
        rows.append(bytes(row))
    return b"".join(rows)


def png(size: int, rgba_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rgba_rows, 9))
        + chunk(b"IEND", b"")
    )


# name: (size, corner radius in 32 units, glyph scale). Maskable icons fill the square and keep
# the glyph inside the central 80 % safe zone; Apple rounds its touch icon itself.
ICONS = {
    "icon-192.png": (192, 7.0, 1.25),
    "icon-512.png": (512, 7.0, 1.25),
    "icon-maskable-512.png": (512, 0.0, 1.0),
    "apple-touch-icon.png": (180, 0.0, 1.1),
}


class Command(BaseCommand):
    help = "Draw the PWA and touch icons (PNG) from the favicon's design into static/web/icons/."

    def handle(self, *args: Any, **options: Any) -> None:
        ICON_DIR.mkdir(parents=True, exist_ok=True)
        for name, (size, corner, scale) in ICONS.items():
            (ICON_DIR / name).write_bytes(png(size, render(size, corner=corner, glyph_scale=scale)))
            self.stdout.write(f"{name}: {size}×{size}")
