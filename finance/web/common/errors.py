"""Service errors shown on forms: each field's message next to that field, in the person's language.

Services raise :class:`~finance.core.exceptions.FieldError` with problems per field (splits as
``splits.<n>.<field>``) and other ``DomainError`` subclasses (409, 403, 404…). Their English messages
are for API clients; the web shows a translated message per error code: every code of every app's
``ErrorCode`` enum has one here (``tests/common/test_error_codes.py`` holds to that). Where a screen has
its own words for a code, the message here reuses them when they fit every place the code is raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from finance.core.exceptions import DomainError, FieldError, Issue

MESSAGES: Mapping[str, Any] = {
    "required": _("This field is required."),
    "blank": _("This field may not be blank."),
    "min_value": _("Must be greater than zero."),
    "max_decimal_places": _("Too many decimal places for this currency."),
    "invalid_currency": _("Not an ISO 4217 currency code."),
    "invalid_query": _("This search cannot be read: check the words before a colon and the brackets."),
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
    "too_many": _("There are too many of these; remove some."),
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
    "slow_pattern": _("This pattern could take too long on some text; simplify it."),
    "rule_disabled": _("This rule took too long and was turned off; simplify its conditions, then turn it on again."),
    # Sign-in and the account's credentials (finance.users.services).
    "invalid_credentials": _("That username or email and password do not match an account."),
    "otp_required": _("Enter the code from your authenticator app."),
    "otp_invalid": _("The code is wrong or was already used."),
    "email_not_verified": _("Confirm your email address first; we sent you a link."),
    "two_factor_enabled": _("Two-factor authentication is already on."),
    "two_factor_disabled": _("Two-factor authentication is not on."),
    "two_factor_not_set_up": _("Start the set-up again: no secret is waiting for confirmation."),
    "too_many_tokens": _("You have too many active tokens; revoke one first."),
    "wrong_password": _("The password is wrong."),
    "invalid_code": _("The code is wrong or was already used."),
    "login_locked": _("Too many failed sign-ins: sign-in is locked for a while."),
    "login_slowed": _("Too many failed sign-ins: wait a moment before trying again."),
    "account_exists": _("An account with this email address exists: sign in with your password."),
    "oauth_failed": _("The provider did not confirm this sign-in."),
    "invalid_state": _("This sign-in attempt has expired or was already finished; start again."),
    "token_not_valid": _("The session has ended or its token is no longer valid; sign in again."),
    "expired_key": _("This link has expired; ask for a new one."),
    "invalid_key": _("This link is not valid or was already used."),
    "invalid_token": _("This link is not valid, has expired or was already used; ask for a new one."),
    "invalid_scopes": _("Choose “Read only” or “Read and write”."),
    "past": _("Must be in the future."),
    "read_only": _("This field cannot be changed here."),
    "invalid_country": _("Unknown country code."),
    "invalid_timezone": _("Unknown time zone; use a name such as Europe/Berlin."),
    "address_taken": _("Another account uses that address now."),
    # The profile picture (finance.users.services.avatar).
    "image_file_too_large": _("The image is larger than 2 MiB."),
    "image_type": _("Use a PNG, JPEG or WebP image."),
    "not_an_image": _("This file is not an image that can be read."),
    "image_dimensions": _("The image has too many pixels (at most 25 million, and 8000 on a side)."),
    # Invitations to a household (finance.households.services).
    "invitation_closed": _("This invitation was already answered or withdrawn."),
    "invitation_expired": _("This invitation has expired; ask for a new one."),
    "too_many_invitations": _("Too many invitations are waiting for an answer; withdraw some first."),
    "session_required": _("Sign in with your password to do this; API tokens cannot."),
    # Refusals any app may answer with (finance.core.exceptions.ErrorCode).
    "invalid": _("Not a valid value."),
    "null": _("This field is required."),
    "max_value": _("This value is too large."),
    "max_digits": _("This number has too many digits."),
    "unknown_field": _("Unknown field."),
    "conflict": _("This cannot be done in the current state."),
    "permission_denied": _("Your role in this household does not allow this."),
    "not_found": _("This could not be found; it may have been deleted."),
    "not_authenticated": _("Sign in first."),
    "authentication_failed": _("Your sign-in details are wrong or have expired; sign in again."),
    "throttled": _("Too many requests; wait a moment and try again."),
    "service_unavailable": _("A service this needs is unavailable; try again later."),
    # Text and JSON that cannot be stored (finance.core.text), a body that cannot be read.
    "null_characters_not_allowed": _("Null characters are not allowed."),
    "surrogate_characters_not_allowed": _("This text has characters that cannot be stored (lone surrogates)."),
    "max_depth": _("Nested too deeply."),
    "parse_error": _("The request could not be read."),
    # Exchange rates (finance.currency).
    "same_currency": _("The two currencies must be different."),
    # Exports, restores and account deletion (finance.privacy).
    "export_in_progress": _("An export is already being built; wait for it to finish."),
    "link_expired": _("This download link has expired; get a new one from your exports."),
    "deletion_pending": _("The deletion of this account is already scheduled."),
    "invalid_file": _("The file cannot be read; it is damaged or not in the format expected."),
    # Statement imports (finance.imports.reading.errors): the files, the steps of an import, then single rows.
    "empty_file": _("The file is empty."),
    "file_too_large": _("The file is too large to import."),
    "unsupported_format": _("This file format is not supported; use CSV, Excel (.xlsx), OFX, QFX, QIF, CAMT or MT940."),
    "forbidden_xml": _("The file uses XML features that are refused for safety (DTDs or entities)."),
    "invalid_encoding": _("The text of the file cannot be read in this character encoding."),
    "invalid_input": _("The file could not be received; upload it again."),
    "no_statement": _("The file holds no statement to import."),
    "multiple_accounts": _("The file holds statements of several accounts; choose the one to import."),
    "unknown_account": _("The file does not hold a statement of that account."),
    "inactive": _("This account is archived; reactivate it to add transactions."),
    "no_mapping": _("The columns of this file could not be recognised."),
    "invalid_mapping": _("Only CSV and Excel (.xlsx) files have a column mapping."),
    "not_applicable": _("This file format has no column mapping."),
    "mapping_required": _("Confirm the column mapping first."),
    "invalid_status": _("This cannot be done at this stage of the import; a completed import can only be undone."),
    "decision_required": _("Choose merge, keep both or skip for this row."),
    "duplicate_decision": _("Only one decision per row."),
    "not_committed": _("Only a completed import can be undone."),
    "already_reverted": _("This import was already undone."),
    "invalid_row": _("This row cannot be read."),
    "not_a_transaction": _("The row has no date and no amount."),
    "invalid_date": _("Not a date this file's date format can read."),
    "missing_date": _("The date is missing."),
    "invalid_amount": _("Not a valid amount."),
    "zero_amount": _("The amount is zero."),
    "currency_mismatch": _("The row is in another currency than the account."),
    "invalid_direction": _("The debit/credit marker cannot be read."),
    "missing_amount": _("The amount is missing."),
    "invalid_value": _("Not a valid date or amount."),
    "missing_value": _("The date or the amount is missing."),
}


# Catch-all codes: the service's own sentence is the only one that says exactly what is wrong (which part
# of a rule's regex, which limit, which state), so a person reading English sees it; in another language
# the code's translation stands in for it.
# Codes whose own (English) message says more than the table: in English the service's text is shown.
CATCH_ALL = frozenset({"invalid", "conflict", "invalid_status", "invalid_query"})


def message_for(error: Issue | DomainError | str, overrides: Mapping[str, Any] | None = None) -> str:
    """The person's-language sentence for an error's code; the service's own text for a code without one."""
    code = getattr(error, "code", None) or ""
    own = error.message if isinstance(error, DomainError | Issue) else str(error)
    english = (translation.get_language() or "en").split("-")[0] == "en"
    if code in CATCH_ALL and code not in (overrides or {}) and english:
        return own
    translated = (overrides or {}).get(code, MESSAGES.get(code))
    return str(translated) if translated is not None else own


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
