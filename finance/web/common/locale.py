"""Which language a page is shown in and which locale formats its numbers, dates and money."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation


def babel_locale(code: str) -> str:
    """A locale Babel knows (``de_DE``, ``es``), from a user's ``locale`` or a language code."""
    try:
        return str(Locale.parse(code.replace("-", "_")))
    except (ValueError, TypeError, UnknownLocaleError):
        return "en"


def supported_language(code: str) -> str | None:
    """The interface language for a locale (``de_AT`` → ``de``), if the app has it."""
    try:
        return translation.get_supported_language_variant(code.replace("_", "-").lower())
    except LookupError:
        return None


def request_language(request: HttpRequest) -> tuple[str, str]:
    """(interface language, formatting locale): the signed-in user's ``locale``, else the browser's."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.locale:
        return supported_language(user.locale) or settings.LANGUAGE_CODE, babel_locale(user.locale)
    language = translation.get_language_from_request(request)
    return language, babel_locale(language)


def user_today(request: HttpRequest) -> date:
    """Today in the person's own time zone (a month's edge is theirs, not the server's)."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(request.user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.localdate()
    return datetime.now(zone).date()
