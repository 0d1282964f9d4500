"""Import batches, the provenance of every imported row, and column mappings saved per account."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finance.core.money import MoneyField
from finance.households.models import HouseholdOwned


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    OFX = "ofx", "OFX"
    QFX = "qfx", "QFX"
    QIF = "qif", "QIF"
    CAMT053 = "camt053", "CAMT.053"
    CAMT052 = "camt052", "CAMT.052"
    CAMT054 = "camt054", "CAMT.054"
    MT940 = "mt940", "MT940"
    MT942 = "mt942", "MT942"


TABULAR_FORMATS: frozenset[str] = frozenset({ImportFormat.CSV.value, ImportFormat.XLSX.value})


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded; the column mapping needs confirming")
    MAPPED = "mapped", _("Ready to preview and commit")
    PROCESSING = "processing", _("Committing in the background")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("The background commit failed; nothing was imported")
    REVERTED = "reverted", _("Reverted")


class ImportBatch(HouseholdOwned):
    """One uploaded statement file for one account, from upload to commit (and maybe revert)."""

    account = models.ForeignKey("ledger.Account", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    filename = models.CharField(max_length=255, blank=True, default="")
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    # The file's own name for the account, for files with several accounts.
    statement_account = models.CharField(max_length=100, blank=True, default="")
    detected = models.JSONField(null=True, blank=True)
    mapping = models.JSONField(null=True, blank=True)
    mapping_source = models.CharField(max_length=10, blank=True, default="")
    statement = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    possible_duplicates = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_merged = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    possible_transfers = models.PositiveIntegerField(default=0)
    rows_transferred = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    balance_check = models.JSONField(null=True, blank=True)
    skip_invalid = models.BooleanField(default=False)
    failure = models.TextField(blank=True, default="")
    # PostgreSQL's snapshot when the rows were last analysed: the commit re-checks them only when a write the
    # analysis could not see touched what it reads (see LedgerChange).
    analysed_snapshot = models.TextField(blank=True, default="")
    analysed_xact = models.BigIntegerField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        indexes = [models.Index(fields=["household", "-created_at"], name="imports_batch_household")]

    def __str__(self) -> str:
        return f"{self.filename or self.id} ({self.status})"


class RowStatus(models.TextChoices):
    NEW = "new", _("Would be imported")
    DUPLICATE = "duplicate", _("Already imported (same bank id or fingerprint): skipped")
    POSSIBLE_DUPLICATE = "possible_duplicate", _("Looks like an existing transaction: needs a decision")
    INVALID = "invalid", _("Could not be read")
    IMPORTED = "imported", _("Imported as a new transaction")
    MERGED = "merged", _("Linked to an existing transaction")
    SKIPPED = "skipped", _("Skipped by decision")
    TRANSFER = "transfer", _("Linked to the other side of a transfer between own accounts")
    REVERTED = "reverted", _("Its batch was reverted")


# A row with one of these statuses decided the fate of its fingerprint and bank id for good.
OUTCOME_STATUSES = (RowStatus.IMPORTED, RowStatus.MERGED, RowStatus.SKIPPED, RowStatus.TRANSFER)


class RowDecision(models.TextChoices):
    IMPORT = "import", _("Import as a new transaction")
    SKIP = "skip", _("Do not import")
    MERGE = "merge", _("Link to the possible duplicate")
    TRANSFER = "transfer", _("Record as a transfer with the matching transaction of another account")


class ImportedRow(HouseholdOwned):
    """One row of an imported file, kept for good: what it said, what it became, why.

    ``fingerprint`` is a keyed hash (HMAC with the secret key) of account, date,
    amount, normalized texts and the occurrence index in the file, so it holds
    no readable personal data and still recognises the row after its
    transaction is deleted. A row that created a transaction shares its id
    with it.
    """

    # Indexed by the composite indexes below (fewer indexes: 100k-row files insert quickly).
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False)
    # A row's household and account are its batch's, whose foreign keys guard them: the database does not check
    # them again for each of a file's 100k rows (deletes still cascade, through Django's collector).
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    account = models.ForeignKey(
        "ledger.Account", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    row_number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=RowStatus.choices)
    decision = models.CharField(max_length=10, choices=RowDecision.choices, blank=True, default="")
    provider_id = models.CharField(max_length=200, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    check_number = models.CharField(max_length=40, blank=True, default="")
    date = models.DateField(null=True, blank=True)
    amount = MoneyField(null=True, blank=True, help_text="Signed: negative is money out.")
    raw = models.JSONField(default=dict, blank=True)
    parsed = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    category = models.ForeignKey(
        "ledger.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    categorization_source = models.CharField(max_length=10, blank=True, default="")
    categorization_confidence = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    # The links are indexed where set only (partial indexes below): a 100k-row file is written with them empty.
    # ``transaction`` is what a duplicate repeats, a merged row joined or a transfer row linked. An imported row
    # leaves it empty: the transaction it created has the row's id (:attr:`created_transaction_id`), so committing
    # changes no indexed column of the row and PostgreSQL rewrites it in place (a HOT update, see the table's
    # fillfactor in migration 0003).
    transaction = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    candidate = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    match_score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    match_reason = models.CharField(max_length=200, blank=True, default="")
    # A possible transfer: the opposite movement in another account of the household (see transfers.py).
    transfer_candidate = models.ForeignKey(
        "ledger.Transaction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    transfer_suggested = models.BooleanField(default=False, help_text="Linked on commit unless decided otherwise.")
    transfer_reason = models.CharField(max_length=200, blank=True, default="")
    # What the linked transaction was before this row turned it into a transfer, for revert.
    transfer_previous = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "row_number"],
                name="imports_row_unique_in_batch",
                violation_error_message="A batch has one row per row number.",
            )
        ]
        indexes = [
            models.Index(fields=["account", "fingerprint"], name="imports_row_fingerprint"),
            models.Index(fields=["account", "provider_id"], condition=~Q(provider_id=""), name="imports_row_provider"),
            models.Index(fields=["account", "check_number"], condition=~Q(check_number=""), name="imports_row_check"),
            # Partial: rows without the link are not indexed (most rows have no candidate; a row has no
            # transaction until it is committed), so 100k-row files insert and commit quickly. Lookups by equality,
            # as deletes of transactions and categories make them, use them.
            models.Index(
                fields=["transaction"], condition=Q(transaction__isnull=False), name="imports_row_transaction"
            ),
            models.Index(fields=["candidate"], condition=Q(candidate__isnull=False), name="imports_row_candidate"),
            models.Index(fields=["category"], condition=Q(category__isnull=False), name="imports_row_category"),
            models.Index(
                fields=["transfer_candidate"],
                condition=Q(transfer_candidate__isnull=False),
                name="imports_row_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} row {self.row_number} ({self.status})"

    @property
    def created_transaction_id(self) -> uuid.UUID | None:
        """The transaction this row created when it was imported (it may have been deleted since)."""
        return self.id if self.status == RowStatus.IMPORTED else None


class AccountImportMapping(HouseholdOwned):
    """The column mapping last committed for an account's CSV or XLSX files, reused on the next upload."""

    account = models.ForeignKey("ledger.Account", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    mapping = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "format"],
                name="imports_mapping_unique_per_account",
                violation_error_message="An account has one saved mapping per format.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.format}"


class LedgerChange(models.Model):
    """A statement that wrote what duplicate and transfer detection read, for one household.

    Written by PostgreSQL triggers (migration 0004) on transactions, splits,
    accounts, exchange rates and imported rows, one row per statement and
    household whatever the statement's size. A commit whose rows were analysed
    under a snapshot that sees every change of the household since skips its
    re-check: the answer would be the same. Kept ``CHANGE_LOG_DAYS``; not used on
    SQLite (a commit there always re-checks).
    """

    id = models.BigAutoField(primary_key=True)
    household_id = models.UUIDField()
    xact = models.BigIntegerField(help_text="The writing transaction's id (pg_current_xact_id).")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["household_id", "xact"], name="imports_change_household"),
            models.Index(fields=["created_at"], name="imports_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} xact {self.xact}"
