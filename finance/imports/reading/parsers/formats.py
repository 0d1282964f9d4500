"""Which format a file is in, from its content, with the file name as a hint."""

from __future__ import annotations

import re

from finance.imports.reading.errors import UnsupportedFormat
from finance.imports.reading.statement import Format
from finance.imports.reading.tables import sniff_delimiter

_EXTENSIONS = {
    "ofx": Format.OFX,
    "qfx": Format.QFX,
    "qif": Format.QIF,
    "sta": Format.MT940,
    "mt940": Format.MT940,
    "940": Format.MT940,
    "942": Format.MT942,
}
_CAMT_RE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.\d{3}\.\d{2}")
_OFX_HEADER_RE = re.compile(rb"^\s*(OFXHEADER\s*:|DATA\s*:\s*OFXSGML|<\?OFX\b)", re.IGNORECASE | re.MULTILINE)
_OFX_TAG_RE = re.compile(rb"<OFX>", re.IGNORECASE)
_QIF_RE = re.compile(rb"^\s*!(Type|Account|Option|Clear)\s*:?", re.IGNORECASE | re.MULTILINE)
_QIF_FIELDS_RE = re.compile(rb"^\^\s*$", re.MULTILINE)
_MT940_RE = re.compile(rb"^:(20|25|28C?|60[FM]|61|62[FM]|86):", re.MULTILINE)
_MT942_RE = re.compile(rb"^:(34F|13D?|90[CD]):", re.MULTILINE)


def extension(filename: str | None) -> str:
    if not filename or "." not in filename:
        return ""
    return filename.rsplit(".", 1)[1].lower()


def detect_format(data: bytes, filename: str | None = None) -> Format:
    """The format of ``data``; content decides, the extension only breaks ties (OFX vs QFX, MT940 vs MT942)."""
    head = data[:65536]
    stripped = head.lstrip(b"\xef\xbb\xbf\x00\r\n\t ")
    ext = extension(filename)
    if head[:4] == b"PK\x03\x04":
        return Format.XLSX
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsupportedFormat("Old Excel (.xls) workbooks are not supported: save the sheet as .xlsx or CSV.")
    if stripped[:5] == b"%PDF-":
        raise UnsupportedFormat("PDF statements are not supported: export the statement as CSV, OFX, CAMT or MT940.")
    if match := _CAMT_RE.search(head):
        return {b"053": Format.CAMT053, b"052": Format.CAMT052, b"054": Format.CAMT054}[match.group(1)]
    if _OFX_HEADER_RE.search(head[:4096]) or _OFX_TAG_RE.search(head):
        if ext == "qfx":
            return Format.QFX
        if ext == "ofx":
            return Format.OFX
        return Format.QFX if b"<INTU.BID>" in head.upper() else Format.OFX
    if _MT940_RE.search(head) or stripped.startswith(b"{1:"):
        if _MT942_RE.search(head) and b":60F:" not in head and b":60M:" not in head:
            return Format.MT942
        return Format.MT940
    if _QIF_RE.search(head[:4096]) and (_QIF_FIELDS_RE.search(head) or len(stripped) < 200):
        return Format.QIF
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return Format.CAMT053  # an XML file that is not OFX: the CAMT parser says what is wrong with it
    claimed = _EXTENSIONS.get(ext)
    if claimed is not None and sniff_delimiter(head.decode("latin-1"))[1] == 0:
        # Not a table either: read it as the format its name claims, so the error says what is wrong.
        return claimed
    return Format.CSV
