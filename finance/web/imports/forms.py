"""Forms of the import screens: upload, column mapping, commit decisions. They parse input; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from finance.core.exceptions import FieldError, Issue
from finance.households.models import Household
from finance.imports.models import ImportFormat, RowDecision
from finance.ledger.models import Account
from finance.ledger.selectors import account_list
from finance.web.common.errors import MESSAGES, message_for
from finance.web.common.forms import AccountChoiceField
from finance.web.imports.presenters import ROW_REASONS


class UploadForm(forms.Form):
    account = AccountChoiceField(
        label=_("Account"), queryset=Account.objects.none(), empty_label=_("— choose —"), required=True
    )
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("CSV, Excel (.xlsx), OFX, QFX, QIF, CAMT.053 or MT940; at most 50 MiB."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Detect from the file")), *ImportFormat.choices],
    )
    statement_account = forms.CharField(
        label=_("Account in the file"),
        required=False,
        max_length=100,
        help_text=_("Only for files with several accounts: the IBAN or account number to import."),
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts: QuerySet[Account] = account_list(household=household).filter(is_active=True).order_by("group", "name")
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]


def _column_value(value: Any) -> str:
    return "" if value is None else str(value)


class MappingForm(forms.Form):
    """The mapping fields people change; the rest of the mapping (encoding, markers…) is kept as it is."""

    SIGN_CONVENTIONS = (
        ("signed", _("One amount column, negative is money out")),
        ("inverted", _("One amount column, positive is money out (many card exports)")),
        ("debit_credit", _("A money-out column and a money-in column")),
        ("direction", _("An amount column and a column saying debit or credit")),
    )
    DELIMITERS = ((",", _("Comma (,)")), (";", _("Semicolon (;)")), ("\t", _("Tab")), ("|", _("Vertical bar (|)")))
    DECIMALS = ((".", _("Point (1234.56)")), (",", _("Comma (1234,56)")))
    COLUMN_FIELDS = (
        "date_column",
        "amount_column",
        "debit_column",
        "credit_column",
        "direction_column",
        "payee_column",
        "notes_column",
        "reference_column",
    )

    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS)
    has_header = forms.BooleanField(label=_("The first row holds column names"), required=False)
    skip_rows = forms.IntegerField(
        label=_("Lines to skip before the data"),
        min_value=0,
        max_value=1000,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    date_column = forms.ChoiceField(label=_("Date column"))
    date_format = forms.CharField(
        label=_("Date format"),
        max_length=40,
        help_text=_("With %d day, %m month, %Y year (%y two digits), %b month name: e.g. %d/%m/%Y or %Y-%m-%d."),
    )
    sign_convention = forms.ChoiceField(label=_("Amounts"), choices=SIGN_CONVENTIONS, widget=forms.RadioSelect)
    amount_column = forms.ChoiceField(label=_("Amount column"), required=False)
    debit_column = forms.ChoiceField(label=_("Money-out column"), required=False)
    credit_column = forms.ChoiceField(label=_("Money-in column"), required=False)
    direction_column = forms.ChoiceField(label=_("Debit/credit column"), required=False)
    decimal_separator = forms.ChoiceField(label=_("Decimal sign"), choices=DECIMALS)
    payee_column = forms.ChoiceField(label=_("Payee column"), required=False)
    description_columns = forms.MultipleChoiceField(
        label=_("Description columns"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Texts of several columns are joined."),
    )
    notes_column = forms.ChoiceField(label=_("Notes column"), required=False)
    reference_column = forms.ChoiceField(label=_("Reference column"), required=False)

    def __init__(
        self,
        *args: Any,
        header: list[str] | None,
        column_count: int,
        current: dict[str, Any],
        tabular: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if header:
            columns = [(name, name) for name in header]
        else:
            columns = [(str(i), _("Column %(number)d") % {"number": i + 1}) for i in range(column_count)]
        known = {value for value, _label in columns}
        # A saved mapping may name a column differently (a position); keep it choosable.
        for name in (*self.COLUMN_FIELDS, "description_columns"):
            values = current.get(name)
            for value in values if isinstance(values, list) else [values]:
                if value is not None and str(value) not in known:
                    columns.append((str(value), str(value)))
                    known.add(str(value))
        self.positions = not header
        for name in self.COLUMN_FIELDS:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = columns if name == "date_column" else [("", _("— none —")), *columns]
        description = self.fields["description_columns"]
        assert isinstance(description, forms.MultipleChoiceField)
        description.choices = columns
        if tabular != ImportFormat.CSV:
            del self.fields["delimiter"]
        if not self.is_bound:
            self.initial = self.initial_from(current)

    # A file whose columns could not be recognised starts from these.
    DEFAULTS: dict[str, Any] = {
        "delimiter": ",",
        "sign_convention": "signed",
        "decimal_separator": ".",
        "date_format": "",
    }

    def initial_from(self, mapping: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: mapping.get(name, self.DEFAULTS.get(name)) for name in self.fields}
        for name in self.COLUMN_FIELDS:
            initial[name] = _column_value(mapping.get(name))
        initial["description_columns"] = [str(v) for v in mapping.get("description_columns") or []]
        initial["skip_rows"] = mapping.get("skip_rows") or 0
        initial["has_header"] = bool(mapping.get("has_header", True))
        return initial

    def _column(self, value: str) -> int | str | None:
        if value == "":
            return None
        return int(value) if self.positions and value.isdigit() else value

    def values(self) -> dict[str, Any]:
        """Every field of the form as the mapping service takes it (columns as names, or positions)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.fields:
            if name in self.COLUMN_FIELDS:
                values[name] = self._column(data[name])
            elif name == "description_columns":
                values[name] = [self._column(v) for v in data[name]]
            else:
                values[name] = data[name]
        return values

    def overrides(self, current: dict[str, Any]) -> dict[str, Any]:
        """The fields whose value differs from ``current``."""
        changed = {}
        for name, value in self.values().items():
            before = current.get(name)
            if name == "description_columns":
                before = list(before or [])
            if value != before:
                changed[name] = value
        return changed


def _unreadable_row(parts: list[str], error: Issue) -> str:
    """Why the row of ``rows.<n>`` cannot be imported, in the person's language.

    The service's English text names the row and its column; the translated sentence keeps the row (the
    column is in the table of unreadable rows above the form).
    """
    known = error.code in ROW_REASONS or error.code in MESSAGES
    if not known or len(parts) != 2:
        return error.message
    return _("Row %(number)s: %(problem)s") % {"number": parts[1], "problem": message_for(error, ROW_REASONS)}


class CommitForm(forms.Form):
    """One choice per possible duplicate and per possible transfer, and the explicit "skip the rows that cannot
    be read"."""

    CHOICES = (
        (RowDecision.MERGE, _("Merge: it is the same transaction")),
        (RowDecision.IMPORT, _("Keep both")),
        (RowDecision.SKIP, _("Skip this row")),
    )
    TRANSFER_CHOICES = (
        (RowDecision.TRANSFER, _("Record it as a transfer with that transaction")),
        (RowDecision.IMPORT, _("Import it as a transaction of its own")),
        (RowDecision.SKIP, _("Skip this row")),
    )

    skip_invalid = forms.BooleanField(label=_("Skip these rows and import the others"), required=False)

    def __init__(
        self,
        *args: Any,
        possible: list[int],
        invalid: bool,
        transfers: Sequence[tuple[int, bool]] = (),
        **kwargs: Any,
    ) -> None:
        """``transfers``: (row number, suggested) of each row that may be the other side of a transfer; a
        suggested one is linked unless the user chooses otherwise, the others are imported on their own."""
        super().__init__(*args, **kwargs)
        if not invalid:
            del self.fields["skip_invalid"]
        self.rows = [*possible, *(number for number, _suggested in transfers)]
        for number in possible:
            self.fields[self.decision_name(number)] = forms.ChoiceField(
                label=_("Row %(number)d") % {"number": number},
                choices=self.CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
        for number, suggested in transfers:
            self.fields[self.decision_name(number)] = forms.ChoiceField(
                label=_("Row %(number)d") % {"number": number},
                choices=self.TRANSFER_CHOICES,
                required=False,
                initial=RowDecision.TRANSFER if suggested else RowDecision.IMPORT,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def decision_name(number: int) -> str:
        return f"decision_{number}"

    def add_service_errors(self, exc: FieldError) -> None:
        """``rows.<n>`` errors go next to that row's decision (or to the form), ``decisions.<i>`` to the form."""
        for name, errors in exc.field_errors.items():
            parts = str(name).split(".")
            target = None
            if parts[0] == "rows" and len(parts) == 2 and parts[1].isdigit():
                field = self.decision_name(int(parts[1]))
                target = field if field in self.fields else None
            for error in errors:
                if error.code == "decision_required":
                    self.add_error(target, _("Choose merge, keep both or skip for this row."))
                elif target is None and "skip_invalid" in self.fields and parts[0] == "rows":
                    self.add_error("skip_invalid", _unreadable_row(parts, error))
                else:
                    self.add_error(target, message_for(error))

    def decisions(self) -> list[tuple[int, str]]:
        return [
            (number, self.cleaned_data[self.decision_name(number)])
            for number in self.rows
            if self.cleaned_data.get(self.decision_name(number))
        ]
