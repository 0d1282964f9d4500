"""The codes the households domain answers with: ``code`` of its domain errors (households and their members).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ALREADY_MEMBER = "already_member"
    BLANK = "blank"
    DOES_NOT_EXIST = "does_not_exist"
    INVALID_CHOICE = "invalid_choice"
    INVALID_CURRENCY = "invalid_currency"
    INVITATION_CLOSED = "invitation_closed"
    INVITATION_EXPIRED = "invitation_expired"
    LAST_OWNER = "last_owner"
    TOO_MANY_INVITATIONS = "too_many_invitations"
