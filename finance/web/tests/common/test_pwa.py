"""Installable: the web app manifest, its icons and the tags in every page's head."""

from __future__ import annotations

import json
import struct

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from finance.web.management.commands.make_icons import ICONS, render

pytestmark = pytest.mark.django_db


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_manifest_describes_the_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json; charset=utf-8"
    assert "manifest-src 'self'" in response["Content-Security-Policy"]
    manifest = json.loads(response.content)
    assert manifest["name"] == "Personal Finance Tracker"
    assert manifest["short_name"] == "Finance"
    assert (manifest["start_url"], manifest["display"]) == ("/app/", "standalone")
    assert (manifest["theme_color"], manifest["background_color"]) == ("#1d4ed8", "#f4f6f9")
    pngs = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"] if i["type"] == "image/png"}
    assert set(pngs) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), src in pngs.items():
        path = finders.find(src.removeprefix("/static/"))
        assert path, src
        assert png_size(path) == tuple(int(n) for n in sizes.split("x"))


def test_manifest_speaks_the_visitors_language(client):
    manifest = json.loads(client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="de").content)
    assert manifest["lang"] == "de"
    assert manifest["name"] == "Persönliche Finanzen"


def test_every_page_links_the_manifest_theme_colour_and_touch_icon(client):
    page = client.get(reverse("web:login")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#1d4ed8">' in page
    assert '<link rel="apple-touch-icon" href="/static/web/icons/apple-touch-icon.png">' in page
    assert png_size(finders.find("web/icons/apple-touch-icon.png")) == (180, 180)


def test_icon_drawing_follows_the_favicon_design():
    size = 64
    pixels = render(size, corner=ICONS["icon-192.png"][1], glyph_scale=1.0)
    stride = size * 4 + 1

    def rgba(x: int, y: int) -> tuple[int, ...]:
        start = y * stride + 1 + x * 4
        return tuple(pixels[start : start + 4])

    assert rgba(0, 0)[3] == 0  # the rounded corner is transparent
    assert rgba(32, 32) == (0x1D, 0x4E, 0xD8, 255)  # the hole of the ring is blue
    assert rgba(42, 32) == (255, 255, 255, 255)  # the ring (radius 5 of 32 units) is white
    assert rgba(32, 4) == (0x1D, 0x4E, 0xD8, 255)  # no glyph at the top edge
