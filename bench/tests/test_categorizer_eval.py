"""The categorizer evaluation scenario: the command's report becomes figures with the issue's targets as budgets."""

from __future__ import annotations

import os
from pathlib import Path

from bench.run import FULL, PENDING, QUICK, SCENARIOS, Context, scenario_categorizer_eval
from bench.stats import CATEGORIZER_PRECISION, evaluate, from_categorizer_report, markdown_table

FIXTURES = Path(__file__).resolve().parents[2] / "finance" / "categorization" / "tests" / "fixtures"


def report(a_accuracy: float, a_precision: float | None, b_accuracy: float, b_precision: float) -> dict:
    def scores(n: int, accuracy: float, precision: float | None) -> dict:
        return {"n": n, "accuracy": accuracy, "coverage": 0.6, "auto_precision": precision, "auto_count": 10}

    return {
        "threshold": 0.8,
        "sample": 4000,
        "us_by_merchant": {"method": "GroupKFold(5)", "model": scores(4000, a_accuracy, a_precision)},
        "za_household": {
            "method": "KFold(5)",
            "combined": scores(451, b_accuracy, b_precision),
            "model": scores(451, 0.1, 0.1),
        },
        "seconds": 42.5,
    }


def test_the_directorys_figures_are_the_products_and_the_ones_without_it_are_kept():
    without = report(0.89, 0.96, 0.72, 0.96)
    with_directory = report(0.93, 0.96, 0.73, 0.96)
    both = {
        **without,
        "us_by_merchant+directory": with_directory["us_by_merchant"],
        "za_household+directory": with_directory["za_household"],
    }
    results = from_categorizer_report(both)
    us = results["categorizer.us_by_merchant"]
    assert (us.extra["accuracy"], us.extra["directory"]) == (0.93, True)
    assert us.extra["without_directory"]["accuracy"] == 0.89
    assert from_categorizer_report(without)["categorizer.us_by_merchant"].extra["without_directory"] is None


def test_report_becomes_one_figure_per_part():
    results = from_categorizer_report(report(0.9, 0.96, 0.8, 0.97))
    assert set(results) == {"categorizer.us_by_merchant", "categorizer.za_household"}
    za = results["categorizer.za_household"]
    # The household figure is history + model combined, not the model alone.
    assert (za.extra["accuracy"], za.extra["auto_precision"], za.requests) == (0.8, 0.97, 451)
    assert za.duration_s == 42.5
    assert results["categorizer.us_by_merchant"].extra["coverage"] == 0.6


def test_budgets_are_the_issue_targets():
    marks = {
        v.operation: (v.passed, v.measured) for v in evaluate(from_categorizer_report(report(0.95, 0.949, 0.849, 0.95)))
    }
    a = "categorizer (a) US set, merchants never seen"
    b = "categorizer (b) ZA household"
    assert marks[f"{a}: accuracy"][0] is True  # 95 % is the target, inclusive
    assert marks[f"{a}: precision of auto-applied"][0] is False
    assert marks[f"{b}: accuracy"][0] is False  # 84.9 % < 85 %
    assert marks[f"{b}: precision of auto-applied"][0] is True
    assert marks[f"{a}: accuracy"][1] == "95.0% of 4000 rows (sample 4000); 42.5 s for the evaluation"
    assert marks[f"{b}: precision of auto-applied"][1] == "95.0% at coverage 60.0% (threshold 0.8)"
    assert CATEGORIZER_PRECISION == 0.95


def test_nothing_auto_applied_fails_the_precision_budget():
    verdicts = evaluate(from_categorizer_report(report(0.99, None, 0.99, 0.99)))
    precision = next(
        v for v in verdicts if v.operation.endswith("(a) US set, merchants never seen: precision of auto-applied")
    )
    assert (precision.passed, precision.measured) == (False, "nothing auto-applied")
    assert "| **over** |" in markdown_table([precision])


def test_scenario_is_registered_and_no_longer_pending():
    assert SCENARIOS["categorizer_eval"] is scenario_categorizer_eval
    assert not [name for name, _, _ in PENDING if "categorizer" in name]
    assert FULL.name != QUICK.name


def test_scenario_builds_the_directory_runs_the_evaluation_and_records_every_part(tmp_path):
    # The directory is built from the npm package into the run's model folder, as `make models` does.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CATEGORIZATION_MODEL_DIR": str(tmp_path)}
    ctx = Context(QUICK, "", "", "", env)
    scenario_categorizer_eval(ctx, data_dir=FIXTURES)
    assert (tmp_path / "merchant-directory.json.gz").exists()
    a = ctx.results["categorizer.us_by_merchant"]
    b = ctx.results["categorizer.za_household"]
    c = ctx.results["categorizer.za_cold_start"]
    assert c.requests == 451
    for m in (a, b, c):
        assert m.extra["directory"] is True
        assert set(m.extra["without_directory"]) == {"n", "accuracy", "coverage", "auto_precision", "auto_count"}
    # The fixtures hold 600 US rows (fewer after de-duplication) and the whole 451-row household.
    assert 500 < a.requests < 600
    assert b.requests == 451
    assert a.extra["sample"] == 4000
    for m in (a, b):
        assert 0.0 < m.extra["accuracy"] <= 1.0
        assert 0.0 < m.extra["coverage"] <= 1.0
        assert m.duration_s > 0
    # The household's repeat payees alone put it well above chance on 44 labels.
    assert b.extra["accuracy"] > 0.5
    # Accuracy and precision budgets for (a) and (b); (c) has a precision target only.
    assert len(evaluate(ctx.results)) == 5
