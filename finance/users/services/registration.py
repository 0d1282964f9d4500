"""Sign-up and the profile."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record, field_changes
from finance.core import events
from finance.core.exceptions import (
    FieldError,
    FieldErrors,
)
from finance.users import mail
from finance.users.errors import ErrorCode
from finance.users.events import UserRegistered
from finance.users.selectors import (
    user_identifier_taken,
)
from finance.users.services._common import (
    User,
    check_current_password,
    check_email,
    check_password,
    check_profile_fields,
)
from finance.users.services.email import email_verification_send


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    default_currency: str = "USD",
    email_verified: bool = False,
) -> Any:
    """Create a user and their default household (owned by them, in their currency).

    Unless the address is already known to be theirs (``email_verified``, e.g. from an
    OpenID provider), a verification link is emailed after commit.
    """
    errors = FieldErrors()
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError as exc:
        errors.add("username", " ".join(exc.messages), ErrorCode.INVALID)
    if user_identifier_taken(field="username", value=username):
        errors.add("username", "A user with that username already exists.", ErrorCode.UNIQUE)
    email = check_email(errors, email)
    profile = check_profile_fields(errors, {"default_currency": default_currency})
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email_verified=email_verified,
        **profile,
    )
    if password:
        check_password(errors, "password", password, user)
    errors.raise_if_any()

    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same name or address.
        raise FieldError(
            "username", "A user with that username or email already exists.", code=ErrorCode.UNIQUE
        ) from None
    # Households gives the new person their first household in this transaction.
    events.publish(UserRegistered(user_id=user.pk))
    if not email_verified:
        email_verification_send(user=user)
    return user


PROFILE_FIELDS = ("first_name", "last_name", "email", "default_currency", "country", "locale", "timezone")
# The profile fields that control signing in (the address signs in and receives reset links): changing
# one needs the current password, a password session rather than an API token (the API's MeView), and
# the previous value is told, with a way to undo (``email_change_undo``).
IDENTITY_FIELDS = frozenset({"email"})


@transaction.atomic
def user_update_profile(*, user: Any, current_password: str | None = None, **fields: Any) -> Any:
    """Update profile fields; a new email address needs ``current_password`` and is unverified until
    its link is opened, and the previous address is told, with a link that undoes the change."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "This field cannot be changed here.", code=ErrorCode.READ_ONLY)
    errors = FieldErrors()
    if "email" in fields:
        fields["email"] = check_email(errors, fields["email"], exclude_pk=user.pk)
    fields = check_profile_fields(errors, fields)
    email_changed = "email" in fields and fields["email"].strip().lower() != user.email.lower()
    if email_changed:
        check_current_password(errors, user, current_password)
    errors.raise_if_any()
    before = {name: getattr(user, name) for name in fields}
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if not fields:
        return user
    update_fields = list(fields)
    if email_changed:
        user.email_verified = False
        update_fields.append("email_verified")
    try:
        with transaction.atomic():
            user.save(update_fields=update_fields)
    except IntegrityError:
        raise FieldError("email", "A user with that email already exists.", code=ErrorCode.UNIQUE) from None
    changes = field_changes(before, {name: getattr(user, name) for name in fields})
    if changes:
        audit_record(
            action=AuditAction.EMAIL_CHANGE if email_changed else AuditAction.PROFILE_UPDATE,
            actor=user,
            target=user,
            changes=changes,
        )
    if email_changed:
        email_verification_send(user=user)
        mail.send_after_commit(
            kind=mail.EMAIL_CHANGED, user=user, old_email=before["email"], changed_at=timezone.now().isoformat()
        )
    return user
