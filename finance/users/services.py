"""Writes about users: registration, profile, password, tokens."""

from __future__ import annotations

import zoneinfo
from typing import Any

from babel import Locale, UnknownLocaleError
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from finance.core.exceptions import FieldError
from finance.core.money import iso_currencies
from finance.households.services import household_create
from finance.users.selectors import user_identifier_taken

User = get_user_model()
_TERRITORIES = frozenset(
    code for code in Locale("en").territories if isinstance(code, str) and code.isalpha() and len(code) == 2
)


class _Errors:
    """Collects field errors so a request reports every bad field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ErrorDetail]] = {}

    def add(self, field: str, message: str, code: str = "invalid") -> None:
        self.errors.setdefault(field, []).append(ErrorDetail(message, code=code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _check_profile_fields(errors: _Errors, fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "default_currency" in clean:
        clean["default_currency"] = str(clean["default_currency"]).strip().upper()
        if clean["default_currency"] not in iso_currencies():
            errors.add("default_currency", "Not an ISO 4217 currency code.", "invalid_currency")
    if clean.get("country"):
        clean["country"] = str(clean["country"]).strip().upper()
        if clean["country"] not in _TERRITORIES:
            errors.add("country", "Not an ISO 3166-1 alpha-2 country code.", "invalid_country")
    if "locale" in clean:
        try:
            clean["locale"] = str(Locale.parse(str(clean["locale"]).replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            errors.add("locale", "Unknown locale.", "invalid_locale")
    if "timezone" in clean and clean["timezone"] not in zoneinfo.available_timezones():
        errors.add("timezone", "Unknown time zone; use an IANA name such as Europe/Berlin.", "invalid_timezone")
    return clean


def _check_email(errors: _Errors, email: str, exclude_pk: Any = None) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.add("email", "Enter a valid email address.", "invalid")
        return email
    if user_identifier_taken(field="email", value=email, exclude_pk=exclude_pk):
        errors.add("email", "A user with that email already exists.", "unique")
    return email


def _check_password(errors: _Errors, field: str, password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        for error in exc.error_list:
            errors.add(field, " ".join(error.messages), error.code or "invalid")


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    default_currency: str = "USD",
) -> Any:
    """Create a user and their default household (owned by them, in their currency)."""
    errors = _Errors()
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError as exc:
        errors.add("username", " ".join(exc.messages), "invalid")
    if user_identifier_taken(field="username", value=username):
        errors.add("username", "A user with that username already exists.", "unique")
    email = _check_email(errors, email)
    profile = _check_profile_fields(errors, {"default_currency": default_currency})
    user = User(username=username, email=email, first_name=first_name.strip(), last_name=last_name.strip(), **profile)
    _check_password(errors, "password", password, user)
    errors.raise_if_any()

    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same name or address.
        raise FieldError("username", "A user with that username or email already exists.", code="unique") from None
    owner_name = user.first_name or user.username
    household_create(
        owner=user, name=f"{owner_name}'s household", base_currency=user.default_currency, make_default=True
    )
    return user


PROFILE_FIELDS = ("first_name", "last_name", "email", "default_currency", "country", "locale", "timezone")


@transaction.atomic
def user_update_profile(*, user: Any, **fields: Any) -> Any:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "This field cannot be changed here.", code="read_only")
    errors = _Errors()
    if "email" in fields:
        fields["email"] = _check_email(errors, fields["email"], exclude_pk=user.pk)
    fields = _check_profile_fields(errors, fields)
    errors.raise_if_any()
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if not fields:
        return user
    try:
        with transaction.atomic():
            user.save(update_fields=list(fields))
    except IntegrityError:
        raise FieldError("email", "A user with that email already exists.", code="unique") from None
    return user


def sessions_revoke_all(*, user: Any) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    tokens = list(outstanding)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in tokens], ignore_conflicts=True)
    return len(tokens)


@transaction.atomic
def user_change_password(*, user: Any, old_password: str, new_password: str) -> None:
    """Change the password after checking the current one; every session is signed out."""
    errors = _Errors()
    if not user.check_password(old_password):
        errors.add("old_password", "The current password is wrong.", "wrong_password")
    _check_password(errors, "new_password", new_password, user)
    errors.raise_if_any()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    sessions_revoke_all(user=user)


def token_pair_issue(*, user: Any) -> dict[str, str]:
    """A new refresh/access pair (a new session)."""
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
