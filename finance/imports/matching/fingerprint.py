"""Content fingerprints of statement rows and the text normalization duplicate detection relies on.

A fingerprint is ``HMAC-SHA256(key, account | date | amount | payee | description | occurrence)``
with a key derived from ``SECRET_KEY``: equal rows of one account give equal
fingerprints, and the stored value reveals nothing of the payee. The
occurrence index counts earlier rows of the same file with the same content,
so two identical purchases on one day in one file get different fingerprints
and are both kept, while importing the file again matches each of them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache

from django.conf import settings

_SPACE_RE = re.compile(r"\s+")
_NON_LETTERS_RE = re.compile(r"[^a-z]+")


def normalize_text(text: str | None) -> str:
    """Lower case, single spaces, no surrounding space: the form texts are fingerprinted in."""
    if not text:
        return ""
    return _SPACE_RE.sub(" ", text.casefold()).strip()


def payee_key(text: str | None) -> str:
    """The payee as history matching compares it: letters only (no card numbers, dates or store ids)."""
    if not text:
        return ""
    words = [word for word in _NON_LETTERS_RE.sub(" ", text.casefold()).split() if len(word) > 1]
    return " ".join(words)


@cache
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"finance.imports.matching.fingerprint:" + secret.encode()).digest()


def content_key(day: date, amount: Decimal, payee: str | None, description: str | None) -> str:
    """What two rows must share to be the same row (before the occurrence index)."""
    return f"{day.isoformat()}|{amount.normalize():f}|{normalize_text(payee)}|{normalize_text(description)}"


def fingerprint(account_id: uuid.UUID, content: str, occurrence: int) -> str:
    message = f"{account_id}|{content}|{occurrence}".encode()
    return hmac.new(_key(settings.SECRET_KEY), message, hashlib.sha256).hexdigest()


def fingerprints(account_id: uuid.UUID, contents: Iterable[str]) -> list[str]:
    """Fingerprints of a file's rows in file order, each with its occurrence index."""
    # The same HMAC as :func:`fingerprint`, with the key and account prefix hashed once (100k rows per file).
    prefixed = hmac.new(_key(settings.SECRET_KEY), f"{account_id}|".encode(), hashlib.sha256)
    seen: dict[str, int] = {}
    found = []
    for content in contents:
        occurrence = seen.get(content, 0)
        seen[content] = occurrence + 1
        digest = prefixed.copy()
        digest.update(f"{content}|{occurrence}".encode())
        found.append(digest.hexdigest())
    return found
