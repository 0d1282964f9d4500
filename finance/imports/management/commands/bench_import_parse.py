"""Time the parsers: ``manage.py bench_import_parse --rows 100000`` (a generated CSV statement) and
``manage.py bench_import_parse --adversarial`` (hostile files of every format, :mod:`finance.imports.adversarial`).

A benchmark, not a test: it prints the timings of detection and of a full
parse so they can be compared between changes on the same machine. With
``--adversarial`` each hostile file is parsed (or refused) at ``--kib`` KiB and
at twice that: the CPU time of the larger one is held to
:data:`ADVERSARIAL_BUDGET_S` and the growth between the two to
:data:`ADVERSARIAL_GROWTH` (linear work doubles; quadratic work quadruples).
``--json`` prints one ``BENCH_JSON {...}`` line for ``bench/run.py``.
"""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from finance.imports.adversarial import CASES
from finance.imports.reading.detection import detect
from finance.imports.reading.errors import ParseError
from finance.imports.reading.parsers import parse, parse_all

#: Most CPU seconds one hostile file of twice ``--kib`` (2 MiB by default) may take to parse or refuse.
ADVERSARIAL_BUDGET_S = 5.0
#: Most the CPU time may grow when the hostile file doubles (linear: 2; quadratic: 4).
ADVERSARIAL_GROWTH = 2.6
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
        parser.add_argument("--adversarial", action="store_true", help="time the hostile files instead")
        parser.add_argument("--kib", type=int, default=1024, help="size of the smaller hostile file")
        parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="only these hostile files")
        parser.add_argument("--json", action="store_true", help="also print one BENCH_JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["adversarial"]:
            self.adversarial(options)
            return
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

    def adversarial(self, options: dict[str, Any]) -> None:
        size = options["kib"] * 1024
        repeat = max(1, options["repeat"])
        parse_all(CASES["ofx_header"][0](4096), format="ofx")  # import every parser's libraries first
        parse_all(CASES["camt_many_entries"][0](4096), format="camt053")
        parse_all(CASES["mt940_many_lines"][0](4096), format="mt940")
        results = {}
        for name, (generate, fmt) in CASES.items():
            if options["only"] and name not in options["only"]:
                continue
            small, large = generate(size), generate(2 * size)
            small_s, outcome = _best_cpu(small, fmt, repeat)
            large_s, _ = _best_cpu(large, fmt, repeat)
            growth = large_s / small_s if small_s > 0 else 1.0
            passed = large_s <= ADVERSARIAL_BUDGET_S and growth <= ADVERSARIAL_GROWTH
            results[name] = {
                "format": fmt,
                "bytes": len(large),
                "seconds": round(large_s, 3),
                "seconds_half": round(small_s, 3),
                "growth": round(growth, 2),
                "outcome": outcome,
                "passed": passed,
            }
            self.stdout.write(
                f"{name:<22} {len(small) / 1024:7.0f} KiB {small_s:7.3f} s   {len(large) / 1024:7.0f} KiB "
                f"{large_s:7.3f} s   x{growth:4.2f}  {'pass' if passed else 'OVER'}  {outcome}"
            )
        self.stdout.write(
            f"budget: {2 * size // 1024} KiB in <= {ADVERSARIAL_BUDGET_S:g} s CPU, "
            f"doubling the file multiplies the time by <= {ADVERSARIAL_GROWTH:g}"
        )
        if options["json"]:
            budget = {"seconds": ADVERSARIAL_BUDGET_S, "growth": ADVERSARIAL_GROWTH}
            self.stdout.write("BENCH_JSON " + json.dumps({"kib": options["kib"], "budget": budget, "cases": results}))


def _best_cpu(data: bytes, fmt: str, repeat: int) -> tuple[float, str]:
    """The least CPU time of ``repeat`` parses of ``data``, and what came of it (rows, or the refusal)."""
    best = float("inf")
    outcome = ""
    for _ in range(repeat):
        started = time.process_time()
        try:
            statements = parse_all(data, format=fmt)
            outcome = f"{sum(len(s.rows) + len(s.errors) for s in statements)} rows"
        except ParseError as exc:
            outcome = f"refused: {exc.code}"
        best = min(best, time.process_time() - started)
    return best, outcome
