"""The codes the currency domain answers with: ``code`` of its domain errors (exchange rates).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID = "invalid"
    INVALID_CURRENCY = "invalid_currency"
    MAX_DECIMAL_PLACES = "max_decimal_places"
    MAX_DIGITS = "max_digits"
    MAX_VALUE = "max_value"
    MIN_VALUE = "min_value"
    OUT_OF_RANGE = "out_of_range"
    SAME_CURRENCY = "same_currency"
    UNIQUE = "unique"
