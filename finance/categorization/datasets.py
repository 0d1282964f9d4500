"""Readers for the labeled data sets the base model is trained and evaluated on.

The base model's training set (the US set below) ships with the product,
gzipped, in ``finance/categorization/data/`` with its licence notice and
SOURCES.md (:data:`SHIPPED_DATA_DIR`); the evaluation sets live in
``shared/data/categorization/`` beside the repository and are read by tests and
``evaluate_categorizer`` only. A file ``name`` may be given as ``name`` or as a
gzipped ``name.gz``.

* US set (``us-bank-txn-categories-v2-normalized-{train,val}.csv``): synthetic,
  already lower-cased US bank descriptors, 17 labels, no amounts or dates; the
  sign survives as a leading "debit"/"credit" word. Its published val split
  repeats 4,185 train texts, and 13 texts carry two labels:
  :func:`merge_us_splits` pools both splits, keeps one row per text with its
  majority label and drops texts whose labels tie, so any split made afterwards
  (by merchant, in the evaluation) is leak-free.
* South-African set (``za-bank-transactions-labeled.csv``): 451 raw
  transactions of one person, 44 labels, amounts like "-1 300.00" and two
  date formats.
* US statement smoke file (``us-statement-smoke-50.csv``): 49 hand-made rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

import regex

from finance.categorization.classifier import Example

SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "data"
US_TRAIN_FILE = "us-bank-txn-categories-v2-normalized-train.csv"
US_VAL_FILE = "us-bank-txn-categories-v2-normalized-val.csv"
ZA_FILE = "za-bank-transactions-labeled.csv"
US_SMOKE_FILE = "us-statement-smoke-50.csv"

_AMOUNT = regex.compile(r"[-+]?\d[\d ]*(?:[.,]\d+)?$")


def parse_amount(raw: str) -> Decimal | None:
    """An amount from the ZA export: "-1 300.00" (space-grouped), "-69.0", "Bank -3.00" (a stray
    word before it) or "470010 -0.80" (a branch code before it): the last signed number wins."""
    text = raw.strip()
    if not text:
        return None
    parts = text.split()
    # A sign starts a new number; digits after a space continue the grouping.
    for start in range(len(parts)):
        candidate = "".join(parts[start:])
        if _AMOUNT.fullmatch(candidate) and (start == 0 or parts[start][0] in "+-"):
            try:
                return Decimal(candidate.replace(",", "."))
            except InvalidOperation:
                return None
    return None


def parse_date(raw: str) -> dt.date | None:
    text = raw.strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def find(data_dir: Path, name: str) -> Path | None:
    """``data_dir/name``, or its gzipped copy ``name.gz``, whichever exists."""
    for candidate in (data_dir / name, data_dir / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as packed, io.TextIOWrapper(packed, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _found(data_dir: Path, name: str) -> Path:
    path = find(data_dir, name)
    if path is None:
        raise FileNotFoundError(f"{name} (or {name}.gz) not found in {data_dir}")
    return path


def load_us(path: Path) -> list[Example]:
    """One split of the US set, as given (duplicates included)."""
    return [Example(description=row["text"], category=row["category"]) for row in _read(path) if row["text"].strip()]


def merge_us_splits(*splits: Iterable[Example]) -> list[Example]:
    """Pool the splits into one row per distinct text with its majority label (ties dropped)."""
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for split in splits:
        for example in split:
            labels[example.description][example.category] += 1
    merged = []
    for text, tally in labels.items():
        (best, best_count), *rest = tally.most_common()
        if rest and rest[0][1] == best_count:
            continue
        merged.append(Example(description=text, category=best))
    return merged


def load_us_dataset(data_dir: Path) -> list[Example]:
    """The whole US set, leak-free: train and val pooled and de-duplicated by text."""
    return merge_us_splits(load_us(_found(data_dir, US_TRAIN_FILE)), load_us(_found(data_dir, US_VAL_FILE)))


def load_za(path: Path) -> list[Example]:
    """The South-African household, oldest first (a stable sort keeps same-day order)."""
    examples = []
    for row in _read(path):
        examples.append(
            Example(
                description=" ".join(row["description"].split()),
                category=row["label"].strip(),
                amount=parse_amount(row["amount"]),
                date=parse_date(row["date"]),
            )
        )
    return sorted(examples, key=lambda e: e.date or dt.date.min)


def load_us_smoke(path: Path) -> list[Example]:
    return [
        Example(
            description=row["Description"],
            category=row["True Category"],
            amount=parse_amount(row["Amount"]),
            date=parse_date(row["Date"]),
        )
        for row in _read(path)
    ]


def label_counts(examples: Sequence[Example]) -> dict[str, int]:
    return dict(Counter(e.category for e in examples).most_common())
