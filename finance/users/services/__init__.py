"""Writes about users: registration, profile (and its picture), email, password, sessions, sign-in, OpenID Connect,
two-factor authentication and personal access tokens.

One module per concern; this package re-exports them, so callers write
``services.user_register``.
"""

from finance.users.services._common import MAX_ACTIVE_TOKENS, SESSION_CLAIM, TOKEN_PREFIX, TOUCH_INTERVAL
from finance.users.services.avatar import user_remove_avatar, user_set_avatar
from finance.users.services.email import (
    email_change_undo,
    email_verification_resend,
    email_verification_send,
    email_verification_user,
    email_verify,
)
from finance.users.services.housekeeping import auth_audit_purge
from finance.users.services.oauth import oauth_complete, oauth_start, web_oauth_sign_in
from finance.users.services.passwords import (
    password_reset_confirm,
    password_reset_request,
    password_reset_user,
    user_change_password,
)
from finance.users.services.registration import IDENTITY_FIELDS, PROFILE_FIELDS, user_register, user_update_profile
from finance.users.services.sessions import (
    ClientInfo,
    session_logout,
    session_open,
    session_refresh,
    session_revoke,
    session_start,
    session_touch,
    sessions_revoke_all,
)
from finance.users.services.signin import LoginDelayed, WebSignIn, sign_in, web_sign_in, web_sign_in_second_factor
from finance.users.services.tokens import (
    access_token_create,
    access_token_record_use,
    access_token_revoke,
    access_tokens_revoke_all,
    hash_access_token,
)
from finance.users.services.two_factor import (
    second_factor_check,
    two_factor_confirm,
    two_factor_disable,
    two_factor_setup,
)

__all__ = [
    "IDENTITY_FIELDS",
    "MAX_ACTIVE_TOKENS",
    "PROFILE_FIELDS",
    "SESSION_CLAIM",
    "TOKEN_PREFIX",
    "TOUCH_INTERVAL",
    "ClientInfo",
    "LoginDelayed",
    "WebSignIn",
    "access_token_create",
    "access_token_record_use",
    "access_token_revoke",
    "access_tokens_revoke_all",
    "auth_audit_purge",
    "email_change_undo",
    "email_verification_resend",
    "email_verification_send",
    "email_verification_user",
    "email_verify",
    "hash_access_token",
    "oauth_complete",
    "oauth_start",
    "password_reset_confirm",
    "password_reset_request",
    "password_reset_user",
    "second_factor_check",
    "session_logout",
    "session_open",
    "session_refresh",
    "session_revoke",
    "session_start",
    "session_touch",
    "sessions_revoke_all",
    "sign_in",
    "two_factor_confirm",
    "two_factor_disable",
    "two_factor_setup",
    "user_change_password",
    "user_register",
    "user_remove_avatar",
    "user_set_avatar",
    "user_update_profile",
    "web_oauth_sign_in",
    "web_sign_in",
    "web_sign_in_second_factor",
]
