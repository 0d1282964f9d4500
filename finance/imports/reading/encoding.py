"""Turning a file's bytes into text: BOM, declared charset, UTF-8, then detection.

Order of preference:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the charset the file declares (OFX ``CHARSET``/``ENCODING``, the XML
   declaration), unless the bytes contradict it: a declared single-byte
   charset whose bytes are valid UTF-8 with multi-byte sequences is UTF-8
   (banks do mislabel UTF-8 files as 1252);
3. strict UTF-8;
4. charset-normalizer, limited to the legacy encodings bank files really use
   (Windows-1252, DOS 852, EUC-JP, EUC-KR, GB18030, Shift-JIS, Big5);
5. Latin-1, which maps every byte.

Only text encodings are used: :func:`text_codec` knows the charsets of
:data:`TEXT_ENCODINGS`, so a name that Python's ``codecs`` also knows but
that is no text encoding (``zlib``, ``base64``, ``rot13``, ``hex``) or that
turns escapes into characters (``unicode_escape``, ``punycode``, ``idna``,
``utf-7``) is unknown here: declared by a file it is ignored (detection
decides), given in a column mapping it is refused on the ``encoding`` field.
Text holding a NUL or a lone surrogate, which no column can store, is refused
with its line (:func:`storable`, the API's rule); :func:`decode_text` then
removes the other control characters the ledger refuses
(:func:`finance.imports.reading.text.without_controls`).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

from finance.core.text import unstorable_at
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.text import without_controls

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Candidates for detection: what non-UTF-8 bank exports are written in.
DETECTION_CANDIDATES = ("cp1252", "cp852", "euc_jp", "euc_kr", "gb18030", "shift_jis", "big5")

#: Charset names seen in OFX headers and XML declarations, mapped to Python codecs.
_ALIASES = {
    "1252": "cp1252",
    "windows-1252": "cp1252",
    "8859-1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "usascii": "ascii",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "unicode": "utf-8",
}
_SINGLE_BYTE = {"cp1252", "latin-1", "ascii", "iso8859-15", "cp850", "cp852"}

#: The encodings a statement may be read in (Python codec names): Unicode, ASCII, the ISO 8859, Windows, DOS
#: and Mac code pages, KOI8, and the CJK and Thai ones. Nothing else, however Python's ``codecs`` knows it.
TEXT_ENCODINGS = frozenset(
    {
        "utf-8",
        "utf-8-sig",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "ascii",
        *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
        *(f"cp{n}" for n in range(1250, 1259)),
        *(f"cp{n}" for n in (437, 737, 775, 850, 852, 855, 857, 858, 860, 861, 862, 863, 864, 865, 866, 869)),
        "cp1125",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-latin2",
        "mac-cyrillic",
        "mac-greek",
        "mac-iceland",
        "mac-turkish",
        "cp932",
        "shift_jis",
        "shift_jis_2004",
        "shift_jisx0213",
        "euc_jp",
        "euc_jis_2004",
        "euc_jisx0213",
        "euc_kr",
        "cp949",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "big5hkscs",
        "cp950",
        "tis-620",
        "cp874",
    }
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    #: control characters :func:`decode_text` removed
    removed: int = 0


def text_codec(name: object) -> str | None:
    """The Python codec of a charset name when it is one of :data:`TEXT_ENCODINGS`, else ``None`` (absent,
    unknown, or no text encoding: ``zlib``, ``base64``, ``rot13``, ``unicode_escape``, ``punycode``, ...)."""
    if not isinstance(name, str):
        return None
    cleaned = name.strip().strip("\"'").lower()
    if not cleaned or cleaned == "none":
        return None
    codec = _ALIASES.get(cleaned, cleaned)
    try:
        found = codecs.lookup(codec).name
    except LookupError:
        return None
    if found not in TEXT_ENCODINGS:
        return None
    return codec if cleaned in _ALIASES else found


def normalize_charset(name: str | None) -> str | None:
    """The Python codec for a declared charset name, or ``None`` if absent, unknown or no text encoding."""
    return text_codec(name)


def _has_utf8_multibyte(data: bytes) -> bool:
    return any(byte >= 0x80 for byte in data)


def decode(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode ``data`` following the module's order of preference; text that cannot be stored is refused
    (:func:`storable`), as the API refuses it."""
    decoded = _decode(data, declared=declared)
    storable(decoded.text)
    return decoded


def storable(text: str) -> str:
    """``text``, or a :class:`ParseError` naming the line of its first NUL or lone surrogate: characters no
    database column here can store (``finance.core.text``), which a binary file or a file in another
    encoding than it says would otherwise bring into the rows."""
    at = unstorable_at(text)
    if at is None:
        return text
    line = text.count("\n", 0, at) + 1
    if text[at] == "\x00":
        raise ParseError("The file contains NUL bytes: it is not a text file.", line=line)
    raise ParseError(
        f"The text holds a character that cannot be stored (U+{ord(text[at]):X}): "
        "the file is not in the character encoding it declares.",
        line=line,
        code=ErrorCode.INVALID_ENCODING,
    )


def _decode(data: bytes, *, declared: str | None = None) -> Decoded:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(name, errors="replace"), name)

    declared_codec = normalize_charset(declared)
    if declared_codec is not None:
        if declared_codec in _SINGLE_BYTE and _has_utf8_multibyte(data):
            try:
                return Decoded(data.decode("utf-8"), "utf-8")
            except UnicodeDecodeError:
                pass
        if declared_codec == "ascii" and _has_utf8_multibyte(data):
            # "USASCII" headers on files with accented bytes: fall through to detection.
            declared_codec = None
        else:
            try:
                return Decoded(data.decode(declared_codec), declared_codec)
            except UnicodeError:
                pass

    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass

    best = from_bytes(data, cp_isolation=list(DETECTION_CANDIDATES)).best()
    if best is not None:
        name = codecs.lookup(best.encoding).name
        return Decoded(data.decode(name, errors="replace"), name)
    return Decoded(data.decode("latin-1"), "latin-1")


def decode_text(data: bytes, *, declared: str | None = None) -> Decoded:
    """:func:`decode`, then without the control characters the ledger refuses (counted in ``removed``)."""
    decoded = decode(data, declared=declared)
    text, removed = without_controls(decoded.text)
    return Decoded(text, decoded.encoding, removed)
