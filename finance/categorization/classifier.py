"""The learned categorizer (CAT-3): a linear text classifier with calibrated confidence.

Features (see docs/categorization.md):

* TF-IDF over words and word pairs of :func:`~finance.categorization.normalize.clean_text`,
  a compound word also giving its parts (:func:`word_tokens`: "amazon.com" is
  also "amazon");
* TF-IDF over character 2-5-grams of the same text, across word boundaries,
  so spelling variants, truncations and split names ("apple.com/bil",
  "woolworths", "pick n pay") still match;
* one-hot metadata: the merchant key, the amount's sign, its size bucket
  (powers of two), its cents (".99", ".00"), the exact amount, the day of month
  and the weekday;
* with a merchant directory (:mod:`finance.categorization.merchants`), the
  brand the text names and its OpenStreetMap tags (``osm=amenity=fuel``) and
  match groups, weighted by how sure the match is: a household that filed one
  fuel brand under "Car" gets "Car" for a fuel brand it never had.

A linear SVM (``LinearSVC``) learns one weight per feature and category. Its
scores become probabilities by temperature scaling fitted on out-of-fold
scores, so ``confidence`` means what it says: of the predictions made with
confidence about 0.9, about nine in ten are right. A model is much surer of
itself than it should be on a merchant it never saw, so a small logistic
regression then estimates P(top category is right) from the top probability,
its lead over the runner-up and how new the merchant and its words are
(:func:`_fit_calibration`). The product auto-applies a prediction at
:data:`AUTO_THRESHOLD` and sends the rest to review.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import joblib
import numpy as np
import regex
import scipy.sparse as sp
import sklearn
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from finance.categorization.merchants import DirectoryView
from finance.categorization.normalize import clean_text, merchant_key

AUTO_THRESHOLD = 0.8
MIN_CALIBRATION_ROWS = 10
MIN_CALIBRATION_CLASS_ROWS = 5
CALIBRATOR_C = 1.0
ARTIFACT_FORMAT = 1
# This module's name before it was ``classifier``: artifacts saved then pickle the featurizer's class and
# the word tokenizer under it, and :func:`_read_artifact` lets it stand for this module while one is read.
FORMER_MODULE_NAME = "finance.categorization.model"
TOP_K = 3

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Item:
    """A transaction to categorize, as plain data."""

    description: str
    payee: str = ""
    amount: Decimal | None = None
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Example(Item):
    """A labeled transaction to learn from."""

    category: str = field(default="", kw_only=True)

    @property
    def item(self) -> Item:
        return Item(description=self.description, payee=self.payee, amount=self.amount, date=self.date)


class Prediction(NamedTuple):
    """One category the model suggests (a tuple: an import makes 300k)."""

    category: str
    confidence: float
    # The features that pushed hardest toward this category, strongest first.
    explanation: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelParams:
    c: float = 0.5
    word_max_features: int = 30_000
    char_max_features: int = 50_000
    meta_weight: float = 0.6
    # The merchant directory's features count this much more than the other metadata (chosen on evaluation
    # (a) from 1, 2 and 3.5: 93.2, 93.9 and 91.9 % accuracy; (b) moved within noise).
    directory_weight: float = 2.0
    calibration_folds: int = 3
    calibration_max_repeats: int = 1
    # Calibrating on more rows than this adds time, not accuracy: larger sets use a sample.
    calibration_max_rows: int = 8_000
    class_weight: str | None = None
    seed: int = 0


@dataclass(frozen=True, slots=True)
class ModelMetadata:
    version: str
    format: int
    sklearn_version: str
    training_set_hash: str
    labels: tuple[str, ...]
    n_examples: int
    calibration: Calibration
    params: dict[str, Any]
    created_at: str
    # The merchant directory's version the model was trained with ("" without one).
    directory: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "format": self.format,
            "sklearn_version": self.sklearn_version,
            "training_set_hash": self.training_set_hash,
            "labels": list(self.labels),
            "n_examples": self.n_examples,
            "calibration": {
                "temperature": self.calibration.temperature,
                "weights": list(self.calibration.weights),
                "bias": self.calibration.bias,
            },
            "params": dict(self.params),
            "created_at": self.created_at,
            "directory": self.directory,
        }


class ModelLoadError(Exception):
    """The artifact is missing, of another format, or built by another scikit-learn."""


# ---------------------------------------------------------------------------
# Features


def _amount_features(amount: Decimal | None) -> dict[str, float]:
    if amount is None:
        return {"sign=none": 1.0}
    value = abs(amount)
    sign = "neg" if amount < 0 else "pos"
    bucket = math.floor(math.log2(float(value))) if value >= 1 else -1
    cents = value % 1
    cents_kind = "00" if cents == 0 else "99" if cents == Decimal("0.99") else "other"
    return {
        f"sign={sign}": 1.0,
        f"size={sign}{bucket}": 1.0,
        f"cents={cents_kind}": 1.0,
        f"amount={sign}{value.normalize():f}": 1.0,
    }


def _date_features(when: dt.date | None) -> dict[str, float]:
    if when is None:
        return {}
    part = "start" if when.day <= 5 else "end" if when.day >= 25 else "mid"
    return {f"day={when.day}": 1.0, f"month_part={part}": 1.0, f"weekday={_WEEKDAYS[when.weekday()]}": 1.0}


# The words of a merchant key: how new a merchant is, word by word.
_WORD = regex.compile(r"[a-z0-9][a-z0-9&'.\-/]*")


def _meta(item: Item, key: str, brand: dict[str, float] | None = None) -> dict[str, float]:
    features = {f"merchant={key}": 1.0}
    features.update(_amount_features(item.amount))
    features.update(_date_features(item.date))
    features.update(brand or {})
    return features


class _Texts:
    """The distinct texts of a batch, each cleaned, keyed and vectorized once.

    Statements repeat their payees: a 100k-row import has about 100k distinct raw
    descriptions ("WHOLE FOODS #1234") but only hundreds of cleaned texts, and
    vectorizing the text is most of a prediction. ``position[n]`` is item
    ``n``'s (payee, description) pair in ``keys`` and ``words``;
    ``text_rows[n]`` is its cleaned text in ``texts``; ``brands`` are the
    merchant directory's features of each pair (empty without a directory).
    """

    def __init__(self, items: Sequence[Item], directory: DirectoryView | None = None) -> None:
        pairs: dict[tuple[str, str], int] = {}
        self.position: NDArray[np.intp] = np.fromiter(
            (pairs.setdefault((item.payee, item.description), len(pairs)) for item in items),
            dtype=np.intp,
            count=len(items),
        )
        cleaned: dict[str, int] = {}
        text_of_pair = np.fromiter(
            (cleaned.setdefault(clean_text(payee, description), len(cleaned)) for payee, description in pairs),
            dtype=np.intp,
            count=len(pairs),
        )
        self.texts = list(cleaned)
        self.text_rows: NDArray[np.intp] = text_of_pair[self.position]
        self.keys = [merchant_key(payee or description) for payee, description in pairs]
        words: dict[str, frozenset[str]] = {}  # far fewer keys than pairs
        self.words = [words.get(key) or words.setdefault(key, frozenset(_WORD.findall(key))) for key in self.keys]
        self.brands: list[dict[str, float]] = (
            [directory.features(payee, description) for payee, description in pairs]
            if directory is not None
            else [{} for _ in pairs]
        )

    def item_texts(self) -> list[str]:
        return [self.texts[at] for at in self.text_rows]

    def item_keys(self) -> list[str]:
        return [self.keys[at] for at in self.position]

    def item_words(self) -> list[frozenset[str]]:
        return [self.words[at] for at in self.position]

    def tags(self) -> list[frozenset[str]]:
        """Per pair, the directory's ``osm=`` features (what :func:`_novelty` asks the training set about)."""
        return [frozenset(name for name in brand if name.startswith("osm=")) for brand in self.brands]


_WORD_TOKEN = regex.compile(r"(?u)\b\w[\w&'.\-/]*\b")
_WORD_PART = regex.compile(r"[a-z0-9]+")


def word_tokens(text: str) -> list[str]:
    """The words of ``clean_text``; a compound word also gives its parts.

    ``amazon.com`` is the token ``amazon.com`` and also ``amazon`` and ``com``,
    so a merchant's domain shares a word with its other names ("amazon mktpl").

    >>> word_tokens("amazon.com kindle")
    ['amazon.com', 'amazon', 'com', 'kindle']
    """
    tokens = []
    for token in _WORD_TOKEN.findall(text):
        tokens.append(token)
        parts = _WORD_PART.findall(token)
        if len(parts) > 1:
            tokens.extend(part for part in parts if len(part) > 1)
    return tokens


class _Featurizer:
    def __init__(self, params: ModelParams) -> None:
        self.meta_weight = params.meta_weight
        self.directory_weight = params.directory_weight
        self.word = TfidfVectorizer(
            ngram_range=(1, 2),
            tokenizer=word_tokens,
            token_pattern=None,
            lowercase=False,  # clean_text is lower-cased already
            sublinear_tf=True,
            max_features=params.word_max_features,
            dtype=np.float32,
        )
        self.char = TfidfVectorizer(
            analyzer="char",
            ngram_range=(2, 5),
            sublinear_tf=True,
            max_features=params.char_max_features,
            dtype=np.float32,
        )
        self.meta = DictVectorizer(dtype=np.float32)

    def fit_transform(self, items: Sequence[Item], texts: _Texts) -> sp.csr_matrix:
        # Fitted on every item's text (document frequencies count repeats), as before.
        every = texts.item_texts()
        keys = texts.item_keys()
        weight = self.directory_weight
        brands = [{name: value * weight for name, value in brand.items()} for brand in texts.brands]
        meta = [_meta(i, keys[n], brands[at]) for n, (i, at) in enumerate(zip(items, texts.position, strict=True))]
        blocks = [
            self.word.fit_transform(every),
            self.char.fit_transform(every),
            self.meta.fit_transform(meta) * self.meta_weight,
        ]
        # Pruned terms are kept only for introspection; they would bloat the artifact.
        self.word.stop_words_ = None
        self.char.stop_words_ = None
        return sp.hstack(blocks, format="csr")

    def transform(self, items: Sequence[Item], texts: _Texts | None = None) -> sp.csr_matrix:
        """The feature rows of ``items``; each distinct text is vectorized once."""
        texts = texts or _Texts(items)
        blocks = [
            self.word.transform(texts.texts)[texts.text_rows],
            self.char.transform(texts.texts)[texts.text_rows],
            self._meta_rows(items, texts) * self.meta_weight,
        ]
        return sp.hstack(blocks, format="csr")

    def _meta_rows(self, items: Sequence[Item], texts: _Texts) -> sp.csr_matrix:
        """``DictVectorizer.transform`` of :func:`_meta`, without its per-value checks.

        Unknown names are dropped, as ``DictVectorizer`` does. The columns of a merchant key (with its
        directory features), an amount and a day are looked up once each: a batch repeats them (an import's
        100k rows have a few hundred keys and a few thousand days), and a row's columns are theirs together
        (the names of the kinds never collide). Every value is 1.0 but a directory feature's, its match's
        confidence times the directory weight.
        """
        vocabulary: dict[str, int] = self.meta.vocabulary_
        get = vocabulary.get
        # A model saved before the directory existed has no directory weight (and no directory features).
        weight = getattr(self, "directory_weight", 1.0)
        merchants: list[list[tuple[int, float]]] = []
        for key, brand in zip(texts.keys, texts.brands, strict=True):
            columns = [(j, 1.0)] if (j := get(f"merchant={key}")) is not None else []
            columns += [(j, value * weight) for name, value in brand.items() if (j := get(name)) is not None]
            merchants.append(columns)
        by_amount: dict[Decimal | None, list[tuple[int, float]]] = {}
        by_day: dict[dt.date | None, list[tuple[int, float]]] = {}
        cells: list[tuple[int, float]] = []
        indptr = [0]
        for item, pair in zip(items, texts.position.tolist(), strict=True):
            amount = by_amount.get(item.amount)
            if amount is None:
                found = map(get, _amount_features(item.amount))
                amount = by_amount[item.amount] = [(j, 1.0) for j in found if j is not None]
            day = by_day.get(item.date)
            if day is None:
                day = by_day[item.date] = [(j, 1.0) for j in map(get, _date_features(item.date)) if j is not None]
            row = merchants[pair] + amount + day
            row.sort()
            cells += row
            indptr.append(len(cells))
        indices = np.array([j for j, _value in cells], dtype=np.int32)
        data = np.array([value for _j, value in cells], dtype=np.float32)
        return sp.csr_matrix((data, indices, np.array(indptr)), shape=(len(items), len(vocabulary)))

    def feature_names(self) -> list[str]:
        words = [f'word "{w}"' for w in self.word.get_feature_names_out()]
        chars = [f'chars "{c}"' for c in self.char.get_feature_names_out()]
        meta = [str(m) for m in self.meta.get_feature_names_out()]
        return words + chars + meta


# ---------------------------------------------------------------------------
# Calibration


def _softmax(scores: NDArray[np.float64], temperature: float | NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax of ``scores / temperature`` (a scalar or one temperature per row)."""
    t = np.asarray(temperature, dtype=np.float64)
    z = scores / (t[:, None] if t.ndim == 1 else t)
    z = z - z.max(axis=1, keepdims=True)
    exp = np.exp(z)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def _scores(classifier: LinearSVC, x: sp.csr_matrix) -> NDArray[np.float64]:
    scores = np.asarray(classifier.decision_function(x), dtype=np.float64)
    if scores.ndim == 1:  # two classes: one margin, positive for classes_[1]
        scores = np.column_stack([-scores, scores])
    return scores


def _fit_classifier(x: sp.csr_matrix, y: NDArray[np.int64], params: ModelParams) -> LinearSVC:
    classifier = LinearSVC(C=params.c, class_weight=params.class_weight, random_state=params.seed, max_iter=5000)
    with warnings.catch_warnings():
        # A small household has many categories per transaction; that is expected here.
        warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
        classifier.fit(x, y)
    return classifier


def _best_temperature(rows: list[tuple[NDArray[np.float64], NDArray[np.int64]]]) -> float | None:
    """Temperature minimising the log loss of (scores, true column) blocks; ``None`` without data."""
    rows = [(scores, labels) for scores, labels in rows if len(labels)]
    count = sum(len(labels) for _, labels in rows)
    if count < MIN_CALIBRATION_ROWS:
        return None

    def log_loss(log_t: float) -> float:
        t = math.exp(log_t)
        total = 0.0
        for scores, labels in rows:
            probs = _softmax(scores, t)
            total -= float(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None)).sum())
        return total / count

    result = minimize_scalar(log_loss, bounds=(math.log(0.01), math.log(20.0)), method="bounded")
    return float(math.exp(result.x))


def _novelty(
    keys: Sequence[str],
    words: Sequence[frozenset[str]],
    tags: Sequence[frozenset[str]],
    known_keys: Any,
    known_words: Any,
    known_tags: Any,
) -> NDArray[np.float64]:
    """Per row: [merchant key never seen, share of its words never seen, a new merchant of a kind of place
    (directory tag) that was seen]."""
    rows = []
    for key, row_words, row_tags in zip(keys, words, tags, strict=True):
        unknown = sum(1 for w in row_words if w not in known_words) / len(row_words) if row_words else 1.0
        novel = 0.0 if key in known_keys else 1.0
        kind_known = 1.0 if novel and any(t in known_tags for t in row_tags) else 0.0
        rows.append((novel, unknown, kind_known))
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _calibration_features(probs: NDArray[np.float64], novelty: NDArray[np.float64]) -> NDArray[np.float64]:
    """The calibrator's inputs; a model trained before the directory's column existed reads the first five."""
    top2 = -np.sort(-probs, axis=1)[:, :2] if probs.shape[1] > 1 else np.column_stack([probs[:, 0], 1 - probs[:, 0]])
    p1 = np.clip(top2[:, 0], 1e-6, 1 - 1e-6)
    p2 = np.clip(top2[:, 1], 1e-6, 1 - 1e-6)
    logit = np.log(p1 / (1 - p1))
    novel, unknown, kind_known = novelty[:, 0], novelty[:, 1], novelty[:, 2]
    return np.column_stack([logit, np.log(p1 / p2), novel, unknown, novel * logit, kind_known * logit])


@dataclass(frozen=True, slots=True)
class Calibration:
    """Temperature for the distribution, and a logistic model of P(top category is right)."""

    temperature: float
    weights: tuple[float, ...] = ()
    bias: float = 0.0

    def confidence(self, probs: NDArray[np.float64], novelty: NDArray[np.float64]) -> NDArray[np.float64]:
        if not self.weights:
            result: NDArray[np.float64] = probs.max(axis=1)
            return result
        z = _calibration_features(probs, novelty)[:, : len(self.weights)] @ np.array(self.weights) + self.bias
        calibrated: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return calibrated


def _calibration_splits(
    keys: Sequence[str], folds: int, repeats: int, rng: np.random.Generator, seed: int
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """Out-of-fold splits in which half of the merchants are held out whole.

    Their rows are new merchants out of fold; the other half's rows are spread
    over the folds (known merchants), so the calibration sees both kinds.
    """
    merchants = sorted(set(keys))
    splits: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []
    for repeat in range(repeats):
        held_whole = {m for m, coin in zip(merchants, rng.random(len(merchants)) < 0.5, strict=True) if coin}
        groups = [key if key in held_whole else f"\x00row{i}" for i, key in enumerate(keys)]
        if len(set(groups)) < folds:
            break
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed + repeat)
        splits.extend(splitter.split(np.zeros(len(keys)), groups=groups))
    return splits


def _fit_calibration(
    x: sp.csr_matrix,
    y: NDArray[np.int64],
    keys: Sequence[str],
    words: Sequence[frozenset[str]],
    tags: Sequence[frozenset[str]],
    n_labels: int,
    params: ModelParams,
) -> Calibration:
    """Calibrate on out-of-fold predictions of the training data.

    The temperature minimises the log loss of the out-of-fold scores. Then a
    small logistic regression learns how often the top category is right from
    its probability, its lead over the runner-up, whether the merchant was in
    the fold's training part and the share of words it had never seen: a model
    is far surer of itself than it should be on a merchant it never saw, and a
    single temperature cannot tell those apart. Rows whose category is absent
    from the fold's training part (a category seen once) cannot be scored and
    are left out.
    """
    rng = np.random.default_rng(params.seed)
    if len(y) > params.calibration_max_rows:
        sample = np.sort(rng.choice(len(y), size=params.calibration_max_rows, replace=False))
        x, y = x[sample], y[sample]
        keys = [keys[i] for i in sample]
        words = [words[i] for i in sample]
        tags = [tags[i] for i in sample]
    counts = np.bincount(y, minlength=n_labels)
    folds = min(params.calibration_folds, int(counts.max()))
    if folds < 2 or len(y) < MIN_CALIBRATION_ROWS:
        return Calibration(temperature=1.0)
    blocks: list[tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]] = []
    # A small set gives few out-of-fold rows: repeat the split to steady the fit.
    repeats = max(1, min(params.calibration_max_repeats, params.calibration_max_rows // (4 * len(y))))
    for train_idx, test_idx in _calibration_splits(keys, folds, repeats, rng, params.seed):
        present = np.unique(y[train_idx])
        if len(present) < 2:
            continue
        classifier = _fit_classifier(x[train_idx], y[train_idx], params)
        test_idx = test_idx[np.isin(y[test_idx], present)]
        if not len(test_idx):
            continue
        position = {label: i for i, label in enumerate(classifier.classes_)}
        labels = np.array([position[label] for label in y[test_idx]], dtype=np.int64)
        fold_keys = {keys[i] for i in train_idx}
        fold_words = set().union(*(words[i] for i in train_idx))
        fold_tags = set().union(*(tags[i] for i in train_idx))
        novelty = _novelty(
            [keys[i] for i in test_idx],
            [words[i] for i in test_idx],
            [tags[i] for i in test_idx],
            fold_keys,
            fold_words,
            fold_tags,
        )
        blocks.append((_scores(classifier, x[test_idx]), labels, novelty))
    if not blocks:
        return Calibration(temperature=1.0)
    temperature = _best_temperature([(scores, labels) for scores, labels, _ in blocks])
    if temperature is None:
        return Calibration(temperature=1.0)
    features = []
    correct = []
    for scores, labels, novelty in blocks:
        probs = _softmax(scores, temperature)
        features.append(_calibration_features(probs, novelty))
        correct.append(probs.argmax(axis=1) == labels)
    target = np.concatenate(correct)
    if min(target.sum(), (~target).sum()) < MIN_CALIBRATION_CLASS_ROWS:
        # All right (or all wrong) out of fold: nothing to learn beyond the temperature.
        return Calibration(temperature=temperature)
    regression = LogisticRegression(C=CALIBRATOR_C, max_iter=1000)
    regression.fit(np.vstack(features), target)
    return Calibration(
        temperature=temperature,
        weights=tuple(float(w) for w in regression.coef_[0]),
        bias=float(regression.intercept_[0]),
    )


# ---------------------------------------------------------------------------
# The model


def training_set_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        row = "\x1f".join(
            (e.category, e.payee, e.description, "" if e.amount is None else str(e.amount), str(e.date or ""))
        )
        digest.update(row.encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass
class CategorizerModel:
    featurizer: _Featurizer
    classifier: LinearSVC
    labels: tuple[str, ...]
    metadata: ModelMetadata
    known_merchants: frozenset[str]
    known_words: frozenset[str]
    # The directory's osm= features of the training set (a new merchant of a known kind of place).
    known_tags: frozenset[str] = frozenset()
    _feature_names: list[str] | None = field(default=None, repr=False)

    def predict(
        self,
        items: Sequence[Item],
        *,
        top_k: int = TOP_K,
        explain: bool = True,
        directory: DirectoryView | None = None,
    ) -> list[list[Prediction]]:
        """The ``top_k`` most likely categories for each item, most likely first.

        ``directory`` gives the merchant directory's features; a model trained with them predicts less
        well without (and one trained without ignores them).
        """
        if not items:
            return []
        texts = _Texts(items, directory)
        x = self.featurizer.transform(items, texts)
        probs = self._probabilities(texts, x)
        k = min(top_k, len(self.labels))
        order = np.argsort(-probs, axis=1)[:, :k]
        # Plain Python values, read once: indexing numpy per prediction was most of this loop.
        names = [self.labels[c] for c in self.classifier.classes_]
        columns = order.tolist()
        confidences = np.take_along_axis(probs, order, axis=1).tolist()
        if not explain:  # the same predictions, built without the per-rank bookkeeping (300k for an import)
            return [
                [
                    Prediction(names[column], round(confidence, 4))
                    for column, confidence in zip(row_columns, row_conf, strict=True)
                ]
                for row_columns, row_conf in zip(columns, confidences, strict=True)
            ]
        results = []
        for row, (row_columns, row_confidences) in enumerate(zip(columns, confidences, strict=True)):
            results.append(
                [
                    Prediction(
                        category=names[column],
                        confidence=round(confidence, 4),
                        explanation=self._explain(x, row, column) if explain and rank == 0 else (),
                    )
                    for rank, (column, confidence) in enumerate(zip(row_columns, row_confidences, strict=True))
                ]
            )
        return results

    def predict_proba(self, items: Sequence[Item], *, directory: DirectoryView | None = None) -> NDArray[np.float64]:
        """Probabilities over :attr:`labels` (columns in that order) for each item."""
        texts = _Texts(items, directory)
        x = self.featurizer.transform(items, texts)
        probs = self._probabilities(texts, x)
        full = np.zeros((len(items), len(self.labels)))
        full[:, self.classifier.classes_] = probs
        return full

    def _probabilities(self, texts: _Texts, x: sp.csr_matrix) -> NDArray[np.float64]:
        """Calibrated probabilities over ``classifier.classes_``: the top one is P(right)."""
        calibration = self.metadata.calibration
        probs = _softmax(_scores(self.classifier, x), calibration.temperature)
        # Per distinct (payee, description) pair, then spread to the items: it depends on nothing else.
        novelty = _novelty(
            texts.keys, texts.words, texts.tags(), self.known_merchants, self.known_words, self.known_tags
        )[texts.position]
        confidence = calibration.confidence(probs, novelty)
        top = probs.argmax(axis=1)
        rows = np.arange(x.shape[0])
        p1 = probs[rows, top]
        # The rest keep their proportions and share what the top one leaves.
        scale = np.divide(1 - confidence, 1 - p1, out=np.zeros_like(p1), where=p1 < 1)
        adjusted = probs * scale[:, None]
        adjusted[rows, top] = confidence
        return adjusted

    def _explain(self, x: sp.csr_matrix, row: int, column: int, n: int = 3) -> tuple[str, ...]:
        if self._feature_names is None:
            self._feature_names = self.featurizer.feature_names()
        start, end = x.indptr[row], x.indptr[row + 1]
        indices = x.indices[start:end]
        coef = self.classifier.coef_
        # Two categories share one weight row: positive for classes_[1], negative for classes_[0].
        weights = coef[column, indices] if coef.shape[0] > 1 else (1 if column == 1 else -1) * coef[0, indices]
        contributions = x.data[start:end] * weights
        best = np.argsort(-contributions)[:n]
        return tuple(self._feature_names[indices[i]] for i in best if contributions[i] > 0)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": ARTIFACT_FORMAT,
            "metadata": self.metadata.as_dict(),
            "featurizer": self.featurizer,
            "classifier": self.classifier,
            "labels": list(self.labels),
            "known_merchants": sorted(self.known_merchants),
            "known_words": sorted(self.known_words),
            "known_tags": sorted(self.known_tags),
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(payload, tmp, compress=3)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, *, allow_version_mismatch: bool = False) -> CategorizerModel:
        """Load an artifact written by :meth:`save` (only load artifacts this server built)."""
        if not path.exists():
            raise ModelLoadError(f"no model artifact at {path}")
        payload = _read_artifact(path)
        if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
            raise ModelLoadError(f"{path} is not a format-{ARTIFACT_FORMAT} categorizer artifact; rebuild it")
        meta = payload["metadata"]
        if meta["sklearn_version"] != sklearn.__version__ and not allow_version_mismatch:
            raise ModelLoadError(
                f"{path} was built with scikit-learn {meta['sklearn_version']}, "
                f"this is {sklearn.__version__}; rebuild it"
            )
        metadata = ModelMetadata(
            version=meta["version"],
            format=meta["format"],
            sklearn_version=meta["sklearn_version"],
            training_set_hash=meta["training_set_hash"],
            labels=tuple(meta["labels"]),
            n_examples=meta["n_examples"],
            calibration=Calibration(
                temperature=meta["calibration"]["temperature"],
                weights=tuple(meta["calibration"]["weights"]),
                bias=meta["calibration"]["bias"],
            ),
            params=meta["params"],
            created_at=meta["created_at"],
            directory=meta.get("directory", ""),
        )
        return cls(
            featurizer=payload["featurizer"],
            classifier=payload["classifier"],
            labels=tuple(payload["labels"]),
            metadata=metadata,
            known_merchants=frozenset(payload["known_merchants"]),
            known_words=frozenset(payload["known_words"]),
            known_tags=frozenset(payload.get("known_tags", ())),
        )


_reading = threading.Lock()


def _read_artifact(path: Path) -> Any:
    """``joblib.load``, with :data:`FORMER_MODULE_NAME` resolving to this module while the file is read."""
    with _reading:
        sys.modules[FORMER_MODULE_NAME] = sys.modules[__name__]
        try:
            return joblib.load(path)
        finally:
            del sys.modules[FORMER_MODULE_NAME]


def train(
    examples: Sequence[Example],
    *,
    version: str = "household",
    params: ModelParams | None = None,
    directory: DirectoryView | None = None,
) -> CategorizerModel:
    """Fit a model on labeled examples (at least two categories), with the merchant directory's features
    when ``directory`` is given (then pass it to :meth:`CategorizerModel.predict` too)."""
    params = params or ModelParams()
    examples = [e for e in examples if e.category]
    labels = tuple(sorted({e.category for e in examples}))
    if len(labels) < 2:
        raise ValueError("training needs examples of at least two categories")
    index = {label: i for i, label in enumerate(labels)}
    y = np.array([index[e.category] for e in examples], dtype=np.int64)
    featurizer = _Featurizer(params)
    texts = _Texts(examples, directory)
    x = featurizer.fit_transform(examples, texts)
    keys = texts.item_keys()
    words = texts.item_words()
    pair_tags = texts.tags()
    tags = [pair_tags[at] for at in texts.position]
    calibration = _fit_calibration(x, y, keys, words, tags, len(labels), params)
    classifier = _fit_classifier(x, y, params)
    # Float32 weights halve the artifact; the scores change only by float32 rounding.
    classifier.coef_ = classifier.coef_.astype(np.float32)
    metadata = ModelMetadata(
        version=version,
        format=ARTIFACT_FORMAT,
        sklearn_version=sklearn.__version__,
        training_set_hash=training_set_hash(examples),
        labels=labels,
        n_examples=len(examples),
        calibration=calibration,
        params=dataclasses.asdict(params),
        created_at=dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        directory=directory.directory.ident if directory is not None else "",
    )
    return CategorizerModel(
        featurizer=featurizer,
        classifier=classifier,
        labels=labels,
        metadata=metadata,
        known_merchants=frozenset(keys),
        known_words=frozenset().union(*words),
        known_tags=frozenset().union(*tags),
    )
