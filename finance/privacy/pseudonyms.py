"""Stable pseudonyms: the same text always becomes the same made-up words within one copy.

An HMAC-SHA256 of the original (with a key made for the copy and thrown away
afterwards) picks an adjective and a noun. Distinct originals that happen to
get the same pair are told apart with a number, so the mapping stays one to
one within the copy, and nothing in it leads back to the original.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ADJECTIVES = (
    "Amber", "Azure", "Brisk", "Calm", "Cedar", "Coral", "Crimson", "Dusty", "Eager", "Fern", "Gentle", "Golden",
    "Hazel", "Ivory", "Jade", "Keen", "Lively", "Lunar", "Maple", "Misty", "Noble", "Olive", "Pale", "Quiet",
    "Rapid", "Russet", "Sandy", "Silver", "Solar", "Stone", "Sunny", "Swift", "Tidal", "Topaz", "Urban", "Velvet",
    "Vivid", "Warm", "Wild", "Windy", "Young", "Zesty", "Bold", "Bright", "Clever", "Crisp", "Dapper", "Frosty",
    "Grand", "Humble", "Jolly", "Lucky", "Mellow", "Nimble", "Placid", "Proud", "Rustic", "Sleek", "Steady",
    "Tawny", "Tranquil", "Upbeat", "Wise", "Zen",
)  # fmt: skip
NOUNS = (
    "Falcon", "Harbor", "Meadow", "Otter", "Willow", "Summit", "River", "Lantern", "Orchard", "Badger", "Canyon",
    "Comet", "Delta", "Ember", "Fjord", "Glacier", "Grove", "Heron", "Island", "Juniper", "Kestrel", "Lagoon",
    "Marble", "Nectar", "Oasis", "Pebble", "Quarry", "Raven", "Sparrow", "Thistle", "Tundra", "Valley", "Walnut",
    "Yarrow", "Acorn", "Beacon", "Bramble", "Cobalt", "Dune", "Estuary", "Finch", "Garnet", "Hollow", "Iris",
    "Jasper", "Kelp", "Lark", "Mesa", "Nova", "Onyx", "Prairie", "Quill", "Reef", "Sage", "Timber", "Umber",
    "Vale", "Wren", "Zephyr", "Aspen", "Birch", "Cliff", "Dawn", "Echo",
)  # fmt: skip


class Pseudonymizer:
    """Pseudonyms for one copy; ``kind`` keeps payees, descriptions and notes apart."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self._given: dict[tuple[str, str], str] = {}
        self._taken: dict[str, str] = {}

    def __call__(self, kind: str, original: str) -> str:
        text = (original or "").strip()
        if not text:
            return ""
        key = (kind, text.casefold())
        found = self._given.get(key)
        if found is not None:
            return found
        digest = hmac.new(self._key, f"{kind}\x00{key[1]}".encode(), hashlib.sha256).digest()
        base = f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]} {NOUNS[digest[1] % len(NOUNS)]}"
        candidate, n = base, 1
        while self._taken.get(f"{kind}\x00{candidate}", key[1]) != key[1]:
            n += 1
            candidate = f"{base} {n}"
        self._taken[f"{kind}\x00{candidate}"] = key[1]
        self._given[key] = candidate
        return candidate
