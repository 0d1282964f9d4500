"""The export file: a ZIP of JSON (one file per resource), CSV (one per table) and a manifest.

::

    manifest.json            format, schema_version, created_at, user, counts, files {path: {sha256, bytes}}
    json/<resource>.json     the records (a list; the profile is one object)
    files/<name>             files a record names (the profile's ``avatar``: files/avatar.webp), listed in the manifest
    csv/<table>.csv          the same data as tables (transactions split into transactions, splits, transaction_tags),
                             for people: text a spreadsheet would run as a formula starts with an apostrophe
                             (finance.core.spreadsheets); the JSON files hold every value exactly

Reading checks the manifest, the schema version and every file's SHA-256, streaming each member in
chunks so no file sits in memory whole except the JSON it parses, and refuses, before parsing anything:

* an archive of more than ``MAX_FILES`` members, or whose members unpack (as stated, and as actually read) to
  more than ``settings.RESTORE_MAX_UNPACKED_BYTES``;
* a member that inflates more than ``MAX_RATIO`` times (an export's JSON compresses about 17 to 1; a ZIP bomb
  a thousand to 1);
* a JSON file denser than an export writes: fewer than ``MIN_BYTES_PER_VALUE`` bytes per JSON value (counted as
  its commas and brackets). ``json.loads`` makes a Python object of about 60 bytes per value, so ``[{},{},…]``
  grows twenty-fold in memory; an export, indented, with named fields, has more than 20 bytes per value.

A 306 KB ZIP used to take 875 MB of memory to restore; with these checks an archive's restore holds at most a
few times ``RESTORE_MAX_UNPACKED_BYTES`` in memory.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from finance.core import spreadsheets, text
from finance.core.exceptions import FieldError
from finance.privacy.errors import ErrorCode
from finance.privacy.registry import Resource, resources

FORMAT = "personal-finance-tracker-export"
SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
MAX_FILES = 1000
#: Most a member may inflate (uncompressed / compressed), for members of at least ``RATIO_FLOOR`` bytes.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
#: Fewest bytes per JSON value a JSON member may have (for members of at least ``RATIO_FLOOR`` bytes).
MIN_BYTES_PER_VALUE = 12
#: Largest manifest.json read.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
CHUNK = 256 * 1024


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
            for path, content in (resource.files(user) if resource.files else {}).items():
                add(path, content)
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


def read_archive(source: IO[bytes], *, max_unpacked: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The manifest and the JSON data (resource name → records) of an export, after checking it.

    ``max_unpacked`` (bytes) replaces ``settings.RESTORE_MAX_UNPACKED_BYTES``, for the restore command.
    """
    limit = int(settings.RESTORE_MAX_UNPACKED_BYTES if max_unpacked is None else max_unpacked)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _invalid("Not a ZIP file made by a data export.") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_FILES:
            raise _invalid(f"The archive has more than {MAX_FILES} files; it is not a data export.")
        if sum(e.file_size for e in entries) > limit:
            raise _too_large(limit)
        for entry in entries:
            if entry.file_size >= RATIO_FLOOR and entry.file_size > MAX_RATIO * max(1, entry.compress_size):
                raise _invalid(f"{entry.filename} inflates more than {MAX_RATIO} times; it is not a data export.")
        by_name = {e.filename: e for e in entries}
        if MANIFEST not in by_name:
            raise _invalid("The archive has no manifest.json; it is not a data export.")
        reader = _Reader(archive, limit)
        manifest = _parse_json(MANIFEST, reader.read(by_name[MANIFEST], keep=True, at_most=MAX_MANIFEST_BYTES))
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
        resources = manifest.get("resources") or []
        if not isinstance(resources, list):
            raise _invalid("manifest.json lists no resources.")
        wanted = {f"json/{name}.json": str(name) for name in resources}
        for path in wanted:
            if path not in files:
                raise _invalid(f"{path} is missing from the manifest.")
        contents: dict[str, bytes] = {}
        for path, meta in files.items():
            if path not in by_name:
                raise _invalid(f"{path} is listed in the manifest but missing.")
            content = reader.read(by_name[path], keep=path in wanted)
            if not isinstance(meta, dict) or reader.digest != meta.get("sha256"):
                raise _invalid(f"{path} does not match its checksum; the file is damaged or was changed.")
            if path in wanted:
                contents[path] = content
        data: dict[str, Any] = {}
        for path, name in wanted.items():
            data[name] = _parse_json(path, contents.pop(path))
        return manifest, data


class _Reader:
    """Reads members in chunks: their SHA-256 (``digest``), and their bytes when asked to keep them; counts
    what they really unpack to against the archive's limit."""

    def __init__(self, archive: zipfile.ZipFile, limit: int) -> None:
        self.archive = archive
        self.left = limit
        self.limit = limit
        self.digest = ""

    def read(self, entry: zipfile.ZipInfo, *, keep: bool, at_most: int | None = None) -> bytes:
        digest = hashlib.sha256()
        kept = bytearray()
        try:
            with self.archive.open(entry) as member:
                while chunk := member.read(CHUNK):
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise _too_large(self.limit)
                    if at_most is not None and len(kept) + len(chunk) > at_most:
                        raise _invalid(f"{entry.filename} is too large; it is not a data export.")
                    digest.update(chunk)
                    if keep:
                        kept += chunk
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, zlib.error, NotImplementedError):
            raise _invalid(f"{entry.filename} cannot be read from the archive.") from None
        self.digest = digest.hexdigest()
        return bytes(kept)


def _too_large(limit: int) -> FieldError:
    return FieldError(
        "file",
        f"The archive unpacks to more than {limit // (1024 * 1024)} MiB; it is too large to restore here.",
        code=ErrorCode.INVALID_FILE,
    )


def _parse_json(path: str, content: bytes) -> Any:
    """A file of the archive as JSON, read as the API reads a body (``finance.core.text``: text the databases
    can store, bounded nesting), after a density check that keeps ``json.loads`` from building a huge object."""
    if len(content) >= RATIO_FLOOR:
        values = content.count(b",") + content.count(b"{") + content.count(b"[") + 1
        if len(content) < MIN_BYTES_PER_VALUE * values:
            raise _invalid(f"{path} is denser than a data export writes; it is not a data export.")
    try:
        # An export writes every amount as a string; its numbers (in stored JSON such as a rule's) are floats.
        return text.loads(content, exact_numbers=False)
    except text.JSONProblem as problem:
        where = f" at {problem.path}" if problem.path else ""
        raise _invalid(f"{path}{where}: {problem.issue.message}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid(f"{path} is not valid JSON.") from None
