"""Train the base categorizer on the US set the product ships and write its versioned artifact."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.categorization.classifier import CategorizerModel, ModelLoadError, train
from finance.categorization.datasets import SHIPPED_DATA_DIR, US_TRAIN_FILE, US_VAL_FILE, find, load_us_dataset
from finance.categorization.merchants import DirectoryView
from finance.categorization.services import merchant_directory

#: The training set's country: its brands are those of the United States.
TRAINING_COUNTRY = "us"


class Command(BaseCommand):
    help = (
        "Train the base categorizer from the labeled US set shipped in finance/categorization/data "
        "(train and val pooled, de-duplicated) and write it to BASE_CATEGORIZER_PATH."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="folder with the US CSV files, plain or .gz (default: finance/categorization/data, shipped)",
        )
        parser.add_argument("--output", type=Path, default=None, help="artifact path (default: BASE_CATEGORIZER_PATH)")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing when a loadable artifact is already there (set-up runs this)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"] or Path(settings.BASE_CATEGORIZER_PATH)
        data_dir: Path = options["data_dir"] or SHIPPED_DATA_DIR
        directory = merchant_directory()
        wanted = directory.ident if directory is not None else ""
        if options["if_missing"] and output.exists():
            try:
                model = CategorizerModel.load(output)
            except ModelLoadError as exc:
                self.stdout.write(f"Rebuilding: {exc}")
            else:
                if model.metadata.directory == wanted:
                    self.stdout.write(f"Base categorizer {model.metadata.version} already at {output}")
                    return
                self.stdout.write(
                    f"Rebuilding: built with merchant directory {model.metadata.directory or 'none'}, "
                    f"{wanted or 'none'} is here"
                )
        missing = [name for name in (US_TRAIN_FILE, US_VAL_FILE) if find(data_dir, name) is None]
        if missing:
            raise CommandError(
                f"Cannot build the base categorizer: {', '.join(missing)} (or .gz) not found in {data_dir}. "
                "The product ships them in finance/categorization/data; restore that folder or pass --data-dir."
            )
        examples = load_us_dataset(data_dir)
        started = time.perf_counter()
        view = DirectoryView(directory, TRAINING_COUNTRY) if directory is not None else None
        model = train(examples, version=settings.BASE_CATEGORIZER_VERSION, directory=view)
        seconds = time.perf_counter() - started
        model.save(output)
        meta = model.metadata
        self.stdout.write(
            self.style.SUCCESS(
                f"Base categorizer {meta.version}: {meta.n_examples} examples, {len(meta.labels)} labels, "
                f"trained in {seconds:.1f}s, {output.stat().st_size / 1e6:.1f} MB at {output} "
                f"(training set {meta.training_set_hash[:12]}, merchant directory {meta.directory or 'none'})"
            )
        )
