"""What the identity services share: profile, email and password checks, session and token constants."""

from __future__ import annotations

import logging
import zoneinfo
from typing import Any

from babel import Locale, UnknownLocaleError
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from finance.core.exceptions import (
    FieldErrors,
)
from finance.core.money import iso_currencies
from finance.users.errors import ErrorCode
from finance.users.selectors import (
    user_identifier_taken,
)

logger = logging.getLogger("finance.auth")
SESSION_CLAIM = "sid"
TOKEN_PREFIX = "pft_"  # noqa: S105 - a public marker, not a secret
MAX_ACTIVE_TOKENS = 100
TOUCH_INTERVAL = 60  # seconds between last-used writes for one session or token

User = get_user_model()
_TERRITORIES = frozenset(
    code for code in Locale("en").territories if isinstance(code, str) and code.isalpha() and len(code) == 2
)


def check_profile_fields(errors: FieldErrors, fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "default_currency" in clean:
        clean["default_currency"] = str(clean["default_currency"]).strip().upper()
        if clean["default_currency"] not in iso_currencies():
            errors.add("default_currency", "Not an ISO 4217 currency code.", ErrorCode.INVALID_CURRENCY)
    if clean.get("country"):
        clean["country"] = str(clean["country"]).strip().upper()
        if clean["country"] not in _TERRITORIES:
            errors.add("country", "Not an ISO 3166-1 alpha-2 country code.", ErrorCode.INVALID_COUNTRY)
    if "locale" in clean:
        try:
            clean["locale"] = str(Locale.parse(str(clean["locale"]).replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            errors.add("locale", "Unknown locale.", ErrorCode.INVALID_LOCALE)
    if "timezone" in clean and clean["timezone"] not in zoneinfo.available_timezones():
        errors.add("timezone", "Unknown time zone; use an IANA name such as Europe/Berlin.", ErrorCode.INVALID_TIMEZONE)
    return clean


def check_email(errors: FieldErrors, email: str, exclude_pk: Any = None) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.add("email", "Enter a valid email address.", ErrorCode.INVALID)
        return email
    if user_identifier_taken(field="email", value=email, exclude_pk=exclude_pk):
        errors.add("email", "A user with that email already exists.", ErrorCode.UNIQUE)
    return email


def check_password(errors: FieldErrors, field: str, password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        for error in exc.error_list:
            errors.add(field, " ".join(error.messages), error.code or "invalid")


def check_current_password(
    errors: FieldErrors, user: Any, password: str | None, field: str = "current_password"
) -> None:
    """The person proves they own the account, not just hold one of its sessions (changes to what signs in).

    An account without a usable password (signed up through a provider) sets one first, by a reset link.
    """
    if not password:
        errors.add(field, "Enter your current password to change this.", ErrorCode.REQUIRED)
    elif not user.check_password(password):
        errors.add(field, "The current password is wrong.", ErrorCode.WRONG_PASSWORD)
