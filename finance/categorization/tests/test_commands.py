"""The management commands, on the small fixture copies of the data sets."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from finance.categorization.classifier import CategorizerModel
from finance.categorization.datasets import load_us_dataset
from finance.categorization.merchants import write
from finance.categorization.tests.test_merchants import _content

FIXTURES = Path(__file__).parent / "fixtures"
SCORE_KEYS = {"n", "accuracy", "coverage", "auto_precision", "auto_count"}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def check_scores(scores: dict[str, object], n: int) -> None:
    assert set(scores) == SCORE_KEYS
    assert scores["n"] == n
    for key in ("accuracy", "coverage"):
        value = scores[key]
        assert isinstance(value, float)
        assert 0.0 <= value <= 1.0
    auto_count = scores["auto_count"]
    assert isinstance(auto_count, int)
    assert scores["coverage"] == pytest.approx(auto_count / n, abs=1e-4)
    precision = scores["auto_precision"]
    assert precision is None if auto_count == 0 else isinstance(precision, float) and 0.0 <= precision <= 1.0


@pytest.fixture
def directory(settings: Any) -> None:
    """A merchant directory built from the small NSI-shaped fixture, where the product looks for it."""
    write(_content(), Path(settings.MERCHANT_DIRECTORY_PATH))


def test_evaluate_reports_every_measurement_without_and_with_the_directory_as_json(directory: None) -> None:
    report = json.loads(
        run("evaluate_categorizer", "--data-dir", str(FIXTURES), "--sample", "150", "--folds", "3", "--json")
    )
    assert report["threshold"] == 0.8
    assert report["sample"] == 150
    assert report["directory"]["version"] == "8.0.1"
    for suffix in ("", "+directory"):
        check_scores(report[f"us_by_merchant{suffix}"]["model"], 150)
        check_scores(report[f"za_household{suffix}"]["combined"], 150)
        cold = report[f"za_cold_start{suffix}"]
        check_scores(cold["every_row"], 451)  # no history: every row of the set, each as a new household's
        assert cold["month"] == "2021-07"
        check_scores(cold["first_month"], 13)
    check_scores(report["za_cold_start+directory"]["directory_only"], 451)

    merchant = report["us_by_merchant"]
    assert merchant["examples"] == 150
    assert merchant["folds"] == 3
    assert merchant["labels"] >= 10
    assert merchant["method"].startswith("GroupKFold(3) on merchant key")
    check_scores(merchant["model"], 150)

    household = report["za_household"]
    assert household["examples"] == 150
    assert household["folds"] == 3
    for part in ("combined", "model", "history"):
        check_scores(household[part], 150)
    known, new = household["combined_known_payee"], household["combined_new_payee"]
    assert known["n"] + new["n"] == 150
    assert known["auto_count"] + new["auto_count"] == household["combined"]["auto_count"]
    assert sum(household["sources"].values()) == 150
    assert set(household["sources"]) <= {"history", "model"}
    # Sane, not tuned: a household's repeated payees make history + model clearly better than chance.
    assert household["combined"]["accuracy"] > 0.4
    assert household["history"]["auto_precision"] > 0.8


def test_evaluate_prints_a_table() -> None:
    out = run(
        "evaluate_categorizer",
        "--data-dir",
        str(FIXTURES),
        "--sample",
        "60",
        "--folds",
        "3",
        "--only",
        "household",
        "--directory",
        "without",
    )
    assert "Auto-categorize threshold: confidence >= 0.8" in out
    assert "(b) history + model " in out
    assert "    model only" in out
    assert "(a) model" not in out
    assert "+ directory" not in out


def test_evaluate_with_the_directory_needs_it_built() -> None:
    with pytest.raises(CommandError, match="no merchant directory"):
        run("evaluate_categorizer", "--data-dir", str(FIXTURES), "--sample", "60", "--only", "household")


def test_evaluate_needs_the_data() -> None:
    with pytest.raises(CommandError, match="not found in"):
        run("evaluate_categorizer", "--data-dir", str(FIXTURES / "nowhere"))
    with pytest.raises(CommandError, match="at least 20"):
        run("evaluate_categorizer", "--data-dir", str(FIXTURES), "--sample", "5")


def test_build_base_categorizer_writes_a_loadable_versioned_artifact(tmp_path: Path) -> None:
    output = tmp_path / "var" / "models" / "base.joblib"
    out = run("build_base_categorizer", "--data-dir", str(FIXTURES), "--output", str(output))
    assert "Base categorizer base-v1" in out
    model = CategorizerModel.load(output)
    assert model.metadata.version == "base-v1"
    assert model.metadata.n_examples == len(load_us_dataset(FIXTURES))
    assert len(model.labels) == 17
    again = run("build_base_categorizer", "--data-dir", str(FIXTURES), "--output", str(output), "--if-missing")
    assert "already at" in again


def test_build_base_categorizer_needs_the_data(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not found in"):
        run("build_base_categorizer", "--data-dir", str(tmp_path), "--output", str(tmp_path / "m.joblib"))
