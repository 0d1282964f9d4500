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

import contextlib
import json
import os
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test.utils import override_settings

from finance.categorization.services import household_model_path, model_for, train_household_model
from finance.demo.ledger import DAILY
from finance.households.selectors import default_membership
from finance.imports import services
from finance.imports.commit import Decision, import_commit
from finance.imports.models import ImportBatch, ImportedRow, RowDecision, RowStatus
from finance.imports.revert import import_revert
from finance.ledger.models import Account, Transaction
from finance.ledger.verify import verify

_NEW_PAYEES = ("Lucky Laundry", "Parking Meter 42", "Pet Supplies Plus", "City Library Fines", "Farmers Market")


class Clock:
    """Wall time, this process's CPU time and the PostgreSQL backend's CPU time (same machine), per phase.

    On a shared machine the wall time mostly measures the other work; the CPU seconds of both processes are
    what the import itself costs. With ``sql=True`` every statement's wall time is summed by its first words.
    """

    def __init__(self, *, sql: bool = False) -> None:
        self.backend_stat: str | None = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                path = f"/proc/{cursor.fetchone()[0]}/stat"
            self.backend_stat = path if os.path.exists(path) else None
        self.sql = sql
        self.statements: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def _backend_cpu(self) -> float:
        if self.backend_stat is None:
            return 0.0
        with open(self.backend_stat) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _wrapper(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:4])[:70]
            entry = self.statements[key]
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    @contextlib.contextmanager
    def phase(self, into: dict[str, float]) -> Iterator[None]:
        wall, cpu, db = time.perf_counter(), time.process_time(), self._backend_cpu()
        wrapped = connection.execute_wrapper(self._wrapper) if self.sql else contextlib.nullcontext()
        with wrapped:
            yield
        into["wall_s"] = round(time.perf_counter() - wall, 2)
        into["python_cpu_s"] = round(time.process_time() - cpu, 2)
        into["postgres_cpu_s"] = round(self._backend_cpu() - db, 2)

    def top(self, count: int = 8) -> list[tuple[str, int, float]]:
        ranked = sorted(self.statements.items(), key=lambda item: -item[1][1])[:count]
        return [(key, int(calls), round(seconds, 2)) for key, (calls, seconds) in ranked]


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
        parser.add_argument(
            "--sql", action="store_true", help="Sum each kind of SQL statement's time and show the top."
        )
        parser.add_argument(
            "--cleanup", action="store_true", help="After the revert, delete the batch, its rows and its stored file."
        )
        parser.add_argument("--json", action="store_true", help="End with one BENCH_JSON line of the figures.")
        parser.add_argument(
            "--model",
            choices=("household", "base"),
            default="household",
            help="Categorize with the household's own model (trained once, untimed, if missing: what a household "
            "with years of history has) or with the shipped base model (a new household).",
        )

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

        figures: dict[str, Any] = {"rows": options["rows"], "existing": existing, "model": options["model"]}
        with contextlib.ExitStack() as stack:
            if options["model"] == "household":
                if not household_model_path(household.pk).exists():
                    started = time.perf_counter()
                    train_household_model(household=household)
                    self.stdout.write(f"household model trained in {time.perf_counter() - started:.1f} s (untimed)")
            else:  # no household model where the import looks for one: the base model answers
                empty = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-no-models-"))
                stack.enter_context(override_settings(CATEGORIZATION_MODEL_DIR=empty))
            self._run(household, user, account, data, options, figures)

    def _run(
        self, household: Any, user: Any, account: Account, data: bytes, options: dict[str, Any], figures: dict[str, Any]
    ) -> None:
        _model, is_base = model_for(household)
        self.stdout.write(f"categorizing with the {'base' if is_base else 'household'} model")
        clock = Clock(sql=options["sql"])
        figures["load_before"] = os.getloadavg()
        upload: dict[str, float] = {}
        with clock.phase(upload):
            batch = services.import_upload(
                household=household, actor=user, account=account, file=SimpleUploadedFile("bench.csv", data)
            )
            if batch.status == "uploaded":  # the first time: the user confirms the detected mapping
                batch = services.import_set_mapping(batch=batch, actor=user)
        self.stdout.write(
            f"upload + analysis: {_phase(upload)} (new {batch.rows_new}, duplicates {batch.duplicates}, "
            f"possible duplicates {batch.possible_duplicates}, possible transfers {batch.possible_transfers}, "
            f"invalid {batch.rows_invalid})"
        )
        # The user's answer to every possible duplicate: keep both (they are generated, not repeated).
        decisions = [
            Decision(row, RowDecision.IMPORT)
            for row in ImportedRow.objects.filter(batch=batch, status=RowStatus.POSSIBLE_DUPLICATE).values_list(
                "row_number", flat=True
            )
        ]
        commit: dict[str, float] = {}
        # Timed in this process: above IMPORT_ASYNC_ROWS the API hands the same service call to a Celery task.
        with override_settings(IMPORT_ASYNC_ROWS=10**9), clock.phase(commit):
            batch = import_commit(batch=batch, actor=user, decisions=decisions)
        categorized = Transaction.objects.filter(import_batch=batch.id, category__isnull=False).count()
        self.stdout.write(
            f"commit: {_phase(commit)} ({batch.rows_imported} imported, {batch.rows_transferred} linked as "
            f"transfers, {categorized} categorized)"
        )
        total = round(upload["wall_s"] + commit["wall_s"], 2)
        self.stdout.write(f"total: {total} s wall; {options['rows'] / total:,.0f} rows/s")
        problems = verify(household.id)
        self.stdout.write(f"verify_ledger: {'exact' if not problems else f'{len(problems)} differences'}")
        figures.update(
            upload=upload,
            commit=commit,
            total_s=total,
            rows_per_s=round(options["rows"] / total),
            imported=batch.rows_imported,
            categorized=categorized,
            possible_duplicates=batch.possible_duplicates,
            verify_after_commit=len(problems),
        )
        if not options["keep"]:
            revert: dict[str, float] = {}
            with clock.phase(revert):
                import_revert(batch=batch, actor=user)
            problems = verify(household.id)
            verdict = "exact" if not problems else f"{len(problems)} differences"
            self.stdout.write(f"revert: {_phase(revert)}; verify_ledger: {verdict}")
            figures.update(revert=revert, verify_after_revert=len(problems))
            if options["cleanup"]:
                # A benchmark's own leftovers: the reverted batch's rows and its stored file (the service keeps both).
                name, storage = batch.file.name, batch.file.storage
                ImportBatch.objects.filter(pk=batch.pk).delete()
                if name:
                    storage.delete(name)
        figures["load_after"] = os.getloadavg()
        if options["sql"]:
            self.stdout.write("SQL time by statement (calls, seconds):")
            for key, calls, seconds in clock.top():
                self.stdout.write(f"  {seconds:7.2f} s {calls:6d}x  {key}")
        if options["json"]:
            self.stdout.write("BENCH_JSON " + json.dumps(figures))


def _phase(figures: dict[str, float]) -> str:
    return (
        f"{figures['wall_s']} s wall (CPU: Python {figures['python_cpu_s']} s, "
        f"PostgreSQL {figures['postgres_cpu_s']} s)"
    )
