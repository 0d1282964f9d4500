"""The Spanish and German catalogues cover every string the code marks for translation.

Django's ``makemessages`` (what ``make makemessages`` runs) extracts the strings from a throw-away copy of
the project's sources, so the working tree is never written to; every extracted msgid must then be in each
committed ``django.po`` with a translation that is neither empty nor fuzzy, and the catalogues must hold no
stale entries. A string added without running ``make makemessages`` and translating it would otherwise show
in English in Spanish and German without any test noticing.

``makemessages`` needs GNU gettext (Debian's ``gettext``): without it the test skips, or fails when
``REQUIRE_SERVICES`` is set (CI's service run, whose ``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from django.core.management import call_command

from config import env

LOCALE_DIR = Path("finance") / "web" / "locale"
LANGUAGES = ("es", "de")
# As in the Makefile's `makemessages` target (plus makemessages' own default ignores: hidden names, *~, *.pyc).
IGNORE = [".venv", "node_modules", "staticfiles", "*/tests/*"]
EXTENSIONS = (".py", ".html", ".txt")  # makemessages' defaults for the django domain
# Not sources: never walked when copying (makemessages would not find translatable files in them either).
NOT_SOURCES = {".git", ".venv", "node_modules", "staticfiles", "var", "media", "__pycache__"}


def _copy_sources(src: Path, dst: Path) -> None:
    """The files makemessages reads, under the same relative paths, and an empty locale folder."""
    for dirpath, dirnames, filenames in os.walk(src):
        here = Path(dirpath)
        skip = {d for d in dirnames if d in NOT_SOURCES or d.startswith(".") or here / d == src / LOCALE_DIR}
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            if name.endswith(EXTENSIONS):
                target = dst / (here / name).relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target)
    (dst / LOCALE_DIR).mkdir(parents=True, exist_ok=True)


def _label(message: Message) -> str:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}|{msgid!r}" if message.context else repr(msgid)


def test_catalogues_translate_every_extracted_string(tmp_path, settings, monkeypatch):
    missing_tools = [tool for tool in ("xgettext", "msguniq", "msgmerge") if shutil.which(tool) is None]
    if missing_tools:
        reason = f"GNU gettext is not installed (no {', '.join(missing_tools)}; apt-get install gettext)"
        if env.REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)

    base = Path(env.BASE_DIR)
    _copy_sources(base, tmp_path)
    settings.LOCALE_PATHS = [tmp_path / LOCALE_DIR]
    monkeypatch.chdir(tmp_path)
    # --all with no language folders: extraction only, into django.pot (kept).
    call_command("makemessages", all=True, keep_pot=True, ignore_patterns=IGNORE, verbosity=0)
    with open(tmp_path / LOCALE_DIR / "django.pot", "rb") as handle:
        template = read_po(handle)
    extracted = {(m.id, m.context): m for m in template if m.id}
    assert len(extracted) > 500, "makemessages extracted suspiciously few strings"

    problems: list[str] = []
    for language in LANGUAGES:
        with open(base / LOCALE_DIR / language / "LC_MESSAGES" / "django.po", "rb") as handle:
            catalogue = read_po(handle, locale=language)
        entries = {(m.id, m.context): m for m in catalogue if m.id}
        for key, message in extracted.items():
            entry = entries.get(key)
            if entry is None:
                problems.append(f"{language}: missing {_label(message)}")
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if entry.fuzzy:
                problems.append(f"{language}: fuzzy {_label(message)}")
            elif not all(strings) or (entry.pluralizable and len(strings) != catalogue.num_plurals):
                problems.append(f"{language}: untranslated {_label(message)}")
        problems += [f"{language}: stale {_label(m)}" for key, m in entries.items() if key not in extracted]
        for entry, errors in catalogue.check():
            problems += [f"{language}: {_label(entry)}: {error}" for error in errors]

    summary = f"{len(problems)} catalogue problem(s); run `make makemessages` and translate:"
    assert not problems, "\n".join([summary, *problems])
