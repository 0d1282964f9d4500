"""The API's JSON parser: exact numbers, text the databases can store, bounded nesting.

DRF's ``JSONParser`` reads JSON numbers as floats (``12345678901234567.89`` arrives as
``...68.0``), lets ``"\\ud800"`` through as a lone surrogate that no response can encode again, and
recurses once per nesting level until ``RecursionError``. This one parses with
:func:`finance.core.text.loads`: a number a float cannot hold exactly arrives as ``Decimal``; text with a
NUL or a lone surrogate, or nesting deeper than ``MAX_JSON_DEPTH``, is a field-level 400 naming the place
(``conditions.0.value``) before any view sees the body.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions, parsers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils import json as drf_json

from finance.core.exceptions import NON_FIELD
from finance.core.text import JSONProblem, loads


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        parse_constant = drf_json.strict_constant if self.strict else None
        try:
            text = codecs.getreader(encoding)(stream).read()
            return loads(text, parse_constant=parse_constant)
        except JSONProblem as problem:
            raise exceptions.ValidationError(
                {problem.path or NON_FIELD: [ErrorDetail(problem.issue.message, code=problem.issue.code)]}
            ) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
