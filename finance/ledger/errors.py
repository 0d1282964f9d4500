"""The codes the ledger domain answers with: ``code`` of its domain errors (accounts, categories, tags and
transactions).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ARCHIVED = "archived"
    BLANK = "blank"
    CYCLE = "cycle"
    DOES_NOT_EXIST = "does_not_exist"
    EMPTY = "empty"
    IN_USE = "in_use"
    INVALID = "invalid"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_QUERY = "invalid_query"
    MAX_DECIMAL_PLACES = "max_decimal_places"
    MAX_DIGITS = "max_digits"
    MAX_LENGTH = "max_length"
    MAX_VALUE = "max_value"
    MIN_VALUE = "min_value"
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"
    REQUIRED = "required"
    SAME_ACCOUNT = "same_account"
    SPLIT_SUM = "split_sum"
    TOO_MANY = "too_many"
    TYPE_MISMATCH = "type_mismatch"
    UNIQUE = "unique"
    UNKNOWN_FIELD = "unknown_field"
