"""The codes the categorization domain answers with: ``code`` of its domain errors (rules, the review queue
and the categorizer).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    DOES_NOT_EXIST = "does_not_exist"
    INVALID = "invalid"
    NO_SUGGESTION = "no_suggestion"
    REQUIRED = "required"
    RULE_DISABLED = "rule_disabled"
    SLOW_PATTERN = "slow_pattern"
    TOO_MANY = "too_many"
