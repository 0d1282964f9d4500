"""The codes the users domain answers with: ``code`` of its domain errors (sign-up, sign-in, sessions, tokens,
two-factor authentication and the profile and its picture).

The API puts them in the error envelope; the web app translates every one (``finance.web.common.errors``).
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ACCOUNT_EXISTS = "account_exists"
    ADDRESS_TAKEN = "address_taken"
    BLANK = "blank"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    EXPIRED_KEY = "expired_key"
    IMAGE_DIMENSIONS = "image_dimensions"
    IMAGE_FILE_TOO_LARGE = "image_file_too_large"
    IMAGE_TYPE = "image_type"
    INVALID = "invalid"
    INVALID_CODE = "invalid_code"
    INVALID_COUNTRY = "invalid_country"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_KEY = "invalid_key"
    INVALID_LOCALE = "invalid_locale"
    INVALID_SCOPES = "invalid_scopes"
    INVALID_STATE = "invalid_state"
    INVALID_TIMEZONE = "invalid_timezone"
    INVALID_TOKEN = "invalid_token"
    LOGIN_LOCKED = "login_locked"
    LOGIN_SLOWED = "login_slowed"
    NOT_AN_IMAGE = "not_an_image"
    OAUTH_FAILED = "oauth_failed"
    OTP_INVALID = "otp_invalid"
    OTP_REQUIRED = "otp_required"
    PAST = "past"
    READ_ONLY = "read_only"
    REQUIRED = "required"
    SESSION_REQUIRED = "session_required"
    TOKEN_NOT_VALID = "token_not_valid"
    TOO_MANY_TOKENS = "too_many_tokens"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_NOT_SET_UP = "two_factor_not_set_up"
    UNIQUE = "unique"
    WRONG_PASSWORD = "wrong_password"
