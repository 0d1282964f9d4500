"""Measure categorization without leaks: (a) US set by merchant, (b) one household's history."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.categorization.datasets import US_TRAIN_FILE, US_VAL_FILE, ZA_FILE, find, load_us_dataset, load_za
from finance.categorization.evaluation import evaluate_by_merchant, evaluate_household
from finance.categorization.management.commands._data import default_data_dir


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


class Command(BaseCommand):
    help = (
        "Report accuracy, coverage at the auto-categorize threshold and precision of auto-categorized "
        "transactions: (a) on the US set split by merchant, (b) on the South-African household by k-fold "
        "cross-validation with history + model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None, help="folder with the labeled CSV files")
        parser.add_argument("--sample", type=int, default=None, help="use N random rows of each set (quick run)")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--only", choices=["merchant", "household"], default=None, help="run one evaluation")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"] or default_data_dir()
        sample: int | None = options["sample"]
        if sample is not None and sample < 20:
            raise CommandError("--sample must be at least 20")
        needed = {"merchant": [US_TRAIN_FILE, US_VAL_FILE], "household": [ZA_FILE]}
        runs = [options["only"]] if options["only"] else ["merchant", "household"]
        missing = [name for run in runs for name in needed[run] if find(data_dir, name) is None]
        if missing:
            raise CommandError(f"{', '.join(missing)} not found in {data_dir}; pass --data-dir")
        threshold = float(settings.CATEGORIZATION_AUTO_THRESHOLD)
        common = {"folds": options["folds"], "sample": sample, "seed": options["seed"], "threshold": threshold}
        started = time.perf_counter()
        report: dict[str, Any] = {"threshold": threshold, "sample": sample}
        if "merchant" in runs:
            report["us_by_merchant"] = evaluate_by_merchant(load_us_dataset(data_dir), **common)
        if "household" in runs:
            report["za_household"] = evaluate_household(load_za(data_dir / ZA_FILE), **common)
        report["seconds"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self._write_text(report)

    def _write_text(self, report: dict[str, Any]) -> None:
        self.stdout.write(f"Auto-categorize threshold: confidence >= {report['threshold']}")
        rows: list[tuple[str, dict[str, Any]]] = []
        if "us_by_merchant" in report:
            part = report["us_by_merchant"]
            self.stdout.write(
                f"(a) US set, {part['examples']} rows, {part['merchants']} merchants, {part['labels']} labels: "
                f"{part['method']}"
            )
            rows.append(("(a) model", part["model"]))
        if "za_household" in report:
            part = report["za_household"]
            self.stdout.write(f"(b) ZA household, {part['examples']} rows, {part['labels']} labels: {part['method']}")
            rows += [
                ("(b) history + model", part["combined"]),
                ("    payee seen before", part["combined_known_payee"]),
                ("    new payee", part["combined_new_payee"]),
                ("(b) model only", part["model"]),
                ("(b) history only", part["history"]),
            ]
        self.stdout.write(f"{'':22} {'accuracy':>9} {'coverage':>9} {'precision':>10} {'rows':>7}")
        for name, scores in rows:
            self.stdout.write(
                f"{name:22} {_pct(scores['accuracy']):>9} {_pct(scores['coverage']):>9} "
                f"{_pct(scores['auto_precision']):>10} {scores['n']:>7}"
            )
        self.stdout.write(f"({report['seconds']}s)")
