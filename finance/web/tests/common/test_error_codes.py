"""Every error code an app declares has a message in ``finance.web.common.errors.MESSAGES``, translated.

The codes are read from the enums themselves: a code added to any ``ErrorCode`` without a message here is a
new failing case of these tests, named after the code.
"""

from __future__ import annotations

import importlib
from enum import Enum
from pathlib import Path

import pytest
from django.utils import translation

import finance
from finance.core.exceptions import Conflict, Issue
from finance.web.common.errors import MESSAGES, message_for

LANGUAGES = ("es", "de")


def enum_modules() -> list[str]:
    """The modules that may declare an ``ErrorCode``: the generic codes, the imports' (in their reading layer)
    and ``finance/<app>/errors.py`` of every app that has one."""
    apps = sorted(path.parent.name for path in Path(finance.__file__).parent.glob("*/errors.py"))
    return ["finance.core.exceptions", "finance.imports.reading.errors", *(f"finance.{app}.errors" for app in apps)]


def declared_codes() -> dict[str, list[str]]:
    """Each code with the modules whose ``ErrorCode`` declares it."""
    codes: dict[str, list[str]] = {}
    for name in enum_modules():
        error_code: type[Enum] | None = getattr(importlib.import_module(name), "ErrorCode", None)
        for member in error_code or ():
            codes.setdefault(str(member.value), []).append(name)
    return codes


DECLARED = declared_codes()


def test_the_codes_come_from_the_apps_enums():
    modules = {module for found in DECLARED.values() for module in found}
    assert {"finance.core.exceptions", "finance.imports.reading.errors"} < modules  # and some app's errors.py
    assert all(module.endswith(".errors") for module in modules - {"finance.core.exceptions"})


@pytest.mark.parametrize("code", sorted(DECLARED))
def test_every_declared_code_has_a_message(code):
    assert code in MESSAGES, f"{code} (declared in {', '.join(DECLARED[code])}) has no entry in MESSAGES"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(set(DECLARED) | set(MESSAGES)))
def test_every_message_is_translated(code, language):
    assert code in MESSAGES, f"{code} has no entry in MESSAGES"
    with translation.override("en"):
        english = str(MESSAGES[code])
    with translation.override(language):
        translated = str(MESSAGES[code])
    assert translated != english, f"{english!r} has no {language} translation (or the .mo is not compiled)"


def test_a_catch_all_code_keeps_the_services_sentence_in_english_and_is_translated_otherwise():
    regex = Issue("conditions[0]: invalid regex: missing ), unterminated subpattern", "invalid")
    specific = Issue("USD amounts have at most 2 decimal places.", "max_decimal_places")
    with translation.override("en"):
        assert message_for(regex) == regex.message
        assert message_for(specific) == "Too many decimal places for this currency."
    with translation.override("de"):
        assert message_for(regex) == str(MESSAGES["invalid"]) != regex.message
        assert message_for(Conflict("This rule would change 2000 transactions.")) == str(MESSAGES["conflict"])
