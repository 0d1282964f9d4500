"""Accounts, categories, tags, transactions and the derived data kept exact with every write."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from finance.core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, CurrencyField, MoneyField
from finance.households.models import HouseholdOwned

UNCATEGORIZED = uuid.UUID(int=0)


class AccountType(models.TextChoices):
    CHECKING = "checking", _("Checking")
    SAVINGS = "savings", _("Savings")
    CREDIT_CARD = "credit_card", _("Credit card")
    CASH = "cash", _("Cash")
    WALLET = "wallet", _("Wallet")
    INVESTMENT = "investment", _("Investment")
    LOAN = "loan", _("Loan")
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    OTHER = "other", _("Other")


LIABILITY_TYPES = frozenset({AccountType.CREDIT_CARD, AccountType.LOAN, AccountType.LIABILITY})


class Account(HouseholdOwned):
    """A place money is kept or owed; its balance is maintained with every transaction."""

    name = models.CharField(max_length=120)
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.CHECKING)
    institution = models.CharField(max_length=120, blank=True, default="")
    currency = CurrencyField()
    opening_balance = MoneyField(default=0)
    balance = MoneyField(default=0, editable=False)
    color = models.CharField(max_length=20, blank=True, default="")
    icon = models.CharField(max_length=40, blank=True, default="")
    group = models.CharField(max_length=60, blank=True, default="")
    is_active = models.BooleanField(default=True)
    include_in_net_worth = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "name"]
        indexes = [models.Index(fields=["household", "is_active"], name="ledger_account_household")]

    def __str__(self) -> str:
        return self.name


class CategoryType(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class Category(HouseholdOwned):
    """A node of the household's category tree."""

    name = models.CharField(max_length=80)
    type = models.CharField(max_length=10, choices=CategoryType.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    icon = models.CharField(max_length=40, blank=True, default="")
    color = models.CharField(max_length=20, blank=True, default="")
    is_system = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["type", "sort_order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                "household",
                "parent",
                Lower("name"),
                name="ledger_category_unique_in_parent",
                violation_error_message="A category with this name already exists here.",
            ),
            models.UniqueConstraint(
                "household",
                Lower("name"),
                condition=Q(parent__isnull=True),
                name="ledger_category_unique_top_level",
                violation_error_message="A top-level category with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(HouseholdOwned):
    """A free label on transactions, created on first use."""

    name = models.CharField(max_length=60)
    color = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "household",
                Lower("name"),
                name="ledger_tag_unique_name",
                violation_error_message="A tag with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TransactionType(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")
    TRANSFER = "transfer", _("Transfer")


class CategorizationSource(models.TextChoices):
    USER = "user", _("Set by a person")
    RULE = "rule", _("A rule")
    HISTORY = "history", _("Earlier transactions")
    MODEL = "model", _("The model")


class Transaction(HouseholdOwned):
    """Money in, out, or between two of the household's accounts.

    ``amount`` is positive, in the account's currency; ``type`` gives the
    direction. ``amount_in_base_currency`` is null when no exchange rate was
    available (the transaction is then reported as unconverted, never 1:1).
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="transactions")
    type = models.CharField(max_length=10, choices=TransactionType.choices)
    amount = MoneyField()
    currency = CurrencyField()
    date = models.DateField()
    posted_date = models.DateField(null=True, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payee = models.CharField(max_length=200, blank=True, default="")
    description = models.CharField(max_length=500, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    tags = models.ManyToManyField(Tag, through="TransactionTag", related_name="transactions", blank=True)
    transfer_account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    transfer_amount = MoneyField(null=True, blank=True)
    is_pending = models.BooleanField(default=False)
    is_excluded = models.BooleanField(default=False)
    is_reconciled = models.BooleanField(default=False)
    reference_number = models.CharField(max_length=100, blank=True, default="")
    amount_in_base_currency = MoneyField(null=True, blank=True)
    exchange_rate = models.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, null=True, blank=True
    )
    exchange_rate_date = models.DateField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    categorization_source = models.CharField(
        max_length=10, choices=CategorizationSource.choices, blank=True, default=""
    )
    categorization_confidence = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    categorization_rule = models.UUIDField(null=True, blank=True)
    import_batch = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        indexes = [
            # The list's keyset order, per household; also serves date-range filters.
            models.Index(fields=["household", "-date", "-created_at", "-id"], name="ledger_txn_household_date"),
            models.Index(fields=["account", "-date"], name="ledger_txn_account_date"),
            models.Index(fields=["household", "category"], name="ledger_txn_household_category"),
            models.Index(fields=["household", "-amount"], name="ledger_txn_household_amount"),
            models.Index(fields=["household", "-date"], condition=Q(needs_review=True), name="ledger_txn_needs_review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="ledger_txn_amount_positive",
                violation_error_message="Amounts are positive; the type gives the direction.",
            ),
            models.CheckConstraint(
                condition=(Q(type="transfer") & Q(transfer_account__isnull=False) & Q(transfer_amount__isnull=False))
                | (~Q(type="transfer") & Q(transfer_account__isnull=True) & Q(transfer_amount__isnull=True)),
                name="ledger_txn_transfer_account_iff_transfer",
                violation_error_message="A transfer needs a destination account; other types must not have one.",
            ),
            models.CheckConstraint(
                condition=~Q(account=models.F("transfer_account")),
                name="ledger_txn_transfer_distinct_accounts",
                violation_error_message="A transfer goes between two different accounts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.type} {self.amount} {self.currency}"


class TransactionTag(models.Model):
    """A tag on a transaction (explicit so the row carries its household)."""

    id = models.BigAutoField(primary_key=True)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="transaction_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "tag"], name="ledger_transactiontag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "transaction"], name="ledger_txntag_tag")]

    def __str__(self) -> str:
        return f"{self.transaction_id}:{self.tag_id}"


class Split(HouseholdOwned):
    """A part of a transaction's amount assigned to a category."""

    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="splits")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField()
    amount_in_base_currency = MoneyField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ledger_split_amount_positive", violation_error_message="Positive."
            )
        ]
        indexes = [models.Index(fields=["household", "category"], name="ledger_split_household_cat")]

    def __str__(self) -> str:
        return f"{self.amount} to {self.category_id}"


# --- Derived data ------------------------------------------------------------------------------
# Kept exact by finance.ledger.effects inside the writing transaction; rebuilt by verify_ledger.


class MonthlySummary(models.Model):
    """Income and expense of one household in one month, in its base currency."""

    id = models.BigAutoField(primary_key=True)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    income = MoneyField(default=0)
    expense = MoneyField(default=0)
    transaction_count = models.IntegerField(default=0)
    unconverted_count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["household", "month"], name="ledger_monthly_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m}"


class CategoryMonthly(models.Model):
    """Spending or income per category per month (splits count per split category)."""

    id = models.BigAutoField(primary_key=True)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=CategoryType.choices)
    # The category's id, or UNCATEGORIZED; a plain column so the upsert has a non-null key.
    category_key = models.UUIDField()
    total = MoneyField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "month", "kind", "category_key"], name="ledger_category_monthly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m} {self.kind} {self.category_key}"


class AccountMonthly(models.Model):
    """Money in and out of one account in one month, in the account's currency.

    Every transaction counts here (excluded ones too: they moved real money),
    so opening balance + the sum of these rows is the account's balance at any
    month's end; net worth over time is built from it. The ``excluded_*``
    columns hold the part of ``income``, ``expense`` and ``count`` that came
    from excluded transactions, which analytics leave out.
    """

    id = models.BigAutoField(primary_key=True)
    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    income = MoneyField(default=0)
    expense = MoneyField(default=0)
    transfers_in = MoneyField(default=0)
    transfers_out = MoneyField(default=0)
    count = models.IntegerField(default=0)
    excluded_income = MoneyField(default=0)
    excluded_expense = MoneyField(default=0)
    excluded_count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "account", "month"], name="ledger_account_monthly_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"
