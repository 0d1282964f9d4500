"""Text and JSON that the databases can store and the app can show: the one check every way in shares.

Two kinds of character are refused wherever text comes in (a JSON body, a form, a file): NUL, which
PostgreSQL cannot store in text or ``jsonb``, and a lone surrogate (U+D800–U+DFFF, from a JSON escape
such as ``"\\ud800"`` or a decoder that lets one through), which no UTF-8 encoder can write, so a row
holding one could be saved (JSON columns keep it escaped) but never shown again. JSON documents are also
bounded in nesting depth: a structure deeper than :data:`MAX_JSON_DEPTH` serves no request or file here,
and much deeper ones exhaust Python's recursion.

:func:`text_problem` checks one string; :func:`json_problem` walks a parsed document (iteratively) and
names the first offending place with a dotted path (``conditions.0.value``), as field errors do.
:func:`loads` parses JSON with both checks and exact numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from finance.core.exceptions import ErrorCode, Issue

# A decimal of at most this many significant digits survives a trip through a 64-bit float.
SIGNIFICANT_DIGITS = 15

# Deeper than any request body or export file of this application (a rule's condition value is at depth 4).
MAX_JSON_DEPTH = 20

_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]', re.DOTALL)
# JSON text scanned at C speed: its string literals, what is not a bracket, an innermost pair of brackets, and the
# escapes that can spell a NUL or a surrogate (a raw one is caught by _UNSTORABLE on the text itself).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"\[\]|\{\}")
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def text_problem(value: str) -> Issue | None:
    """Why ``value`` cannot be stored as text, or ``None``."""
    if "\x00" in value:
        return Issue(code=ErrorCode.NULL_CHARACTERS_NOT_ALLOWED, message="Null characters are not allowed.")
    if not value.isascii():
        found = _SURROGATE.search(value)
        if found is not None:
            return Issue(
                code=ErrorCode.SURROGATE_CHARACTERS_NOT_ALLOWED,
                message=f"Surrogate characters are not allowed: U+{ord(found.group()):X}.",
            )
    return None


def unstorable_at(value: str) -> int | None:
    """The index of the first character of ``value`` that cannot be stored (see :func:`text_problem`)."""
    found = _UNSTORABLE.search(value)
    return None if found is None else found.start()


def shown(value: str) -> str:
    """``value`` safe to put in a message: characters that cannot be encoded written as escapes."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _join(path: tuple[str, ...]) -> str:
    return ".".join(path)


def depth_issue() -> Issue:
    return Issue(code=ErrorCode.MAX_DEPTH, message=f"Nested more than {MAX_JSON_DEPTH} levels deep.")


def json_problem(data: Any, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, Issue] | None:
    """The first place in a parsed JSON document (its dotted path, ``""`` for the whole) holding text that
    cannot be stored, or nested deeper than ``max_depth``; ``None`` when there is none. Linear, no recursion."""
    stack: list[tuple[Any, tuple[str, ...], int]] = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return _join(path), problem
        elif isinstance(value, dict | list):
            if depth > max_depth:
                return _join(path), depth_issue()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for key, child in items:
                name = str(key)
                if isinstance(key, str):
                    problem = text_problem(key)
                    if problem is not None:
                        return _join((*path, shown(name))), problem
                children.append((child, (*path, name), depth + 1))
            stack.extend(reversed(children))
    return None


def deep_path(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> str:
    """The dotted path of the first container nested deeper than ``max_depth`` in JSON ``text`` (which the
    parser could not take): a scan of its brackets, stopping there. ``""`` when it has none."""
    # Each open container: its path, whether it is an object, the key or index of its current member.
    stack: list[list[Any]] = []
    pending_key: str | None = None
    for token in _TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            path: tuple[str, ...] = ()
            if stack:
                parent = stack[-1]
                path = (*parent[0], str(parent[2]))
            if len(stack) >= max_depth:
                return _join(path)
            stack.append([path, char == "{", 0 if char == "[" else ""])
        elif char in "]}":
            if stack:
                stack.pop()
        elif char == ",":
            if stack and not stack[-1][1]:
                stack[-1][2] += 1
        elif char == ":":
            if stack and stack[-1][1] and pending_key is not None:
                stack[-1][2] = pending_key
        elif char.startswith('"'):
            try:
                pending_key = shown(json.loads(char))
            except ValueError:
                pending_key = char[1:-1]
    return ""


def exact_number(literal: str) -> float | Decimal:
    """A JSON number with a fraction or an exponent: a ``float`` when one holds it exactly as written (12.5,
    0.1), else the exact ``Decimal`` (``12345678901234567.89``), so no amount silently loses digits."""
    if len(literal) <= SIGNIFICANT_DIGITS and "e" not in literal and "E" not in literal:
        return float(literal)  # at most 15 digits: a float holds it, and its shortest form is the literal
    exact = Decimal(literal)
    approximate = float(literal)
    if Decimal(repr(approximate)) == exact:
        return approximate
    return exact


class JSONProblem(ValueError):
    """A JSON document with text that cannot be stored or nested too deep: ``path`` and ``issue`` say where and
    why."""

    def __init__(self, path: str, issue: Issue) -> None:
        self.path = path
        self.issue = issue
        super().__init__(f"{path or 'The document'}: {issue.message}")


def too_deep(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``text`` nests containers deeper than ``max_depth``, by regular expressions alone: the
    brackets outside string literals, with innermost pairs removed ``max_depth`` times. Linear per pass, no
    Python loop over the characters, no recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets, removed = _INNERMOST.subn("", brackets)
        if not removed:
            return False  # unbalanced: malformed JSON, which the parser reports
    return bool(brackets)


def may_hold_unstorable(text: str) -> bool:
    """Whether JSON ``text`` might decode to a NUL or a lone surrogate: it holds one raw (no UTF-8 decoder makes
    one, an escaping charset could) or an escape that spells one. ``False`` for nearly every body, so the
    parsed document is walked only when it could matter."""
    return _SUSPECT_ESCAPE.search(text) is not None or (not text.isascii() and _UNSTORABLE.search(text) is not None)


def loads(text: str | bytes, *, parse_constant: Callable[[str], Any] | None = None, exact_numbers: bool = True) -> Any:
    """Parse JSON safely: :class:`JSONProblem` for text that cannot be stored or nesting past
    :data:`MAX_JSON_DEPTH` (checked before parsing, so no depth exhausts Python's recursion); numbers by
    :func:`exact_number` (or as floats, ``exact_numbers=False``, for documents that write decimals as strings).
    Malformed JSON raises ``ValueError`` as ``json.loads`` does (bytes must be UTF-8)."""
    source = text.decode("utf-8") if isinstance(text, bytes) else text
    if too_deep(source):
        raise JSONProblem(deep_path(source), depth_issue())
    try:
        data = json.loads(source, parse_float=exact_number if exact_numbers else float, parse_constant=parse_constant)
    except RecursionError:  # not reached past the check above; kept so that no input can turn it into a 500
        raise JSONProblem(deep_path(source), depth_issue()) from None
    if may_hold_unstorable(source):
        found = json_problem(data)
        if found is not None:
            raise JSONProblem(*found)
    return data
