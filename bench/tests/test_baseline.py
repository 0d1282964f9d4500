"""The plain baseline's comparison: ours ÷ plain per figure, beside our trivial endpoint, in the summary."""

from __future__ import annotations

from bench.run import plain_database_url
from bench.stats import Measurement, baseline_comparison, baseline_table


def figure(rps: float, p50: float, connections: int = 16, errors: int = 0) -> dict:
    return Measurement("x", "GET", "/x", connections, 4.0, int(rps * 4), rps, p50, p50, p50, p50, errors).to_json()


OURS = {
    "trivial.16": figure(300.0, 40.0),
    "trivial.1": figure(150.0, 5.0, 1),
    "create.16": figure(150.0, 100.0),
    "list.first.1": figure(80.0, 12.0, 1),
    "list.first.16": figure(100.0, 150.0),
    "cached.balance.16": figure(450.0, 30.0),
    "cached.balance.1": figure(400.0, 2.0, 1),
    "cold.balance.1": figure(90.0, 11.0, 1),
}
PLAIN = {
    "plain.trivial.16": figure(600.0, 20.0),
    "plain.create.16": figure(500.0, 30.0, errors=3),
    "plain.list.first.1": figure(200.0, 4.0, 1),
    "plain.list.first.16": figure(250.0, 60.0),
    "plain.cached.balance.16": figure(900.0, 15.0),
    "plain.cached.balance.1": figure(800.0, 1.0, 1),
}


def test_comparison_has_the_ratio_and_the_trivial_ceiling_for_each_figure_both_apps_measured():
    rows = {row["operation"]: row for row in baseline_comparison(OURS, PLAIN)}
    assert list(rows) == [
        "trivial: GET me (16 conns)",
        "create transaction (16 conns)",
        "transactions list, first page (1 conn)",
        "transactions list, first page (16 conns)",
        "balance, cached (16 conns)",
        "balance, cached (1 conn)",
    ]
    create = rows["create transaction (16 conns)"]
    assert (create["ours"], create["plain"], create["ours_over_plain"], create["trivial"]) == (150.0, 500.0, 0.3, 300.0)
    assert create["errors"] == {"ours": 0, "plain": 3}
    listing = rows["transactions list, first page (1 conn)"]
    assert (listing["figure"], listing["ours_over_plain"], listing["trivial"]) == ("p50 ms", 3.0, 5.0)
    assert rows["balance, cached (16 conns)"]["ours_over_plain"] == 0.5


def test_comparison_leaves_out_figures_one_side_did_not_measure():
    ours = {k: v for k, v in OURS.items() if k != "create.16"}
    plain = {k: v for k, v in PLAIN.items() if k != "plain.cached.balance.1"}
    operations = [row["operation"] for row in baseline_comparison(ours, plain)]
    assert "create transaction (16 conns)" not in operations
    assert "balance, cached (1 conn)" not in operations
    assert baseline_comparison(OURS, {}) == []


def test_summary_table_prints_ours_plain_ratio_and_ceiling():
    table = baseline_table(baseline_comparison(OURS, PLAIN))
    lines = table.splitlines()
    assert lines[0] == "| operation | figure | ours | plain | ours ÷ plain | our trivial endpoint (ceiling) |"
    assert "| create transaction (16 conns) | req/s | 150 | 500 (3 errors) | ×0.3 | 300 req/s |" in lines
    assert "| transactions list, first page (1 conn) | p50 ms | 12 | 4 | ×3 | p50 5 ms |" in lines
    assert "| balance, cached (16 conns) | req/s | 450 | 900 | ×0.5 | 300 req/s |" in lines
    assert "| balance, cached (1 conn) | p50 ms | 2 | 1 | ×2 | p50 5 ms |" in lines
    assert "below ×1 means ours serves fewer" in table


def test_plain_database_is_ours_with_a_suffix_on_the_same_server():
    url = "postgres://postgres:secret@127.0.0.1:5432/finance_bench"
    assert plain_database_url(url) == "postgres://postgres:secret@127.0.0.1:5432/finance_bench_plain"
