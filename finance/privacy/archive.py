"""The export file: a ZIP of JSON (one file per resource), CSV (one per table) and a manifest.

::

    manifest.json            format, schema_version, created_at, user, counts, files {path: {sha256, bytes}}
    json/<resource>.json     the records (a list; the profile is one object)
    csv/<table>.csv          the same data as tables (transactions split into transactions, splits, transaction_tags),
                             for people: text a spreadsheet would run as a formula starts with an apostrophe
                             (finance.core.spreadsheets); the JSON files hold every value exactly

Reading checks the manifest, the schema version and every file's SHA-256, and
refuses archives that would unpack to more than ``MAX_UNPACKED_BYTES``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder

from finance.core import spreadsheets, text
from finance.core.exceptions import FieldError
from finance.privacy.errors import ErrorCode
from finance.privacy.registry import Resource, resources

FORMAT = "personal-finance-tracker-export"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_FILES = 1000


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _tables(resource: Resource, records: Any) -> dict[str, list[dict[str, Any]]]:
    rows = [records] if resource.single else list(records)
    if resource.csv_tables is not None:
        return resource.csv_tables(rows)
    # One table of the same name; nested values as JSON text.
    return {
        resource.name: [{k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in r.items()} for r in rows]
    }


def write_archive(target: IO[bytes], *, data: Mapping[str, Any], user: Any, created_at: datetime) -> dict[str, int]:
    """Write the ZIP for ``data`` (resource name → records) into ``target``; returns the counts."""
    files: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    by_name = {r.name: r for r in resources()}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(path: str, content: bytes) -> None:
            archive.writestr(path, content)
            files[path] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}

        for name, records in data.items():
            resource = by_name[name]
            counts[name] = 1 if resource.single else len(records)
            add(f"json/{name}.json", _json_bytes(records))
            for table, rows in _tables(resource, records).items():
                add(f"csv/{table}.csv", spreadsheets.csv_bytes(rows))
        manifest = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "created_at": created_at,
            "user": {"id": str(user.pk), "username": user.username},
            "resources": list(data),
            "counts": counts,
            "files": files,
        }
        archive.writestr(MANIFEST, _json_bytes(manifest))
    return counts


def _invalid(message: str) -> FieldError:
    return FieldError("file", message, code=ErrorCode.INVALID_FILE)


def read_archive(source: IO[bytes]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and the JSON data (resource name → records) of an export, after checking it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _invalid("Not a ZIP file made by a data export.") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_FILES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
            raise _invalid("The archive is too large to restore.")
        names = {e.filename for e in entries}
        if MANIFEST not in names:
            raise _invalid("The archive has no manifest.json; it is not a data export.")
        manifest = _load_json(archive, MANIFEST)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _invalid("manifest.json does not describe a data export of this application.")
        version = manifest.get("schema_version")
        if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
            raise _invalid(
                f"Export schema version {version!r} is not supported (this server reads 1 to {SCHEMA_VERSION})."
            )
        files = manifest.get("files")
        if not isinstance(files, dict):
            raise _invalid("manifest.json lists no files.")
        for path, meta in files.items():
            if path not in names:
                raise _invalid(f"{path} is listed in the manifest but missing.")
            content = _read(archive, path)
            if not isinstance(meta, dict) or hashlib.sha256(content).hexdigest() != meta.get("sha256"):
                raise _invalid(f"{path} does not match its checksum; the file is damaged or was changed.")
        data: dict[str, Any] = {}
        for name in manifest.get("resources") or []:
            path = f"json/{name}.json"
            if path not in files:
                raise _invalid(f"{path} is missing from the manifest.")
            data[str(name)] = _load_json(archive, path)
        return manifest, data


def _read(archive: zipfile.ZipFile, path: str) -> bytes:
    try:
        return archive.read(path)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        raise _invalid(f"{path} cannot be read from the archive.") from None


def _load_json(archive: zipfile.ZipFile, path: str) -> Any:
    """A file of the archive as JSON, read as the API reads a body: exact numbers, text the databases can store,
    bounded nesting (``finance.core.text``)."""
    try:
        # An export writes every amount as a string; its numbers (in stored JSON such as a rule's) are floats.
        return text.loads(_read(archive, path), exact_numbers=False)
    except text.JSONProblem as problem:
        where = f" at {problem.path}" if problem.path else ""
        raise _invalid(f"{path}{where}: {problem.issue.message}") from None
    except (UnicodeDecodeError, ValueError):
        raise _invalid(f"{path} is not valid JSON.") from None
