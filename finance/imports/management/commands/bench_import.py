"""Time a 100k-row CSV import into a household that already holds ~100k transactions.

``manage.py bench_import --rows 100000`` makes (once) a demo household with
``--existing`` transactions (``generate_demo_data``), writes a realistic bank
CSV for its checking account over the same years (merchants it already knows,
so history categorization and fuzzy duplicate detection have real work), then
times upload (detection, parsing, duplicate detection, categorization, staging)
and commit (re-check under lock, bulk insert, derived data, provenance links).
The batch is reverted afterwards unless ``--keep``, so runs repeat. A
benchmark, not a test: run it on PostgreSQL for the figure in docs/imports.md.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test.utils import override_settings

from finance.households.selectors import default_membership
from finance.imports import services
from finance.imports.models import ImportedRow, RowDecision, RowStatus
from finance.ledger.demo import DAILY
from finance.ledger.models import Account, Transaction
from finance.ledger.verify import verify

_NEW_PAYEES = ("Lucky Laundry", "Parking Meter 42", "Pet Supplies Plus", "City Library Fines", "Farmers Market")


def generate_csv(rows: int, end: date, *, years: int = 5, seed: int = 11) -> bytes:
    """A US bank export: ``Date,Description,Amount,Balance``, MM/DD/YYYY, signed amounts, oldest first."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    start = end - timedelta(days=365 * years)
    span = (end - start).days
    days = sorted(start + timedelta(days=rng.randrange(span)) for _ in range(rows))
    lines = ["Date,Description,Amount,Balance"]
    balance = Decimal("2500.00")
    for index, day in enumerate(days):
        if index % 40 == 0:
            amount = Decimal(rng.randint(150_000, 400_000)) / 100
            text = "ACME CORP PAYROLL"
        elif rng.random() < 0.9:
            merchant = rng.choice(DAILY)
            amount = -Decimal(rng.randint(int(merchant.low * 100), int(merchant.high * 100))) / 100
            text = f"{merchant.payee.upper()} #{rng.randint(100, 9999)}"
        else:
            amount = -Decimal(rng.randint(100, 9000)) / 100
            text = rng.choice(_NEW_PAYEES)
        balance += amount
        lines.append(f"{day:%m/%d/%Y},{text},{amount},{balance}")
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Time importing a generated N-row CSV into a household with existing transactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--existing", type=int, default=100_000)
        parser.add_argument("--username", default="bench-import")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument("--keep", action="store_true", help="Keep the imported transactions (no revert).")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        call_command("generate_demo_data", username, "--transactions", str(options["existing"]), stdout=self.stdout)
        user = get_user_model().objects.get(username__iexact=username)
        membership = default_membership(user=user)
        assert membership is not None
        household = membership.household
        account = Account.objects.get(household=household, name="Everyday checking")
        existing = Transaction.objects.filter(household=household).count()
        data = generate_csv(options["rows"], date.today(), seed=options["seed"])  # noqa: DTZ011 - calendar date
        self.stdout.write(
            f"{connection.vendor}: household holds {existing} transactions; file {options['rows']} rows, "
            f"{len(data) / 1_048_576:.1f} MiB"
        )

        started = time.perf_counter()
        batch = services.import_upload(
            household=household, actor=user, account=account, file=SimpleUploadedFile("bench.csv", data)
        )
        if batch.status == "uploaded":  # the first time: the user confirms the detected mapping
            batch = services.import_set_mapping(batch=batch, actor=user)
        uploaded = time.perf_counter()
        self.stdout.write(
            f"upload + analysis: {uploaded - started:.1f} s (new {batch.rows_new}, duplicates {batch.duplicates}, "
            f"possible duplicates {batch.possible_duplicates}, invalid {batch.rows_invalid})"
        )
        # The user's answer to every possible duplicate: keep both (they are generated, not repeated).
        decisions = [
            services.Decision(row, RowDecision.IMPORT)
            for row in ImportedRow.objects.filter(batch=batch, status=RowStatus.POSSIBLE_DUPLICATE).values_list(
                "row_number", flat=True
            )
        ]
        # Timed in this process: above IMPORT_ASYNC_ROWS the API hands the same service call to a Celery task.
        with override_settings(IMPORT_ASYNC_ROWS=10**9):
            batch = services.import_commit(batch=batch, actor=user, decisions=decisions)
        committed = time.perf_counter()
        categorized = Transaction.objects.filter(import_batch=batch.id, category__isnull=False).count()
        self.stdout.write(
            f"commit: {committed - uploaded:.1f} s ({batch.rows_imported} imported, {categorized} categorized)"
        )
        self.stdout.write(f"total: {committed - started:.1f} s")
        problems = verify(household.id)
        self.stdout.write(f"verify_ledger: {'exact' if not problems else f'{len(problems)} differences'}")
        if not options["keep"]:
            started = time.perf_counter()
            services.import_revert(batch=batch, actor=user)
            self.stdout.write(f"revert: {time.perf_counter() - started:.1f} s")
