"""The size limits of one statement file, each defined once: they bound memory and CPU for one upload and one parse.

Every parser reads the file through :func:`~finance.imports.reading.source.read_bytes` (the byte limit) and
counts its entries with :func:`check_rows`; both refuse with :class:`~finance.imports.reading.errors.FileTooLarge`.
The limits are read at call time, so the pipeline's settings and tests apply.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from finance.imports.reading.errors import FileTooLarge, ParseError

#: Most transaction rows accepted in one file (CSV records, XLSX rows, OFX/QIF/CAMT/MT940 entries).
MAX_ROWS = 250_000
#: Most columns a CSV/XLSX row may have.
MAX_COLUMNS = 256
#: Largest total uncompressed size of the parts of an XLSX (ZIP) file: a guard against ZIP bombs.
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
#: Most cells an XLSX sheet may hold (250,000 rows of 12 columns): reading cells is what costs, so a sheet of
#: more is refused before it is read.
MAX_XLSX_CELLS = 3_000_000
#: How many leading records the CSV/XLSX detector looks at.
DETECT_SAMPLE_ROWS = 200


def max_file_bytes() -> int:
    """Largest file accepted, in bytes (before decompression for XLSX): the ``IMPORT_MAX_UPLOAD_BYTES`` setting."""
    return int(settings.IMPORT_MAX_UPLOAD_BYTES)


def check_depth(root: Any) -> None:
    """Refuse an XML tree (an ElementTree element) nested deeper than :data:`MAX_NESTING`: one pass, no
    recursion."""
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ParseError(f"Elements are nested more than {MAX_NESTING} deep.")
        stack.extend((child, depth + 1) for child in element)


def check_rows(count: int, what: str = "rows", *, of: str = "file") -> None:
    """Refuse the file once ``count`` of its entries (``what``) are more than :data:`MAX_ROWS`."""
    if count > MAX_ROWS:
        raise FileTooLarge(f"The {of} has more than {MAX_ROWS} {what}.")


#: Deepest element nesting an OFX or CAMT document may have (real ones nest about 10–15 deep); deeper is
#: refused, by the OFX reader as it reads and by :func:`check_depth` on a parsed XML tree.
MAX_NESTING = 100
#: Most original values (``StatementRow.raw``) kept for one entry; the rest are left out.
MAX_RAW_VALUES = 200
#: Deepest element path (``NtryDtls.TxDtls.RltdPties.Cdtr.Nm`` is 5) whose values ``raw`` keeps.
MAX_RAW_DEPTH = 12
