"""Time the CSV parser on a generated statement: ``manage.py bench_import_parse --rows 100000``.

A benchmark, not a test: it prints the timings of detection and of a full
parse so they can be compared between changes on the same machine.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from finance.imports.reading.detection import detect
from finance.imports.reading.parsers import parse

_PAYEES = ("REWE Markt", "Stadtwerke München", "Amazon EU S.a.r.l.", "Gehalt ACME GmbH", "Café Müller", "Miete")


def generate_csv(rows: int, seed: int = 7) -> bytes:
    """A realistic German bank export: ``;`` delimiter, DD.MM.YYYY dates, comma decimals, a balance column."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    lines = ["Buchungstag;Wertstellung;Empfänger;Verwendungszweck;Betrag;Saldo;Währung"]
    day = date(2015, 1, 1)
    balance = Decimal("1000.00")
    for index in range(rows):
        day += timedelta(days=rng.random() < 0.1)
        amount = Decimal(rng.randint(-250_000, 120_000)) / 100
        balance += amount
        amount_text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        balance_text = f"{balance:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        payee = _PAYEES[index % len(_PAYEES)]
        lines.append(
            f"{day:%d.%m.%Y};{day:%d.%m.%Y};{payee};Ref {index:08d} Karte 1234;{amount_text};{balance_text};EUR"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


class Command(BaseCommand):
    help = "Time detection and parsing of a generated CSV statement."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args: Any, **options: Any) -> None:
        rows: int = options["rows"]
        data = generate_csv(rows)
        self.stdout.write(f"{rows} rows, {len(data) / 1_048_576:.1f} MiB")
        started = time.perf_counter()
        detection = detect(data)
        self.stdout.write(f"detect: {time.perf_counter() - started:.3f} s")
        assert detection.mapping is not None
        best = best_cpu = float("inf")
        for _ in range(options["repeat"]):
            started, cpu = time.perf_counter(), time.process_time()
            statement = parse(data, mapping=detection.mapping)
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        assert len(statement.rows) == rows
        assert not statement.errors
        self.stdout.write(f"parse with mapping: {best:.3f} s wall, {best_cpu:.3f} s CPU (best of {options['repeat']})")
        started = time.perf_counter()
        parse(data)
        self.stdout.write(f"parse with detection: {time.perf_counter() - started:.3f} s")
