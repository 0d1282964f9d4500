"""The codes the privacy domain answers with: ``code`` of its domain errors (exports, restores and account
deletion).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    DELETION_PENDING = "deletion_pending"
    DOES_NOT_EXIST = "does_not_exist"
    EXPORT_IN_PROGRESS = "export_in_progress"
    INVALID_CODE = "invalid_code"
    INVALID_FILE = "invalid_file"
    LINK_EXPIRED = "link_expired"
    REQUIRED = "required"
    WRONG_PASSWORD = "wrong_password"
