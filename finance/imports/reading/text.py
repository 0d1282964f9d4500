"""Helpers the parsers share for text: the characters a statement may hold, source line numbers and an
entry's original values, all linear.

* :func:`without_controls` removes what the ledger refuses in text: control characters (C0 but tab, line feed
  and carriage return; DEL; C1) and lone surrogates (which no text encoding can write). Every text the reading
  layer hands on passed through it: a file's whole text once decoded, and the places that expand escapes
  after that (OFX character references, XML character references, XLSX cells).

* :class:`LineCounter` turns offsets into 1-based line numbers, counting each character once however many
  entries ask (counting from the start of the text for each entry made a file of many entries quadratic).
* :class:`RawValues` collects an entry's original values (``StatementRow.raw``) under unique keys: a key seen
  again gets the next free suffix (``MEMO``, ``MEMO_2``, ``MEMO_3``, ...), remembered per key so each suffix is
  tried once (trying ``_2``, ``_3``, ... from the start for each repeat made an entry of many repeated leaves
  quadratic). It keeps at most :data:`~finance.imports.reading.limits.MAX_RAW_VALUES` values.
"""

from __future__ import annotations

import re

from finance.imports.reading import limits

# What a statement's text may not hold: C0 controls but \t \n \r, DEL, C1 controls, lone surrogates.
CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def without_controls(text: str) -> tuple[str, int]:
    """``text`` without the characters :data:`CONTROLS_RE` matches, and how many there were."""
    if CONTROLS_RE.search(text) is None:
        return text, 0
    return CONTROLS_RE.subn("", text)


def controls_warning(count: int) -> list[str]:
    """The statement warning that says characters were removed (none when there were none)."""
    if not count:
        return []
    return [f"{count} control character(s) that text may not hold were removed from the file."]


class LineCounter:
    """1-based line numbers of offsets into ``text``, ``first_line`` being the line of offset 0.

    Offsets asked in increasing order (how parsers meet entries) cost the characters between them; an offset
    before the last one asked is counted again from the start. ``scanned`` is how many characters were counted.
    """

    __slots__ = ("_line", "_offset", "first_line", "scanned", "text")

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.text = text
        self.first_line = first_line
        self._offset = 0
        self._line = first_line
        self.scanned = 0

    def line(self, offset: int) -> int:
        if offset < self._offset:
            self._offset, self._line = 0, self.first_line
        self._line += self.text.count("\n", self._offset, offset)
        self.scanned += offset - self._offset
        self._offset = offset
        return self._line


class RawValues:
    """An entry's original values under unique keys; :attr:`values` is what ``StatementRow.raw`` holds."""

    __slots__ = ("_next", "values")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self._next: dict[str, int] = {}

    @property
    def full(self) -> bool:
        return len(self.values) >= limits.MAX_RAW_VALUES

    def add(self, key: str, value: str) -> None:
        """``value`` under ``key``, or under the key's next free suffix when it is taken."""
        if self.full:
            return
        self.values[unique_key(key, self.values, self._next)] = value

    def setdefault(self, key: str, value: str) -> None:
        """``value`` under ``key`` unless the key is taken (the first value wins)."""
        if not self.full:
            self.values.setdefault(key, value)


def unique_key(key: str, taken: dict[str, str] | set[str], suffixes: dict[str, int]) -> str:
    """``key``, or ``key_2``, ``key_3``, ... : the first not in ``taken``. ``suffixes`` remembers, per key,
    where to go on from, so each suffix of a key is tried once however often the key repeats."""
    if key not in taken:
        return key
    suffix = suffixes.get(key, 2)
    name = f"{key}_{suffix}"
    while name in taken:
        suffix += 1
        name = f"{key}_{suffix}"
    suffixes[key] = suffix + 1
    return name
