"""The learned model: predictions, explanations, retraining, artifacts."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import joblib
import numpy as np
import pytest
import sklearn

from finance.categorization import classifier
from finance.categorization.classifier import (
    CategorizerModel,
    Example,
    Item,
    ModelLoadError,
    train,
    training_set_hash,
    word_tokens,
)

ROWS = [
    ("debit kroger 8147 seattle", "Groceries", "-54.20"),
    ("debit kroger 2051 denver", "Groceries", "-88.10"),
    ("debit paypal *kroger", "Groceries", "-23.99"),
    ("debit safeway 1234 portland", "Groceries", "-61.00"),
    ("debit safeway - boston", "Groceries", "-12.35"),
    ("debit whole foods market 10 main st austin tx usa", "Groceries", "-140.00"),
    ("debit sq *blue bottle coffee", "Dining", "-6.50"),
    ("debit tst*green market cafe - brooklyn", "Dining", "-31.20"),
    ("debit chipotle 2231 chicago", "Dining", "-12.85"),
    ("debit chipotle online", "Dining", "-24.10"),
    ("debit five guys 7457", "Dining", "-18.40"),
    ("debit sq *ethiopian restaurant", "Dining", "-44.00"),
    ("debit shell oil 5521 houston", "Transport", "-45.00"),
    ("debit shell service station", "Transport", "-38.70"),
    ("debit uber *trip", "Transport", "-17.30"),
    ("debit lyft *trip", "Transport", "-9.80"),
    ("debit chevron 0091 san jose", "Transport", "-51.10"),
    ("debit exxon mobil 4410", "Transport", "-60.00"),
    ("credit acme corp payroll", "Salary", "2500.00"),
    ("credit acme corp dir dep", "Salary", "2500.00"),
    ("credit horizon tech payroll", "Salary", "3100.00"),
    ("credit orig co name:acme corp co entry descr:payroll", "Salary", "2500.00"),
    ("debit netflix.com", "Entertainment", "-15.49"),
    ("debit netflix.com los gatos", "Entertainment", "-15.49"),
    ("debit amc theatres 0012", "Entertainment", "-28.00"),
    ("debit steam games", "Entertainment", "-59.99"),
]


def examples(rows: list[tuple[str, str, str]] = ROWS) -> list[Example]:
    start = dt.date(2024, 1, 1)
    return [
        Example(description=d, category=c, amount=Decimal(a), date=start + dt.timedelta(days=3 * i))
        for i, (d, c, a) in enumerate(rows)
    ]


@pytest.fixture(scope="module")
def model() -> CategorizerModel:
    return train(examples(), version="test-v1")


def test_predicts_known_merchants_in_new_variants(model: CategorizerModel) -> None:
    items = [
        Item(description="debit kroger 9913 boston", amount=Decimal("-31.00")),
        Item(description="debit paypal *chipotle", amount=Decimal("-11.00")),
        Item(description="debit shell oil 1200 denver", amount=Decimal("-40.00")),
        Item(description="credit acme corp payroll", amount=Decimal("2500.00")),
        Item(description="", payee="Netflix.com", amount=Decimal("-15.49")),
    ]
    predicted = [preds[0].category for preds in model.predict(items)]
    assert predicted == ["Groceries", "Dining", "Transport", "Salary", "Entertainment"]


def test_predictions_are_top_three_with_probabilities_and_an_explanation(model: CategorizerModel) -> None:
    (preds,) = model.predict([Item(description="debit kroger 9913 boston", amount=Decimal("-31.00"))])
    assert len(preds) == 3
    confidences = [p.confidence for p in preds]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c <= 1 for c in confidences)
    assert sum(confidences) <= 1.0001
    assert len({p.category for p in preds}) == 3
    assert preds[0].explanation, "the top prediction says why"
    assert any("kroger" in reason for reason in preds[0].explanation)
    assert preds[1].explanation == ()


def test_probabilities_cover_all_labels_and_sum_to_one(model: CategorizerModel) -> None:
    probs = model.predict_proba([Item(description="debit uber *trip"), Item(description="something unheard of")])
    assert probs.shape == (2, 5)
    np.testing.assert_allclose(probs.sum(axis=1), [1.0, 1.0], rtol=1e-6)
    assert model.labels[int(probs[0].argmax())] == "Transport"


def test_a_never_seen_merchant_gets_lower_confidence_than_a_known_one(model: CategorizerModel) -> None:
    known, unknown = model.predict(
        [Item(description="debit kroger 9913 boston"), Item(description="debit zyxwv qrstu")], top_k=1
    )
    assert unknown[0].confidence < known[0].confidence


def test_retraining_with_corrections_changes_predictions(model: CategorizerModel) -> None:
    item = Item(description="debit netflix.com", amount=Decimal("-15.49"))
    assert model.predict([item])[0][0].category == "Entertainment"
    corrected = [(d, "Subscriptions" if "netflix" in d else c, a) for d, c, a in ROWS] + [
        ("debit spotify usa", "Subscriptions", "-10.99"),
        ("debit hulu 877", "Subscriptions", "-7.99"),
    ]
    retrained = train(examples(corrected), version="test-v2")
    assert retrained.predict([item])[0][0].category == "Subscriptions"
    assert "Subscriptions" in retrained.labels
    assert retrained.metadata.training_set_hash != model.metadata.training_set_hash


def test_metadata_describes_the_training(model: CategorizerModel) -> None:
    meta = model.metadata
    assert meta.version == "test-v1"
    assert meta.sklearn_version == sklearn.__version__
    assert meta.labels == ("Dining", "Entertainment", "Groceries", "Salary", "Transport")
    assert meta.n_examples == len(ROWS)
    assert meta.training_set_hash == training_set_hash(examples())
    assert len(meta.training_set_hash) == 64
    assert meta.calibration.temperature > 0


def test_save_and_load_give_the_same_predictions(model: CategorizerModel, tmp_path: Path) -> None:
    path = tmp_path / "models" / "household.joblib"
    model.save(path)
    loaded = CategorizerModel.load(path)
    items = [Item(description="debit kroger 9913 boston"), Item(description="debit lyft *trip")]
    assert loaded.predict(items) == model.predict(items)
    assert loaded.metadata == model.metadata
    assert path.stat().st_size < 1_000_000


def test_load_refuses_other_formats_and_other_sklearn_versions(model: CategorizerModel, tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no model artifact"):
        CategorizerModel.load(tmp_path / "missing.joblib")
    path = tmp_path / "m.joblib"
    model.save(path)
    payload = joblib.load(path)
    payload["metadata"]["sklearn_version"] = "0.1.0"
    joblib.dump(payload, path)
    with pytest.raises(ModelLoadError, match=r"built with scikit-learn 0\.1\.0"):
        CategorizerModel.load(path)
    assert CategorizerModel.load(path, allow_version_mismatch=True).labels == model.labels
    joblib.dump({"format": 999}, path)
    with pytest.raises(ModelLoadError, match="not a format-1"):
        CategorizerModel.load(path)


def test_an_artifact_saved_under_the_former_module_name_still_loads(
    model: CategorizerModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "base.joblib"
    # Saved as before the rename: the featurizer's class and the tokenizer pickled under the former name.
    monkeypatch.setitem(sys.modules, classifier.FORMER_MODULE_NAME, classifier)
    monkeypatch.setattr(classifier._Featurizer, "__module__", classifier.FORMER_MODULE_NAME)
    monkeypatch.setattr(classifier.word_tokens, "__module__", classifier.FORMER_MODULE_NAME)
    model.save(path)
    monkeypatch.undo()
    with pytest.raises(ModuleNotFoundError, match=classifier.FORMER_MODULE_NAME):
        joblib.load(path)
    loaded = CategorizerModel.load(path)
    items = [Item(description="debit kroger 9913 boston"), Item(description="debit lyft *trip")]
    assert loaded.predict(items) == model.predict(items)
    assert classifier.FORMER_MODULE_NAME not in sys.modules


def test_training_needs_two_categories() -> None:
    with pytest.raises(ValueError, match="at least two categories"):
        train([Example(description="debit kroger", category="Groceries")])


def test_predict_nothing() -> None:
    assert train(examples()[:8]).predict([]) == []


def test_two_categories_explain_each_side() -> None:
    rows = [(d, c, a) for d, c, a in ROWS if c in {"Groceries", "Salary"}]
    binary = train(examples(rows))
    grocery, salary = binary.predict(
        [Item(description="debit kroger 1200 boston"), Item(description="credit acme corp payroll")]
    )
    assert (grocery[0].category, salary[0].category) == ("Groceries", "Salary")
    assert any("kroger" in reason for reason in grocery[0].explanation)
    assert any("payroll" in reason or "acme" in reason for reason in salary[0].explanation)


def test_word_tokens_split_compound_words_into_their_parts() -> None:
    assert word_tokens("amazon.com kindle") == ["amazon.com", "amazon", "com", "kindle"]
    # One-letter parts are dropped: "e-z" gives no part, "help.uber.c" gives "help" and "uber".
    assert word_tokens("e-z pass help.uber.c") == ["e-z", "pass", "help.uber.c", "help", "uber"]
    assert word_tokens("dischem ballito") == ["dischem", "ballito"]


def test_a_domain_shares_its_name_with_the_merchant_s_other_variants() -> None:
    rows = [
        ("debit amazon mktpl", "Shopping", "-23.99"),
        ("debit amazon marktplace", "Shopping", "-41.50"),
        ("debit amazon mktpl us", "Shopping", "-12.00"),
        ("debit target t-1234", "Shopping", "-64.10"),
        ("debit netflix.com", "Subscriptions", "-15.49"),
        ("debit spotify.com", "Subscriptions", "-9.99"),
        ("debit hulu.com", "Subscriptions", "-7.99"),
        ("debit disneyplus.com", "Subscriptions", "-13.99"),
        ("debit kroger 8147 seattle", "Groceries", "-54.20"),
        ("debit safeway 1234 portland", "Groceries", "-61.00"),
    ]
    shopping = train(examples(rows)).predict([Item(description="debit amazon.com*hawmz79txr", amount=Decimal("-30"))])
    assert shopping[0][0].category == "Shopping"
    assert 'word "amazon"' in shopping[0][0].explanation


def test_a_batch_with_repeated_texts_predicts_as_each_item_alone(model: CategorizerModel) -> None:
    # Distinct texts are vectorized once per batch and spread back to their rows: every row's
    # features, probabilities and explanations must be those of the item on its own.
    items = [
        Item(description="SHELL OIL 5744", amount=Decimal("-40.00"), date=dt.date(2024, 3, 1)),
        Item(description="Netflix.com", amount=Decimal("-15.49"), date=dt.date(2024, 3, 2)),
        Item(description="SHELL OIL 5744", amount=Decimal("-61.20"), date=dt.date(2024, 3, 17)),
        Item(description="", payee="Whole Foods", amount=Decimal("-80.00"), date=dt.date(2024, 3, 3)),
        Item(description="Netflix.com", amount=Decimal("-15.49"), date=dt.date(2024, 4, 2)),
        Item(description="SHELL OIL 5744", payee="Whole Foods", amount=Decimal("12.00")),
    ]
    batch = model.predict(items)
    assert [model.predict([item]) for item in items] == [[preds] for preds in batch]
    together = model.predict_proba(items)
    alone = np.vstack([model.predict_proba([item]) for item in items])
    np.testing.assert_allclose(together, alone, rtol=1e-6)
    # The repeated text on another day and amount is still its own row.
    assert not np.allclose(together[0], together[2])


def test_metadata_rows_equal_dict_vectorizer(model: CategorizerModel) -> None:
    from finance.categorization.classifier import _meta, _Texts

    # Repeated keys, amounts (also written with another scale) and days: their columns are looked up once.
    items = [
        Item(description="Netflix.com", amount=Decimal("-15.49"), date=dt.date(2024, 3, 2)),
        Item(description="never seen merchant", amount=Decimal("2500.00"), date=dt.date(2024, 3, 29)),
        Item(description="chipotle"),
        Item(description="Netflix.com", amount=Decimal("-15.490"), date=dt.date(2024, 3, 29)),
        Item(description="chipotle 1234", amount=Decimal("2500"), date=dt.date(2024, 3, 2)),
        Item(description="", payee="Chipotle", amount=Decimal("-15.49")),
    ]
    texts = _Texts(items)
    rows = [_meta(item, key) for item, key in zip(items, texts.item_keys(), strict=True)]
    ours = model.featurizer._meta_rows(items, texts)
    theirs = model.featurizer.meta.transform(rows)
    assert ours.shape == theirs.shape
    assert ours.nnz > 0
    np.testing.assert_array_equal(ours.toarray(), theirs.toarray())


def test_metadata_rows_with_directory_features_equal_dict_vectorizer() -> None:
    """A model trained with the merchant directory: its brand columns carry the match's confidence times the
    directory weight, in a batch as in training."""
    from finance.categorization.classifier import _meta, _Texts
    from finance.categorization.merchants import DirectoryView, MerchantDirectory
    from finance.categorization.tests.test_merchants import _content

    view = DirectoryView(MerchantDirectory(_content()), "za")
    examples = [Example(f"POS Engen {n}", category="Car") for n in range(3)]
    examples += [Example(f"Dischem {n}", category="Health") for n in range(3)]
    examples += [Example(f"Pick n Pay {n}", amount=Decimal("-20"), category="Food") for n in range(3)]
    model = train(examples, directory=view)
    items = [Item("POS Engen 7"), Item("Clicks Rosebank", amount=Decimal("-9.99")), Item("nothing known")]
    texts = _Texts(items, view)
    weight = model.featurizer.directory_weight
    rows = [
        _meta(item, key, {name: value * weight for name, value in brand.items()})
        for item, key, brand in zip(items, texts.item_keys(), [texts.brands[at] for at in texts.position], strict=True)
    ]
    ours = model.featurizer._meta_rows(items, texts)
    theirs = model.featurizer.meta.transform(rows)
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-6)
    engen = model.featurizer.meta.vocabulary_["osm=amenity=fuel"]
    assert ours[0, engen] == pytest.approx(0.89 * weight)
    assert model.metadata.directory == "8.0.1/2"
    assert model.known_tags == frozenset({"osm=amenity=fuel", "osm=amenity=pharmacy", "osm=shop=supermarket"})
