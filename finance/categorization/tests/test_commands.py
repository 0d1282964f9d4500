"""The management commands, on the small fixture copies of the data sets."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from finance.categorization.classifier import CategorizerModel
from finance.categorization.datasets import load_us_dataset

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


def test_evaluate_reports_both_measurements_as_json() -> None:
    report = json.loads(
        run("evaluate_categorizer", "--data-dir", str(FIXTURES), "--sample", "150", "--folds", "3", "--json")
    )
    assert report["threshold"] == 0.8
    assert report["sample"] == 150

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
        "evaluate_categorizer", "--data-dir", str(FIXTURES), "--sample", "60", "--folds", "3", "--only", "household"
    )
    assert "Auto-categorize threshold: confidence >= 0.8" in out
    assert "(b) history + model" in out
    assert "(b) model only" in out
    assert "(a) model" not in out


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
