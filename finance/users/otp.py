"""TOTP (RFC 6238) and recovery codes: the arithmetic, no storage.

Codes are 6 digits on a 30-second step; a code from one step either side of
now is accepted (clock drift). The caller stores the step of each accepted
code and refuses that step and earlier ones afterwards, so a code works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

DIGITS = 6
INTERVAL = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    """A random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The provisioning URI as a QR code, an inline SVG document."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose code this is (within the drift window), or None."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now = time.time() if at is None else at
    current = int(now // INTERVAL)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7cm2-x9rfa`` (about 49 bits each)."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(f"recovery:{normalize_recovery_code(code)}".encode()).hexdigest()


def looks_like_totp(code: str) -> bool:
    code = "".join(code.split())
    return len(code) == DIGITS and code.isdigit()
