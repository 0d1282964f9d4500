"""Measure categorization without leaks: (a) US set by merchant, (b) one household's history, (c) a cold start;
each without and with the merchant directory."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.categorization.classifier import train
from finance.categorization.datasets import US_TRAIN_FILE, US_VAL_FILE, ZA_FILE, find, load_us_dataset, load_za
from finance.categorization.evaluation import evaluate_by_merchant, evaluate_cold_start, evaluate_household
from finance.categorization.management.commands._data import default_data_dir
from finance.categorization.merchants import DirectoryView
from finance.categorization.services import merchant_directory

# The sets' countries: the US set's brands are American, the household's South African.
US, ZA = "us", "za"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


class Command(BaseCommand):
    help = (
        "Report accuracy, coverage at the auto-categorize threshold and precision of auto-categorized "
        "transactions: (a) on the US set split by merchant, (b) on the South-African household by k-fold "
        "cross-validation with history + model, (c) on the South-African household as a new household with no "
        "history (the base model); each without and with the merchant directory (make models builds it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None, help="folder with the labeled CSV files")
        parser.add_argument("--sample", type=int, default=None, help="use N random rows of each set (quick run)")
        parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--only", choices=["merchant", "household", "cold"], default=None, help="run one evaluation"
        )
        parser.add_argument(
            "--directory",
            choices=["both", "with", "without"],
            default="both",
            help="with or without the merchant directory, or both (default)",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"] or default_data_dir()
        sample: int | None = options["sample"]
        if sample is not None and sample < 20:
            raise CommandError("--sample must be at least 20")
        needed = {"merchant": [US_TRAIN_FILE, US_VAL_FILE], "household": [ZA_FILE], "cold": [US_TRAIN_FILE, ZA_FILE]}
        runs = [options["only"]] if options["only"] else ["merchant", "household", "cold"]
        missing = [name for run in runs for name in needed[run] if find(data_dir, name) is None]
        if missing:
            raise CommandError(f"{', '.join(missing)} not found in {data_dir}; pass --data-dir")
        directory = merchant_directory()
        modes = {"both": [False, True], "with": [True], "without": [False]}[options["directory"]]
        if True in modes and directory is None:
            raise CommandError(
                f"no merchant directory at {settings.MERCHANT_DIRECTORY_PATH}: run `make models` "
                "(or pass --directory without)"
            )
        threshold = float(settings.CATEGORIZATION_AUTO_THRESHOLD)
        common = {"folds": options["folds"], "sample": sample, "seed": options["seed"], "threshold": threshold}
        started = time.perf_counter()
        report: dict[str, Any] = {
            "threshold": threshold,
            "sample": sample,
            "directory": directory.source if directory is not None and True in modes else None,
        }
        # Each set read once, whatever the number of runs over it.
        us = load_us_dataset(data_dir) if {"merchant", "cold"} & set(runs) else []
        za = load_za(data_dir / ZA_FILE) if {"household", "cold"} & set(runs) else []
        for with_directory in modes:
            suffix = "+directory" if with_directory else ""

            def view(country: str, with_directory: bool = with_directory) -> DirectoryView | None:
                return DirectoryView(directory, country) if with_directory and directory is not None else None

            if "merchant" in runs:
                report[f"us_by_merchant{suffix}"] = evaluate_by_merchant(us, **common, directory=view(US))
            if "household" in runs:
                report[f"za_household{suffix}"] = evaluate_household(za, **common, directory=view(ZA))
            if "cold" in runs:
                base = train(us, version="evaluation-base", directory=view(US))
                report[f"za_cold_start{suffix}"] = evaluate_cold_start(
                    za, base, directory=view(ZA), threshold=threshold
                )
        report["seconds"] = round(time.perf_counter() - started, 1)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self._write_text(report)

    def _write_text(self, report: dict[str, Any]) -> None:
        self.stdout.write(f"Auto-categorize threshold: confidence >= {report['threshold']}")
        if report.get("directory"):
            self.stdout.write(
                f"Merchant directory: {report['directory'].get('package')} {report['directory'].get('version')}"
            )
        rows: list[tuple[str, dict[str, Any]]] = []
        for suffix in ("", "+directory"):
            tail = " + directory" if suffix else ""
            if f"us_by_merchant{suffix}" in report:
                part = report[f"us_by_merchant{suffix}"]
                if not suffix:
                    self.stdout.write(
                        f"(a) US set, {part['examples']} rows, {part['merchants']} merchants, {part['labels']} "
                        f"labels: {part['method']}"
                    )
                rows.append((f"(a) model{tail}", part["model"]))
            if f"za_household{suffix}" in report:
                part = report[f"za_household{suffix}"]
                if not suffix:
                    self.stdout.write(
                        f"(b) ZA household, {part['examples']} rows, {part['labels']} labels: {part['method']}"
                    )
                rows += [
                    (f"(b) history + model{tail}", part["combined"]),
                    ("    payee seen before", part["combined_known_payee"]),
                    ("    new payee", part["combined_new_payee"]),
                    ("    model only", part["model"]),
                    ("    history only", part["history"]),
                ]
            if f"za_cold_start{suffix}" in report:
                part = report[f"za_cold_start{suffix}"]
                if not suffix:
                    self.stdout.write(f"(c) ZA household as a new one: {part['method']}")
                rows += [
                    (f"(c) first month {part['month']}{tail}", part["first_month"]),
                    (f"(c) every row{tail}", part["every_row"]),
                ]
                if "directory_only" in part:
                    rows.append(("    the brand alone", part["directory_only"]))
        self.stdout.write(f"{'':34} {'accuracy':>9} {'coverage':>9} {'precision':>10} {'rows':>7}")
        for name, scores in rows:
            self.stdout.write(
                f"{name:34} {_pct(scores['accuracy']):>9} {_pct(scores['coverage']):>9} "
                f"{_pct(scores['auto_precision']):>10} {scores['n']:>7}"
            )
        self.stdout.write(f"({report['seconds']}s)")
