"""The runner's pure helpers: wrk's summary line, percentiles, budgets and the report table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.stats import (
    Measurement,
    evaluate,
    fingerprint,
    from_adversarial_report,
    from_samples,
    from_wrk,
    markdown_table,
    parse_wrk,
    percentile,
)

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/api/v1/auth/me/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.01ms    3.10ms  40.00ms   70.00%
  12000 requests in 10.00s, 4.00MB read
Requests/sec:   1200.00
Transfer/sec:    409.60KB
BENCH_JSON {"requests": 12000, "duration_us": 10000000, "bytes": 4194304, "errors": {"connect": 0, "read": 0, \
"write": 0, "status": 0, "timeout": 0}, "latency_us": {"p50": 11800, "p90": 15500, "p99": 24990, "max": 40000, \
"mean": 12010.5}}
"""


def measurement(name: str, rps: float, p99: float, connections: int = 16, errors: int = 0) -> Measurement:
    return Measurement(name, "GET", "/x", connections, 10.0, int(rps * 10), rps, p99 / 2, p99 * 0.8, p99, p99, errors)


def test_parse_wrk_reads_the_summary_line():
    summary = parse_wrk(WRK_OUTPUT)
    assert summary["requests"] == 12000
    assert summary["latency_us"]["p99"] == 24990


def test_parse_wrk_without_summary_fails_clearly():
    with pytest.raises(ValueError, match="BENCH_JSON"):
        parse_wrk("Running 10s test\nunable to connect to 127.0.0.1:1 Connection refused\n")


def test_from_wrk_converts_units():
    m = from_wrk("trivial", "GET", "/api/v1/auth/me/", 16, parse_wrk(WRK_OUTPUT))
    assert (m.rps, m.requests, m.duration_s) == (1200.0, 12000, 10.0)
    assert (m.p50_ms, m.p90_ms, m.p99_ms, m.max_ms) == (11.8, 15.5, 24.99, 40.0)
    assert m.errors == 0


def test_from_wrk_counts_every_kind_of_error():
    summary = parse_wrk(WRK_OUTPUT)
    summary["errors"] = {"connect": 1, "read": 2, "write": 0, "status": 5, "timeout": 1}
    assert from_wrk("x", "GET", "/", 16, summary).errors == 9


def test_percentile_is_nearest_rank():
    samples = list(range(1, 101))
    assert percentile(samples, 50) == 50
    assert percentile(samples, 90) == 90
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)


def test_from_samples_uses_one_connection():
    m = from_samples("cold", "GET", "/a", [float(x) for x in range(1, 201)], 4.0)
    assert (m.connections, m.requests, m.rps) == (1, 200, 50.0)
    assert (m.p50_ms, m.p90_ms, m.p99_ms, m.max_ms) == (100.0, 180.0, 198.0, 200.0)


def test_evaluate_applies_each_budget():
    results = {
        "trivial.16": measurement("trivial", 1000, 30),
        "cached.balance.16": measurement("balance, cached", 700, 30),
        "cached.summary.16": measurement("summary, cached", 699, 30),
        "cached.balance.1": measurement("balance, cached", 300, 5.0, connections=1),
        "cached.summary.1": measurement("summary, cached", 300, 5.01, connections=1),
        "cold.balance.1": measurement("balance, cold", 80, 15.0, connections=1),
        "create.16": measurement("create", 649.9, 40),
        "list.deep.1": measurement("deep page", 60, 26, connections=1),
        "list.first.16": measurement("first page", 300, 60),
        "login.16": measurement("sign-in", 12, 900, errors=3),
    }
    results["cached.categories.16"] = measurement("categories, cached", 600, 30)
    results["cached.categories.16"].extra["reference_rps"] = 800.0  # the trivial run just before it
    marks = {v.operation: v.passed for v in evaluate(results, hash_ms=120)}
    assert marks["categories, cached (16 conns)"] is True  # 75 % of its own reference, 60 % of the first
    assert marks["trivial (16 conns)"] is None
    assert marks["balance, cached (16 conns)"] is True
    assert marks["summary, cached (16 conns)"] is False
    assert marks["balance, cached (1 conn)"] is True
    assert marks["summary, cached (1 conn)"] is False
    assert marks["balance, cold (1 conn)"] is True
    assert marks["create (16 conns)"] is False
    assert marks["deep page (1 conn)"] is False
    assert marks["first page (16 conns)"] is None
    assert marks["sign-in (16 conns)"] is False  # errors fail any figure
    assert marks["Argon2 password hash (one verify)"] is True
    assert {v.operation: v.passed for v in evaluate({}, hash_ms=300)}["Argon2 password hash (one verify)"] is False


def test_markdown_table_lists_verdicts_and_pending():
    verdicts = evaluate({"create.16": measurement("create", 700, 40)})
    table = markdown_table(verdicts, [("dashboard", "≤ 300 ms", "not built yet")])
    lines = table.splitlines()
    assert lines[0] == "| operation | measured | budget | result |"
    assert lines[2].startswith("| create (16 conns) | 700 req/s")
    assert lines[2].endswith("| pass |")
    assert lines[3] == "| dashboard | not measured: not built yet | ≤ 300 ms | n/a |"


def test_fingerprint_follows_content_and_extras(tmp_path: Path):
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    first = fingerprint([a], tmp_path, "2026-11")
    assert fingerprint([a], tmp_path, "2026-11") == first
    assert fingerprint([a], tmp_path, "2026-12") != first
    a.write_text("x = 2\n")
    assert fingerprint([a], tmp_path, "2026-11") != first


def test_import_budget_is_a_rate_of_100k_rows_in_15_seconds():
    def imported(name: str, rows: int, seconds: float, errors: int = 0) -> Measurement:
        m = measurement(name, round(rows / seconds, 1), 0, connections=1, errors=errors)
        m.duration_s = seconds
        return m

    verdicts = evaluate(
        {
            "import.a": imported("100k in 14.9 s", 100_000, 14.9),
            "import.b": imported("10k in 1.45 s", 10_000, 1.45),
            "import.c": imported("10k in 1.55 s", 10_000, 1.55),
            "import.d": imported("100k, ledger differs", 100_000, 10, errors=1),
        }
    )
    marks = {v.operation: (v.passed, v.measured) for v in verdicts}
    assert marks["100k in 14.9 s"] == (True, "14.9 s, 6,711 rows/s")
    assert marks["10k in 1.45 s"][0] is True
    assert marks["10k in 1.55 s"] == (False, "1.55 s, 6,452 rows/s")
    assert marks["100k, ledger differs (1 conn)"][0] is False
    assert {v.budget for v in verdicts if v.passed is not None and "differs" not in v.operation} == {
        "100k rows ≤ 15 s (≥ 6,667 rows/s)"
    }


def test_hostile_files_are_held_to_the_budget_the_command_states():
    report = {
        "kib": 1024,
        "budget": {"seconds": 5.0, "growth": 2.6},
        "cases": {
            "ofx_repeated_leaves": {
                "format": "ofx",
                "bytes": 2_097_152,
                "seconds": 0.9,
                "seconds_half": 0.4,
                "growth": 2.25,
                "outcome": "1 rows",
                "passed": True,
            },
            "camt_deep": {
                "format": "camt053",
                "bytes": 2_097_152,
                "seconds": 4.0,
                "seconds_half": 1.0,
                "growth": 4.0,
                "outcome": "1 rows",
                "passed": False,
            },
            "qif_repeated_field": {
                "format": "qif",
                "bytes": 2_097_152,
                "seconds": 5.5,
                "seconds_half": 2.7,
                "growth": 2.04,
                "outcome": "refused: invalid_file",
                "passed": False,
            },
        },
    }
    results = from_adversarial_report(report)
    assert set(results) == {"parse.ofx_repeated_leaves", "parse.camt_deep", "parse.qif_repeated_field"}
    verdicts = {v.operation: v for v in evaluate(results)}
    fast = verdicts["hostile ofx file: ofx_repeated_leaves"]
    assert fast.passed is True
    assert fast.measured == "2,048 KiB in 0.9 s CPU (1 rows); x2.25 from half the size"
    assert fast.budget == "≤ 5 s, x ≤ 2.6 per doubling"
    assert verdicts["hostile camt053 file: camt_deep"].passed is False  # quadratic growth
    assert verdicts["hostile qif file: qif_repeated_field"].passed is False  # over the time
