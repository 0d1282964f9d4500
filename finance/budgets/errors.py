"""The codes the budgets domain answers with: ``code`` of its domain errors (budgets, moves and goals).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    BLANK = "blank"
    DOES_NOT_EXIST = "does_not_exist"
    DUPLICATE_CATEGORY = "duplicate_category"
    GOAL_LINKED = "goal_linked"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_RANGE = "invalid_range"
    MAX_DECIMAL_PLACES = "max_decimal_places"
    MAX_DIGITS = "max_digits"
    MAX_VALUE = "max_value"
    MIN_VALUE = "min_value"
    NO_LINE = "no_line"
    NOT_ENVELOPE = "not_envelope"
    OUT_OF_RANGE = "out_of_range"
    OVERLAPPING_CATEGORY = "overlapping_category"
    REQUIRED = "required"
    SAME_LINE = "same_line"
    TOO_MANY = "too_many"
    TYPE_MISMATCH = "type_mismatch"
    UNKNOWN_FIELD = "unknown_field"
