"""Size limits applied to every uploaded statement file.

They bound memory and CPU for one parse; the import pipeline may pass lower
values (every parser takes them from here at call time, so tests can patch).
"""

from __future__ import annotations

#: Largest file accepted, in bytes (before decompression for XLSX).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Most transaction rows accepted in one file (CSV records, XLSX rows, OFX/QIF/CAMT/MT940 entries).
MAX_ROWS = 250_000
#: Most columns a CSV/XLSX row may have.
MAX_COLUMNS = 256
#: Largest total uncompressed size of the parts of an XLSX (ZIP) file: a guard against ZIP bombs.
MAX_XLSX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
#: How many leading records the CSV/XLSX detector looks at.
DETECT_SAMPLE_ROWS = 200
