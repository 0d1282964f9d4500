"""How well categorization works, measured without leaks (``manage.py evaluate_categorizer``).

Three measurements, each reporting accuracy (top suggestion right, over every
transaction), coverage (share with confidence >= the threshold, i.e. applied
without review) and the precision of those auto-applied suggestions:

(a) ``by_merchant``: the US set (train and val pooled and de-duplicated,
    :func:`~finance.categorization.datasets.load_us_dataset`), cross-validated
    with ``GroupKFold`` on the merchant key, so no merchant is in both the
    training and the test part: this is the score on merchants the model has
    never seen.
(b) ``household``: the South-African set as one household's history, k-fold
    cross-validated. Per fold the household model is trained and the history
    matcher built on the training folds only, then the test fold goes through
    the product's pipeline (history, then model). Model-only and history-only
    figures are reported beside the combined ones.
(c) ``cold_start``: the South-African household's first month as a new
    household's, with no history: the base model (trained on the US set) with
    its labels mapped onto the household's categories, as the product runs it
    before a household has a model of its own.

Each runs without and with the merchant directory (``directory``): with it,
the models get the brand features and the pipeline the brand's own
suggestion (:func:`finance.categorization.pipeline.with_brand`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, KFold

from finance.categorization.brand_categories import category_resolver
from finance.categorization.classifier import AUTO_THRESHOLD, CategorizerModel, Example, ModelParams, train
from finance.categorization.history import HistoryMatcher, HistoryRecord
from finance.categorization.label_aliases import label_resolver
from finance.categorization.merchants import DirectoryView
from finance.categorization.normalize import merchant_key
from finance.categorization.pipeline import brand_prediction, combine, map_labels, with_brand


@dataclass(frozen=True, slots=True)
class Scores:
    n: int
    accuracy: float
    coverage: float
    auto_precision: float | None  # None when nothing reached the threshold
    auto_count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score(pairs: Sequence[tuple[str | None, float, str]], threshold: float = AUTO_THRESHOLD) -> Scores:
    """``pairs`` of (suggested category, confidence, true category)."""
    n = len(pairs)
    if n == 0:
        return Scores(n=0, accuracy=0.0, coverage=0.0, auto_precision=None, auto_count=0)
    correct = sum(1 for guess, _, truth in pairs if guess == truth)
    auto = [(guess, truth) for guess, conf, truth in pairs if guess is not None and conf >= threshold]
    auto_correct = sum(1 for guess, truth in auto if guess == truth)
    return Scores(
        n=n,
        accuracy=round(correct / n, 4),
        coverage=round(len(auto) / n, 4),
        auto_precision=round(auto_correct / len(auto), 4) if auto else None,
        auto_count=len(auto),
    )


def _sample(examples: Sequence[Example], sample: int | None, seed: int) -> list[Example]:
    if sample is None or sample >= len(examples):
        return list(examples)
    return random.Random(seed).sample(list(examples), sample)  # noqa: S311 - a reproducible sample, not a secret


def evaluate_by_merchant(
    examples: Sequence[Example],
    *,
    folds: int = 5,
    sample: int | None = None,
    seed: int = 0,
    params: ModelParams | None = None,
    threshold: float = AUTO_THRESHOLD,
    directory: DirectoryView | None = None,
) -> dict[str, Any]:
    """(a) Model accuracy on merchants it has never seen (GroupKFold on the merchant key)."""
    data = _sample(examples, sample, seed)
    groups = [merchant_key(e.payee or e.description) for e in data]
    n_groups = len(set(groups))
    folds = max(2, min(folds, n_groups))
    pairs: list[tuple[str | None, float, str]] = []
    train_seconds: list[float] = []
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(np.zeros(len(data)), groups=groups):
        started = time.perf_counter()
        model = train([data[i] for i in train_idx], version="evaluation", params=params, directory=directory)
        train_seconds.append(time.perf_counter() - started)
        predictions = model.predict([data[i].item for i in test_idx], top_k=1, explain=False, directory=directory)
        pairs.extend(
            (preds[0].category, preds[0].confidence, data[i].category)
            for i, preds in zip(test_idx, predictions, strict=True)
        )
    return {
        "method": f"GroupKFold({folds}) on merchant key; model only",
        "examples": len(data),
        "merchants": n_groups,
        "labels": len({e.category for e in data}),
        "folds": folds,
        "model": score(pairs, threshold).as_dict(),
        "train_seconds_mean": round(float(np.mean(train_seconds)), 2),
    }


def evaluate_household(
    examples: Sequence[Example],
    *,
    folds: int = 5,
    sample: int | None = None,
    seed: int = 0,
    params: ModelParams | None = None,
    threshold: float = AUTO_THRESHOLD,
    directory: DirectoryView | None = None,
) -> dict[str, Any]:
    """(b) One household's history, k-fold: history + model as the product runs them."""
    data = _sample(examples, sample, seed)
    folds = max(2, min(folds, len(data)))
    combined: list[tuple[str | None, float, str]] = []
    model_only: list[tuple[str | None, float, str]] = []
    history_only: list[tuple[str | None, float, str]] = []
    known_payee: list[tuple[str | None, float, str]] = []
    new_payee: list[tuple[str | None, float, str]] = []
    sources: dict[str, int] = {}
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(data))):
        train_part = [data[i] for i in train_idx]
        test_part = [data[i] for i in test_idx]
        history = HistoryMatcher.from_records(
            HistoryRecord(category=e.category, payee=e.payee, description=e.description) for e in train_part
        )
        model = train(train_part, version="evaluation", params=params, directory=directory)
        predictions = model.predict([e.item for e in test_part], explain=False, directory=directory)
        seen_keys = {merchant_key(e.payee or e.description) for e in train_part}
        for example, preds in zip(test_part, predictions, strict=True):
            match = history.match(example.payee, example.description)
            suggestion = combine(match, preds, threshold=threshold)
            combined.append((suggestion.category, suggestion.confidence, example.category))
            seen = merchant_key(example.payee or example.description) in seen_keys
            (known_payee if seen else new_payee).append(combined[-1])
            sources[suggestion.source.value] = sources.get(suggestion.source.value, 0) + 1
            model_only.append((preds[0].category, preds[0].confidence, example.category))
            history_only.append(
                (match.category, match.confidence, example.category) if match else (None, 0.0, example.category)
            )
    return {
        "method": f"KFold({folds}, shuffled); per fold history and model from the training folds only",
        "examples": len(data),
        "labels": len({e.category for e in data}),
        "folds": folds,
        "combined": score(combined, threshold).as_dict(),
        "model": score(model_only, threshold).as_dict(),
        "history": score(history_only, threshold).as_dict(),
        # The combined figures split by whether the payee occurs in the training folds.
        "combined_known_payee": score(known_payee, threshold).as_dict(),
        "combined_new_payee": score(new_payee, threshold).as_dict(),
        "sources": dict(sorted(sources.items())),
    }


def first_month(examples: Sequence[Example]) -> list[Example]:
    """The examples of the earliest calendar month that has any (undated ones are left out)."""
    months = [(e.date.year, e.date.month) for e in examples if e.date is not None]
    if not months:
        return []
    first = min(months)
    return [e for e in examples if e.date is not None and (e.date.year, e.date.month) == first]


def evaluate_cold_start(
    examples: Sequence[Example],
    base: CategorizerModel,
    *,
    directory: DirectoryView | None = None,
    threshold: float = AUTO_THRESHOLD,
) -> dict[str, Any]:
    """(c) A household with no history: the base model mapped onto its categories (the set's labels, as if the
    household had named its categories so) and, with a directory, the brands' categories. Scored on the set's
    first month (what a new household sees first) and on every row (each as if it were the first)."""
    names = sorted({e.category for e in examples})
    to_label = label_resolver(names)
    to_category = category_resolver(names)
    predictions = base.predict([e.item for e in examples], explain=False, directory=directory)
    pairs: list[tuple[str | None, float, str]] = []
    brand_only: list[tuple[str | None, float, str]] = []
    for example, preds in zip(examples, predictions, strict=True):
        mapped = map_labels(preds, to_label)
        brand = None
        if directory is not None:
            brand = brand_prediction(directory.best(example.payee, example.description), to_category)
            brand_only.append(
                (brand.category, brand.confidence, example.category) if brand else (None, 0.0, example.category)
            )
        suggestion = combine(None, with_brand(mapped, brand), threshold=threshold)
        pairs.append((suggestion.category, suggestion.confidence, example.category))
    month = {id(e) for e in first_month(examples)}
    first = min((e.date for e in examples if id(e) in month and e.date is not None), default=None)
    report: dict[str, Any] = {
        "method": "no history; the base model mapped onto the household's categories",
        "month": first.strftime("%Y-%m") if first else None,
        "first_month": score([p for e, p in zip(examples, pairs, strict=True) if id(e) in month], threshold).as_dict(),
        "every_row": score(pairs, threshold).as_dict(),
    }
    if directory is not None:
        report["directory_only"] = score(brand_only, threshold).as_dict()
    return report
