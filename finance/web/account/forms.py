"""Forms of the account pages: sign-in (the password, then the code), the profile, the security settings.

Like every form of the web app they parse and present input; the users
services decide what is valid. Nothing here writes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

# --- Sign-in ------------------------------------------------------------------------------------------


class SignInForm(forms.Form):
    """Username or email address (either, any case), and the password."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


# --- Public pages: sign-up, forgotten password, email verification -------------------------------------


def _password_rules() -> str:
    # The configured validators' own sentences (AUTH_PASSWORD_VALIDATORS), in the page's language.
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


password_rules = lazy(_password_rules, str)


class NewPasswordForm(forms.Form):
    """A new password twice, with the rules shown up front; the service runs the validators."""

    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=password_rules(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    mismatch_message = _("The two passwords do not match.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        again = data.get("new_password_again")
        if data.get("new_password") and again is not None and data["new_password"] != again:
            self.add_error("new_password_again", self.mismatch_message)
        return data


class SignUpForm(forms.Form):
    """What the API's ``register/`` takes, and the password twice; ``user_register`` decides what is valid."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only. You can sign in with it or with your email address."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("For the link that confirms it, and for resetting a forgotten password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=password_rules(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    default_currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        initial="USD",
        help_text=_("The currency of your first household, as a three-letter code (EUR, GBP, USD…)."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "class": "short", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        again = data.get("password_again")
        if data.get("password") and again is not None and data["password"] != again:
            self.add_error("password_again", _("The two passwords do not match."))
        return data

    def register_values(self) -> dict[str, Any]:
        """The service's arguments."""
        return {name: self.cleaned_data[name] for name in self.fields if name != "password_again"}


class EmailAddressForm(forms.Form):
    """One address: where to send a reset link, or the verification link again."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


# --- Profile ------------------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    locale = forms.ChoiceField(
        label=_("Language"),
        help_text=_("Also sets how numbers, dates and amounts are written."),
    )

    def __init__(self, *args: Any, current_locale: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each language in its own name, so people find theirs whatever the page's language.
        choices = [
            (code, translation.get_language_info(code)["name_local"].capitalize()) for code, _n in settings.LANGUAGES
        ]
        # Keep a regional locale (de_AT, en_GB…) the person already has as a choice.
        if current_locale and current_locale not in dict(choices):
            choices.insert(0, (current_locale, current_locale))
        locale_field = self.fields["locale"]
        assert isinstance(locale_field, forms.ChoiceField)
        locale_field.choices = choices


class AvatarForm(forms.Form):
    """The profile picture's file; the service checks and re-encodes it (``users.services.user_set_avatar``)."""

    avatar = forms.FileField(
        label=_("Picture"),
        help_text=_(
            "PNG, JPEG or WebP, at most 2 MiB. It is cropped to a square; its metadata (such as where a "
            "photo was taken) is not kept."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp", "data-preview": "avatar-preview"}),
    )


# --- Security settings --------------------------------------------------------------------------------


class PasswordChangeForm(NewPasswordForm):
    """The current password and the new one twice; the service checks the rest (Django's validators)."""

    field_order = ["old_password", "new_password", "new_password_again"]
    mismatch_message = _("The two new passwords do not match.")

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = _(
            "At least 10 characters, not too similar to your name or email, not a common password."
        )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class TwoFactorSetupForm(forms.Form):
    """A second factor decides who can sign in: setting one up needs the current password."""

    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TwoFactorDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=_("Code from the app, or a recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


TOKEN_EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365}


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “spreadsheet sync”."), required=False
    )
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[("read", _("Read only")), ("write", _("Read and write"))],
        initial="read",
        widget=forms.RadioSelect,
    )
    expires = forms.ChoiceField(
        label=_("Expires"),
        choices=[("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year")), ("", _("Never"))],
        initial="90",
        required=False,
    )

    def token_values(self) -> dict[str, Any]:
        """The service's arguments: the name, the scopes and the expiry time."""
        days = TOKEN_EXPIRY_DAYS.get(self.cleaned_data.get("expires") or "")
        return {
            "name": self.cleaned_data["name"],
            "scopes": ["read", "write"] if self.cleaned_data["access"] == "write" else ["read"],
            "expires_at": timezone.now() + timedelta(days=days) if days else None,
        }
