"""Service errors shown on forms: each field's message next to that field, in the person's language.

Services raise :class:`~finance.core.exceptions.FieldError` with problems per field (splits as
``splits.<n>.<field>``) and other ``DomainError`` subclasses (409, 403, 404…). Their English messages
are for API clients; the web shows a translated message per error code (every code an app declares
has one here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.core.exceptions import DomainError, FieldError, Issue

MESSAGES: Mapping[str, Any] = {
    "required": _("This field is required."),
    "blank": _("This field may not be blank."),
    "min_value": _("Must be greater than zero."),
    "max_decimal_places": _("Too many decimal places for this currency."),
    "invalid_currency": _("Not an ISO 4217 currency code."),
    "invalid_choice": _("Not a valid choice."),
    "does_not_exist": _("Not found in this household."),
    "archived": _("This account is archived; reactivate it to add transactions."),
    "same_account": _("A transfer goes between two different accounts."),
    "split_sum": _("The split amounts must add up to the transaction's amount."),
    "type_mismatch": _("The category's type does not match the transaction's type."),
    "not_allowed": _("Not allowed for this type of transaction."),
    "unique": _("This name is already used here."),
    "in_use": _("It is in use, so this cannot be done."),
    "cycle": _("A category cannot be moved under itself."),
    "last_owner": _("A household needs at least one owner; make someone else owner first."),
    "already_member": _("This person is already a member of the household."),
    "empty": _("Select at least one transaction."),
    "max_length": _("Too many at once."),
    "invalid_locale": _("Unknown locale."),
    "duplicate_category": _("Another line already has this category."),
    "overlapping_category": _(
        "Another line covers this category or one below it; a line counts its subcategories too."
    ),
    "out_of_range": _("Outside the dates this allows."),
    "invalid_range": _("The end date cannot be before the start date."),
    "no_line": _("This budget has no line for this category."),
    "same_line": _("Money moves between two different lines."),
    "not_envelope": _("Money moves between the lines of envelope budgets only."),
    "goal_linked": _("This goal follows its linked account's balance; contributions are for goals without one."),
    "no_suggestion": _("There is no suggestion to accept; choose a category."),
    # Sign-in and the account's credentials (finance.users.services).
    "invalid_credentials": _("That username or email and password do not match an account."),
    "otp_required": _("Enter the code from your authenticator app."),
    "otp_invalid": _("The code is wrong or was already used."),
    "email_not_verified": _("Confirm your email address first; we sent you a link."),
    "two_factor_enabled": _("Two-factor authentication is already on."),
    "two_factor_disabled": _("Two-factor authentication is not on."),
    "two_factor_not_set_up": _("Start the set-up again: no secret is waiting for confirmation."),
    "too_many_tokens": _("You have too many active tokens; revoke one first."),
}


def message_for(error: Issue | DomainError | str, overrides: Mapping[str, Any] | None = None) -> str:
    """The person's-language sentence for an error's code; the service's own text for a code without one."""
    code = getattr(error, "code", None) or ""
    translated = (overrides or {}).get(code, MESSAGES.get(code))
    if translated is not None:
        return str(translated)
    return error.message if isinstance(error, DomainError) else str(error)


def add_service_errors(
    exc: FieldError | None,
    form: forms.BaseForm,
    *,
    split_forms: Sequence[forms.BaseForm] = (),
    split_errors: list[str] | None = None,
    rows: str = "splits",
    overrides: Mapping[str, Any] | None = None,
) -> None:
    """Put each error of ``exc`` on the form field it names (``splits.<n>.x`` on the n-th split form).

    ``rows`` names the service's list of parts (``splits``, a budget's ``lines``, a rule's
    ``conditions``); a row form may map a service field to its own with ``error_field(name)``.
    ``overrides`` translates codes whose wording depends on the screen (``wrong_password``…).
    """
    if exc is None:
        return
    for name, issues in exc.field_errors.items():
        messages = [message_for(issue, overrides) for issue in issues]
        parts = str(name).split(".")
        if parts[0] == rows and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(split_forms):
            target = split_forms[int(parts[1])]
            mapper = getattr(target, "error_field", None)
            wanted = mapper(parts[2]) if mapper is not None else parts[2]
            field = wanted if wanted in target.fields else None
            for message in messages:
                target.add_error(field, message)
            continue
        if parts[0] == rows and split_errors is not None:
            split_errors.extend(messages)
            continue
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)


def service_messages(exc: DomainError) -> list[str]:
    """Every message of a service error, translated, for a page-level notice."""
    if isinstance(exc, FieldError):
        return [message_for(issue) for _, issue in exc.issues()]
    return [message_for(exc)]


def domain_message(exc: DomainError) -> str:
    """A refusal (in use, last owner…) as one translated sentence."""
    return " ".join(service_messages(exc))
