"""Pure helpers of the benchmark runner: parsing wrk's summary, percentiles, budgets, the report.

Nothing here touches the network, the database or Django, so the suite tests
it directly (bench/tests/test_stats.py).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MARKER = "BENCH_JSON "


@dataclass
class Measurement:
    """One figure: a load of one kind against one endpoint."""

    name: str
    method: str
    path: str
    connections: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int = 0
    tool: str = "wrk"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_wrk(output: str) -> dict[str, Any]:
    """The summary line that bench/lua/common.lua writes at the end of a wrk run."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            data: dict[str, Any] = json.loads(line[len(MARKER) :])
            return data
    raise ValueError("wrk printed no BENCH_JSON summary line:\n" + output[-2000:])


def from_wrk(name: str, method: str, path: str, connections: int, summary: dict[str, Any]) -> Measurement:
    duration_s = summary["duration_us"] / 1e6
    lat = summary["latency_us"]
    errors = sum(int(v) for v in summary["errors"].values())
    return Measurement(
        name=name,
        method=method,
        path=path,
        connections=connections,
        duration_s=round(duration_s, 2),
        requests=int(summary["requests"]),
        rps=round(summary["requests"] / duration_s, 1) if duration_s else 0.0,
        p50_ms=round(lat["p50"] / 1000, 2),
        p90_ms=round(lat["p90"] / 1000, 2),
        p99_ms=round(lat["p99"] / 1000, 2),
        max_ms=round(lat["max"] / 1000, 2),
        errors=errors,
        extra={"wrk_errors": summary["errors"]},
    )


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest sample with at least ``pct`` % at or below it)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def from_samples(
    name: str,
    method: str,
    path: str,
    samples_ms: Sequence[float],
    elapsed_s: float,
    *,
    errors: int = 0,
    notes: str = "",
) -> Measurement:
    """A 1-connection figure timed by the Python client (one sample per request, in ms)."""
    return Measurement(
        name=name,
        method=method,
        path=path,
        connections=1,
        duration_s=round(elapsed_s, 2),
        requests=len(samples_ms),
        rps=round(len(samples_ms) / elapsed_s, 1) if elapsed_s else 0.0,
        p50_ms=round(percentile(samples_ms, 50), 2),
        p90_ms=round(percentile(samples_ms, 90), 2),
        p99_ms=round(percentile(samples_ms, 99), 2),
        max_ms=round(max(samples_ms), 2),
        errors=errors,
        tool="python http.client",
        notes=notes,
    )


# --- Budgets (docs/ARCHITECTURE.md, "Performance budget") -------------------------------------------


@dataclass
class Verdict:
    operation: str
    measured: str
    budget: str
    passed: bool | None  # None: informational, no budget

    @property
    def mark(self) -> str:
        return {True: "pass", False: "**over**", None: "info"}[self.passed]


CACHED_SHARE = 0.70
CACHED_P99_MS = 5.0
COLD_P99_MS = 15.0
CREATE_RPS = 650.0
LIST_P99_MS = 25.0
HASH_MS = (50.0, 250.0)
IMPORT_SECONDS = 15  # ARCHITECTURE.md: 100k rows with duplicate detection and categorization in ≤ 15 s
IMPORT_ROWS_PER_S = 100_000 / IMPORT_SECONDS  # the quick profile's 10k rows at the same rate
DASHBOARD_P99_MS = 300.0
# Categorizer evaluation (docs/categorization.md): accuracy per part, precision of auto-applied suggestions.
CATEGORIZER_ACCURACY = {"us_by_merchant": 0.95, "za_household": 0.85}
CATEGORIZER_PRECISION = 0.95


def evaluate(results: dict[str, Measurement], hash_ms: float | None = None) -> list[Verdict]:
    """Each measurement next to its budget; figures without a budget are informational."""
    verdicts: list[Verdict] = []
    trivial = results.get("trivial.16")
    for name, m in results.items():
        if name.startswith("reference."):
            continue  # shown as the cached figure's reference
        conns = f"{m.connections} conn{'s' if m.connections > 1 else ''}"
        latency = f"p50 {m.p50_ms} / p90 {m.p90_ms} / p99 {m.p99_ms} ms"
        label = f"{m.name} ({conns})"
        if name.startswith("categorizer."):
            verdicts.extend(_categorizer_verdicts(name.partition(".")[2], m))
            continue
        if name.startswith("parse."):
            verdicts.append(_parse_verdict(m))
            continue
        if m.errors:
            verdicts.append(Verdict(label, f"{m.rps} req/s, {m.errors} errors", "no errors", False))
            continue
        suffix = name.rpartition(".")[2]
        reference = m.extra.get("reference_rps") or (trivial.rps if trivial is not None else None)
        if name.startswith("cached.") and suffix == "16" and reference:
            share = m.rps / reference
            verdicts.append(
                Verdict(
                    label,
                    f"{m.rps} req/s = {share:.0%} of trivial ({reference} req/s just before)",
                    f"≥ {CACHED_SHARE:.0%} of trivial ({reference * CACHED_SHARE:.0f} req/s)",
                    share >= CACHED_SHARE,
                )
            )
        elif name.startswith("cached.") and suffix == "1":
            verdicts.append(Verdict(label, latency, f"p99 ≤ {CACHED_P99_MS:g} ms", m.p99_ms <= CACHED_P99_MS))
        elif name.startswith("cold."):
            verdicts.append(Verdict(label, latency, f"p99 ≤ {COLD_P99_MS:g} ms", m.p99_ms <= COLD_P99_MS))
        elif name == "create.16":
            verdicts.append(Verdict(label, f"{m.rps} req/s, {latency}", f"≥ {CREATE_RPS:g} req/s", m.rps >= CREATE_RPS))
        elif name.startswith("dashboard."):
            verdicts.append(Verdict(label, latency, f"p99 ≤ {DASHBOARD_P99_MS:g} ms", m.p99_ms <= DASHBOARD_P99_MS))
        elif name.startswith("list.") and suffix == "1":
            verdicts.append(Verdict(label, latency, f"p99 ≤ {LIST_P99_MS:g} ms", m.p99_ms <= LIST_P99_MS))
        elif name.startswith("import."):
            verdicts.append(
                Verdict(
                    m.name,
                    f"{m.duration_s} s, {m.rps:,.0f} rows/s",
                    f"100k rows ≤ {IMPORT_SECONDS} s (≥ {IMPORT_ROWS_PER_S:,.0f} rows/s)",
                    m.rps >= IMPORT_ROWS_PER_S,
                )
            )
        else:
            verdicts.append(Verdict(label, f"{m.rps} req/s, {latency}", "—", None))
    if hash_ms is not None:
        low, high = HASH_MS
        verdicts.append(
            Verdict(
                "Argon2 password hash (one verify)", f"{hash_ms:.0f} ms", f"{low:g}–{high:g} ms", low <= hash_ms <= high
            )
        )
    return verdicts


def from_categorizer_report(report: dict[str, Any]) -> dict[str, Measurement]:
    """``manage.py evaluate_categorizer --json`` as one figure per part (``categorizer.<part>``).

    The scores sit in ``extra``; ``duration_s`` is the whole evaluation's time (every part runs in one call).
    A part measured with the merchant directory (``<part>+directory``, the product as ``make models`` sets it
    up) is the figure, and its scores without the directory are in ``extra["without_directory"]``.
    """
    parts = {
        "us_by_merchant": ("model", "(a) US set, merchants never seen"),
        "za_household": ("combined", "(b) ZA household"),
        "za_cold_start": ("every_row", "(c) ZA household, no history"),
    }
    results = {}
    for part, (scores_key, title) in parts.items():
        without = report.get(part)
        chosen = report.get(f"{part}+directory") or without
        if chosen is None:
            continue
        scores = chosen[scores_key]
        results[f"categorizer.{part}"] = Measurement(
            name=f"categorizer {title}",
            method="",
            path="manage.py evaluate_categorizer",
            connections=1,
            duration_s=float(report["seconds"]),
            requests=int(scores["n"]),
            rps=0.0,
            p50_ms=0.0,
            p90_ms=0.0,
            p99_ms=0.0,
            max_ms=0.0,
            tool="manage.py evaluate_categorizer",
            notes=chosen["method"],
            extra={
                "accuracy": scores["accuracy"],
                "coverage": scores["coverage"],
                "auto_precision": scores["auto_precision"],
                "sample": report.get("sample"),
                "threshold": report["threshold"],
                "directory": chosen is not without,
                "without_directory": without[scores_key] if without is not None and chosen is not without else None,
            },
        )
    return results


def from_adversarial_report(report: dict[str, Any]) -> dict[str, Measurement]:
    """``manage.py bench_import_parse --adversarial --json`` as one figure per hostile file (``parse.<case>``).

    ``duration_s`` is the CPU time of the larger file; ``extra`` keeps the smaller one's, the growth between
    them, what came of the parse and the budget the command states (it defines it, next to the files).
    """
    results = {}
    budget = report["budget"]
    for case, figures in report["cases"].items():
        results[f"parse.{case}"] = Measurement(
            name=f"hostile {figures['format']} file: {case}",
            method=figures["format"],
            path="manage.py bench_import_parse --adversarial",
            connections=1,
            duration_s=figures["seconds"],
            requests=1,
            rps=0.0,
            p50_ms=0.0,
            p90_ms=0.0,
            p99_ms=0.0,
            max_ms=round(figures["seconds"] * 1000, 1),
            tool="in-process (parsers), CPU time, best of 3",
            notes=figures["outcome"],
            extra={
                "bytes": figures["bytes"],
                "seconds_half": figures["seconds_half"],
                "growth": figures["growth"],
                "budget_seconds": budget["seconds"],
                "budget_growth": budget["growth"],
            },
        )
    return results


def _parse_verdict(m: Measurement) -> Verdict:
    kib = m.extra["bytes"] // 1024
    seconds, growth = m.extra["budget_seconds"], m.extra["budget_growth"]
    return Verdict(
        m.name,
        f"{kib:,} KiB in {m.duration_s:g} s CPU ({m.notes}); x{m.extra['growth']:g} from half the size",
        f"≤ {seconds:g} s, x ≤ {growth:g} per doubling",
        m.duration_s <= seconds and m.extra["growth"] <= growth,
    )


def _categorizer_verdicts(part: str, m: Measurement) -> list[Verdict]:
    accuracy, coverage, precision = (m.extra["accuracy"], m.extra["coverage"], m.extra["auto_precision"])
    rows = f"{m.requests} rows" + (f" (sample {m.extra['sample']})" if m.extra.get("sample") else "")
    verdicts = []
    target = CATEGORIZER_ACCURACY.get(part)  # the cold start (c) has a precision target only
    if target is not None:
        verdicts.append(
            Verdict(
                f"{m.name}: accuracy",
                f"{accuracy:.1%} of {rows}; {m.duration_s:g} s for the evaluation",
                f"≥ {target:.0%}",
                accuracy >= target,
            )
        )
    return [
        *verdicts,
        Verdict(
            f"{m.name}: precision of auto-applied",
            "nothing auto-applied"
            if precision is None
            else f"{precision:.1%} at coverage {coverage:.1%} (threshold {m.extra['threshold']:g})",
            f"≥ {CATEGORIZER_PRECISION:.0%}",
            precision is not None and precision >= CATEGORIZER_PRECISION,
        ),
    ]


def markdown_table(verdicts: Iterable[Verdict], pending: Iterable[tuple[str, str, str]] = ()) -> str:
    lines = ["| operation | measured | budget | result |", "|---|---|---|---|"]
    lines += [f"| {v.operation} | {v.measured} | {v.budget} | {v.mark} |" for v in verdicts]
    lines += [f"| {name} | not measured: {reason} | {budget} | n/a |" for name, budget, reason in pending]
    return "\n".join(lines)


def fingerprint(files: Iterable[Path], root: Path, *extra: str) -> str:
    """A digest of the files (path and content) and extra strings: what a data set was built from."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    for item in extra:
        digest.update(item.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


# --- The plain baseline (bench/plain): ours next to a minimal Django + DRF app, same run ----------------

# (operation, our key, the plain app's key, figure): "rps" compares throughput, "p50" the median latency.
BASELINE_PAIRS: list[tuple[str, str, str, str]] = [
    ("trivial: GET me (16 conns)", "trivial.16", "plain.trivial.16", "rps"),
    ("create transaction (16 conns)", "create.16", "plain.create.16", "rps"),
    ("transactions list, first page (1 conn)", "list.first.1", "plain.list.first.1", "p50"),
    ("transactions list, first page (16 conns)", "list.first.16", "plain.list.first.16", "rps"),
    ("balance, cached (16 conns)", "cached.balance.16", "plain.cached.balance.16", "rps"),
    ("balance, cached (1 conn)", "cached.balance.1", "plain.cached.balance.1", "p50"),
]


def baseline_comparison(ours: dict[str, dict[str, Any]], plain: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each figure measured on both apps: ours, plain, ours ÷ plain, and our trivial endpoint's figure (the
    stack's ceiling) beside it. Takes the results file's JSON form (``Measurement.to_json``)."""
    rows = []
    for operation, our_key, plain_key, figure in BASELINE_PAIRS:
        if our_key not in ours or plain_key not in plain:
            continue
        field_name = "rps" if figure == "rps" else "p50_ms"
        mine, theirs = ours[our_key][field_name], plain[plain_key][field_name]
        trivial = ours.get("trivial.16" if figure == "rps" else "trivial.1")
        rows.append(
            {
                "operation": operation,
                "figure": "req/s" if figure == "rps" else "p50 ms",
                "ours": mine,
                "plain": theirs,
                "ours_over_plain": round(mine / theirs, 2) if theirs else None,
                "trivial": trivial[field_name] if trivial else None,
                "errors": {"ours": ours[our_key].get("errors", 0), "plain": plain[plain_key].get("errors", 0)},
            }
        )
    return rows


def baseline_table(rows: Iterable[dict[str, Any]]) -> str:
    """The comparison as a Markdown table, with how to read the ratio."""
    lines = [
        "| operation | figure | ours | plain | ours ÷ plain | our trivial endpoint (ceiling) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        errors = row["errors"]
        ours = f"{row['ours']:g}" + (f" ({errors['ours']} errors)" if errors["ours"] else "")
        plain = f"{row['plain']:g}" + (f" ({errors['plain']} errors)" if errors["plain"] else "")
        ratio = "—" if row["ours_over_plain"] is None else f"×{row['ours_over_plain']:g}"
        trivial = "—"
        if row["trivial"] is not None:
            trivial = f"{row['trivial']:g} req/s" if row["figure"] == "req/s" else f"p50 {row['trivial']:g} ms"
        lines.append(f"| {row['operation']} | {row['figure']} | {ours} | {plain} | {ratio} | {trivial} |")
    lines.append("")
    lines.append("req/s: ours ÷ plain below ×1 means ours serves fewer; p50 ms: above ×1 means ours answers slower.")
    return "\n".join(lines)
