"""The codes the currency domain answers with: ``code`` of its domain errors (exchange rates).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID_CURRENCY = "invalid_currency"
    MIN_VALUE = "min_value"
    SAME_CURRENCY = "same_currency"
    UNIQUE = "unique"
