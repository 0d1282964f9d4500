"""The benchmark suite: `make bench` (full) and `make bench-quick` (~1 minute, 100k set only).

What it does, in order (docs/benchmarks.md explains each figure):

1. Prepares its own PostgreSQL database (``finance_bench`` unless
   ``DATABASE_URL`` is set) with the data sets, built by
   ``manage.py generate_demo_data`` and kept between runs: the database's
   comment holds a fingerprint of the generator code, the migrations, the set
   sizes and the month, and a set is rebuilt only when that changes.
2. Starts gunicorn with ``config.settings.production`` (a fresh random
   ``SECRET_KEY``, ``API_THROTTLE=off``) on a free port of 127.0.0.1, and
   stops it at the end, also on failure or Ctrl-C.
3. Loads it with wrk (bench/lua/*.lua) and, for figures wrk cannot isolate,
   a one-connection Python client; every run is bounded in time and
   connections and aimed at 127.0.0.1 only.
4. Measures the plain baseline (``bench/plain``, a minimal Django + DRF app in
   its own database ``<ours>_plain``) under the same gunicorn configuration
   with the same wrk scripts: trivial, cached balance, create, list.
5. Writes ``bench/results/<date>-<commit>.json`` and prints a Markdown table
   of each figure next to its budget from ARCHITECTURE.md, then ours next to
   the plain baseline (ours ÷ plain, beside our trivial endpoint's figure).

Extension points: scenarios are entries of ``SCENARIOS`` (name -> function
taking the run context); budgets for features that do not exist yet are listed
in ``PENDING`` and shown as "not measured" until a scenario replaces them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import http.cookies
import importlib.metadata
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import (
    Measurement,
    baseline_comparison,
    baseline_table,
    evaluate,
    fingerprint,
    from_adversarial_report,
    from_categorizer_report,
    from_samples,
    from_wrk,
    markdown_table,
    parse_wrk,
)

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
RESULTS = ROOT / "bench" / "results"
PY = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/finance_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/10"
HOST = "127.0.0.1"

# The data sets: (user, transactions). The user's password is username + "-password-1".
SETS = {"100k": ("bench100k", 100_000), "1m": ("bench1m", 1_000_000)}
SEED = 2026
YEARS = 5


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Settings of one run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How long and how hard each kind of load runs."""

    name: str
    sets: tuple[str, ...]
    seconds: int  # each wrk run
    latency_seconds: int  # each 1-connection wrk run
    cold_reads: int  # write-then-read pairs per analytics endpoint
    deep_rows: int  # how deep the deep page is
    compare_servers: bool


FULL = Profile(
    "full", ("100k", "1m"), seconds=12, latency_seconds=10, cold_reads=200, deep_rows=10_000, compare_servers=True
)
QUICK = Profile("quick", ("100k",), seconds=4, latency_seconds=3, cold_reads=60, deep_rows=2_000, compare_servers=False)


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # "sync" or "gthread"
    workers: int
    threads: int = 1

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread, {self.workers} workers x {self.threads} threads"
        return f"sync, {self.workers} workers"

    def args(self) -> list[str]:
        args = ["--worker-class", self.worker_class, "--workers", str(self.workers)]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args


def server_configs(chosen: str = "gthread") -> tuple[ServerConfig, ServerConfig]:
    """The chosen configuration and the one compared against it (docs/benchmarks.md says why)."""
    cores = os.cpu_count() or 1
    sync = ServerConfig("sync", 2 * cores + 1)
    gthread = ServerConfig("gthread", cores + 1, threads=4)
    return (sync, gthread) if chosen == "sync" else (gthread, sync)


@dataclass
class Context:
    profile: Profile
    database_url: str
    redis_url: str
    broker_url: str
    base_env: dict[str, str]
    port: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    households: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, Measurement] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


# --- Processes --------------------------------------------------------------------------------------------


def manage(ctx: Context, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own manage.py with fixed arguments
        [PY, "manage.py", *args], cwd=ROOT, env=ctx.base_env, text=True, capture_output=True, check=check
    )


def django_op(ctx: Context, call: str) -> dict[str, Any]:
    done = manage(ctx, "shell", "-c", f"import bench.django_ops as ops; ops.{call}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(
    ctx: Context,
    config: ServerConfig,
    *,
    app: str = "config.wsgi:application",
    settings: str = "config.settings.production",
    env_overrides: dict[str, str] | None = None,
) -> Iterator[None]:
    ctx.port = free_port()
    env = {
        **ctx.base_env,
        "DJANGO_SETTINGS_MODULE": settings,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "API_THROTTLE": "off",
        **(env_overrides or {}),
    }
    logfile = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        str(Path(PY).parent / "gunicorn"),
        app,
        "--bind",
        f"{HOST}:{ctx.port}",
        *config.args(),
        "--backlog",
        "256",
    ]
    log(f"starting gunicorn {app} ({config.label}) on {HOST}:{ctx.port}, log {logfile.name}")
    process = subprocess.Popen(  # noqa: S603 - the project's own server with fixed arguments
        command, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {logfile.name}")
            try:
                status, _ = request(ctx, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz in 30 s; see {logfile.name}")
            time.sleep(0.2)
        yield
    finally:
        stop(process)
        logfile.close()


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop the server we started (its own process group) and wait for it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- HTTP ----------------------------------------------------------------------------------------------------


def request(
    ctx: Context,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    own = conn is None
    connection = conn or http.client.HTTPConnection(HOST, ctx.port, timeout=30)
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        if own:
            connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return response.status, parsed


def login(ctx: Context, username: str) -> str:
    status, body = request(
        ctx, "POST", "/api/v1/auth/login/", {"username": username, "password": f"{username}-password-1"}
    )
    if status != 200:
        raise RuntimeError(f"login as {username} failed: {status} {body}")
    token: str = body["access"]
    return token


def wrk(
    ctx: Context,
    key: str,
    label: str,
    method: str,
    path: str,
    script: str,
    connections: int,
    seconds: int,
    env: dict[str, str] | None = None,
) -> Measurement:
    threads = 1 if connections == 1 else min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str((LUA / script).relative_to(ROOT)),
        ctx.base_url + path,
    ]
    done = subprocess.run(  # noqa: S603 - wrk with fixed arguments against 127.0.0.1
        command, cwd=ROOT, env={**os.environ, **(env or {})}, text=True, capture_output=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    measurement = from_wrk(label, method, path, connections, parse_wrk(done.stdout))
    ctx.results[key] = measurement
    log(
        f"{label:<42} {connections:>2} conn  {measurement.rps:>8.1f} req/s  "
        f"p50 {measurement.p50_ms:6.2f}  p90 {measurement.p90_ms:6.2f}  p99 {measurement.p99_ms:6.2f} ms"
        + (f"  ERRORS {measurement.errors}" if measurement.errors else "")
    )
    return measurement


def record(ctx: Context, key: str, measurement: Measurement) -> None:
    ctx.results[key] = measurement
    log(
        f"{measurement.name:<42} {measurement.connections:>2} conn  {measurement.rps:>8.1f} req/s  "
        f"p50 {measurement.p50_ms:6.2f}  p90 {measurement.p90_ms:6.2f}  p99 {measurement.p99_ms:6.2f} ms"
        + (f"  ERRORS {measurement.errors}" if measurement.errors else "")
    )


# --- Data sets --------------------------------------------------------------------------------------------------


# The apps whose tables the generator fills. Other apps' migrations are applied to the kept data
# sets by the `migrate` every run starts with, as they would be in production.
DATA_APPS = ("users", "households", "currency", "ledger")


def code_fingerprint() -> str:
    files = [
        ROOT / "finance" / "demo" / "ledger.py",
        ROOT / "finance" / "ledger" / "bulk.py",
        ROOT / "finance" / "ledger" / "verify.py",
        ROOT / "finance" / "demo" / "management" / "commands" / "generate_demo_data.py",
        *(path for app in DATA_APPS for path in ROOT.glob(f"finance/{app}/migrations/*.py")),
    ]
    month = dt.date.today().strftime("%Y-%m")  # the generator's data ends today  # noqa: DTZ011
    return fingerprint(files, ROOT, month, str(SEED), str(YEARS))


def _pg(url: str, dbname: str | None = None) -> Any:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname=dbname or parts.path.lstrip("/"),
        autocommit=True,
    )


def prepare_data(ctx: Context) -> None:
    from psycopg import sql

    dbname = urllib.parse.urlsplit(ctx.database_url).path.lstrip("/")
    code = code_fingerprint()
    with _pg(ctx.database_url, "postgres") as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
        state: dict[str, Any] = {}
        if row is not None and row[0]:
            with contextlib.suppress(ValueError):
                state = json.loads(row[0])
        if row is not None and "code" not in state:
            with _pg(ctx.database_url) as existing:
                tables = existing.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            if tables and tables[0]:
                raise SystemExit(
                    f"{dbname} has tables but was not made by the benchmarks; it will not be touched. "
                    "Point DATABASE_URL at a database of its own (default: finance_bench)."
                )
        if row is not None and state.get("code") != code:
            log(f"data sets in {dbname} were built from other code or another month: rebuilding the database")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
            row, state = None, {}
        if row is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        state["code"] = code
        state.setdefault("sets", {})
        log("migrating the bench database")
        manage(ctx, "migrate", "--noinput", "-v0")
        for name in ctx.profile.sets:
            username, size = SETS[name]
            built = state["sets"].get(name)
            if built is not None:
                log(f"data set {name}: reusing ({built['transactions']} transactions, built in {built['seconds']} s)")
                ctx.facts.setdefault("datasets", {})[name] = {**built, "reused": True}
                continue
            log(f"data set {name}: generating {size} transactions for {username}")
            started = time.perf_counter()
            done = manage(ctx, "generate_demo_data", username, "--transactions", str(size), "--seed", str(SEED))
            seconds = round(time.perf_counter() - started, 1)
            log(f"  {done.stdout.strip()} (command wall time {seconds} s)")
            count = django_op(ctx, f"info({username!r})")["transactions"]
            state["sets"][name] = {"user": username, "transactions": count, "seconds": seconds}
            ctx.facts.setdefault("datasets", {})[name] = {**state["sets"][name], "reused": False}
            admin.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(dbname), sql.Literal(json.dumps(state)))
            )
    for name in ctx.profile.sets:
        username, _ = SETS[name]
        removed = django_op(ctx, f"cleanup({username!r})")["removed"]
        if removed:
            log(f"data set {name}: removed {removed} rows left by an earlier run's load")
        ctx.households[name] = django_op(ctx, f"info({username!r})")


# --- Scenarios -----------------------------------------------------------------------------------------------

ANALYTICS = [
    ("balance", "/api/v1/analytics/balance/"),
    ("summary", "/api/v1/analytics/summary/"),
    ("categories", "/api/v1/analytics/categories/"),
]


def token_env(ctx: Context, name: str) -> dict[str, str]:
    return {"BENCH_TOKEN": ctx.tokens[name]}


def scenario_trivial(ctx: Context) -> None:
    """GET /api/v1/auth/me/: authentication, one user row, JSON: the stack's ceiling."""
    p = ctx.profile
    path = "/api/v1/auth/me/"
    wrk(ctx, "trivial.16", "trivial: GET auth/me", "GET", path, "get.lua", 16, p.seconds, token_env(ctx, "100k"))
    wrk(ctx, "trivial.1", "trivial: GET auth/me", "GET", path, "get.lua", 1, p.latency_seconds, token_env(ctx, "100k"))


def scenario_cached_analytics(ctx: Context) -> None:
    p = ctx.profile
    for name, path in ANALYTICS:
        status, body = request(ctx, "GET", path, token=ctx.tokens["100k"])  # warm the cache
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body}")
        env = token_env(ctx, "100k")
        # The trivial endpoint again right before, so the share compares runs seconds apart: other work on a
        # shared machine moves absolute throughput more than the difference being measured.
        reference = wrk(
            ctx,
            f"reference.{name}.16",
            "trivial: GET auth/me",
            "GET",
            "/api/v1/auth/me/",
            "get.lua",
            16,
            p.seconds,
            env,
        )
        cached = wrk(ctx, f"cached.{name}.16", f"{name}, cached", "GET", path, "get.lua", 16, p.seconds, env)
        cached.extra["reference_rps"] = reference.rps
        wrk(ctx, f"cached.{name}.1", f"{name}, cached", "GET", path, "get.lua", 1, p.latency_seconds, env)


def transaction_body(ctx: Context, i: int) -> dict[str, Any]:
    h = ctx.households["100k"]
    today = dt.date.today()  # noqa: DTZ011
    return {
        "account": h["accounts"][i % len(h["accounts"])],
        "type": "expense",
        "amount": f"{1 + i % 150}.{i % 100:02d}",
        "date": today.replace(day=1 + i % 28).isoformat(),
        "category": h["categories"][i % len(h["categories"])],
        "payee": f"Bench Store {i % 50}",
        "reference_number": "bench-load",
    }


def scenario_cold_analytics(ctx: Context) -> None:
    """One connection: POST a transaction (bumps the household's cache version), then time one GET."""
    token = ctx.tokens["100k"]
    for name, path in ANALYTICS:
        conn = http.client.HTTPConnection(HOST, ctx.port, timeout=30)
        samples: list[float] = []
        errors = 0
        started = time.perf_counter()
        deadline = time.monotonic() + 60
        try:
            for i in range(ctx.profile.cold_reads):
                status, _ = request(ctx, "POST", "/api/v1/transactions/", transaction_body(ctx, i), token, conn)
                errors += status != 201
                t0 = time.perf_counter_ns()
                status, _ = request(ctx, "GET", path, token=token, conn=conn)
                samples.append((time.perf_counter_ns() - t0) / 1e6)
                errors += status != 200
                if time.monotonic() > deadline:
                    break
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        record(
            ctx,
            f"cold.{name}.1",
            from_samples(
                f"{name}, first read after a write",
                "GET",
                path,
                samples,
                elapsed,
                errors=errors,
                notes="each GET follows a POST /transactions/ on the same connection; only the GETs are timed",
            ),
        )


def scenario_create(ctx: Context) -> None:
    """16 connections creating expenses in the 100k household, then verify_ledger on it."""
    h = ctx.households["100k"]
    env = {
        **token_env(ctx, "100k"),
        "BENCH_ACCOUNTS": ",".join(h["accounts"]),
        "BENCH_CATEGORIES": ",".join(h["categories"]),
        "BENCH_MONTH": dt.date.today().strftime("%Y-%m"),  # noqa: DTZ011
    }
    path = "/api/v1/transactions/"
    wrk(ctx, "create.16", "create transaction", "POST", path, "create_transaction.lua", 16, ctx.profile.seconds, env)
    started = time.perf_counter()
    done = manage(ctx, "verify_ledger", "--household", h["household"], check=False)
    ctx.facts["verify_ledger"] = {
        "household": h["household"],
        "exit_code": done.returncode,
        "output": (done.stdout + done.stderr).strip(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    log(f"verify_ledger after the create load: exit {done.returncode}: {(done.stdout + done.stderr).strip()}")


def scenario_list(ctx: Context) -> None:
    """The transactions list at 1M rows (or the largest set of the run): first page and a deep page."""
    name = "1m" if "1m" in ctx.profile.sets else "100k"
    token = ctx.tokens[name]
    first = "/api/v1/transactions/"
    conn = http.client.HTTPConnection(HOST, ctx.port, timeout=30)
    url: str | None = first
    rows = 0
    started = time.perf_counter()
    try:
        while rows < ctx.profile.deep_rows:
            assert url is not None
            status, body = request(ctx, "GET", url, token=token, conn=conn)
            if status != 200:
                raise RuntimeError(f"GET {url}: {status} {body}")
            rows += len(body["results"])
            if not body["next"]:
                raise RuntimeError(f"the list ended after {rows} rows")
            parts = urllib.parse.urlsplit(body["next"])
            url = f"{parts.path}?{parts.query}"
    finally:
        conn.close()
    log(f"followed next to {rows} rows deep in {time.perf_counter() - started:.1f} s")
    assert url is not None
    env = token_env(ctx, name)
    p = ctx.profile
    set_label = "1M" if name == "1m" else "100k"
    wrk(
        ctx,
        "list.first.1",
        f"transactions list at {set_label}, first page",
        "GET",
        first,
        "get.lua",
        1,
        p.latency_seconds,
        env,
    )
    wrk(
        ctx,
        "list.deep.1",
        f"transactions list at {set_label}, {rows} rows deep",
        "GET",
        url,
        "get.lua",
        1,
        p.latency_seconds,
        env,
    )
    wrk(
        ctx,
        "list.first.16",
        f"transactions list at {set_label}, first page",
        "GET",
        first,
        "get.lua",
        16,
        p.seconds,
        env,
    )
    ctx.facts["deep_page"] = {"set": name, "rows_deep": rows, "url": url}


def scenario_login(ctx: Context) -> None:
    """Sign-in throughput: Argon2 costs 50–250 ms of CPU per attempt by design, so 4 connections already
    keep both cores busy; more would only queue (and hit wrk's timeout) without adding throughput."""
    username, _ = SETS["100k"]
    env = {"BENCH_USERNAME": username, "BENCH_PASSWORD": f"{username}-password-1"}
    path = "/api/v1/auth/login/"
    wrk(ctx, "login.4", "sign-in (Argon2 verify)", "POST", path, "login.lua", 4, ctx.profile.seconds, env)


# Rows of the generated CSV per profile: the budget is for 100k; quick imports 10k at the same rate.
IMPORT_ROWS = {"full": 100_000, "quick": 10_000}


def scenario_import(ctx: Context) -> None:
    """A CSV import end to end, in-process through the import services (``manage.py bench_import``).

    Upload + analysis (parsing, duplicate detection against the 100k household's existing rows,
    categorization) and commit are timed; then the batch is reverted, ``verify_ledger`` checked after both, and
    the batch and its stored file deleted. A verify difference or a failed command counts as an error.
    """
    rows = IMPORT_ROWS[ctx.profile.name]
    username, _ = SETS["100k"]
    done = manage(ctx, "bench_import", "--rows", str(rows), "--username", username, "--json", "--cleanup", check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"bench_import failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    figures = json.loads(lines[-1][len("BENCH_JSON ") :])
    seconds = figures["total_s"]
    errors = figures["verify_after_commit"] + figures.get("verify_after_revert", 0)
    record(
        ctx,
        "import.csv",
        Measurement(
            name=f"file import, {rows:,} CSV rows",
            method="CSV",
            path="manage.py bench_import",
            connections=1,
            duration_s=seconds,
            requests=rows,
            rps=round(rows / seconds, 1),
            p50_ms=0.0,
            p90_ms=0.0,
            p99_ms=0.0,
            max_ms=round(seconds * 1000, 1),
            errors=errors,
            tool="in-process (import services)",
            notes="upload + analysis + commit; revert and verify_ledger afterwards",
            extra=figures,
        ),
    )


def scenario_import_adversarial(ctx: Context) -> None:
    """Hostile statement files of every format (``manage.py bench_import_parse --adversarial --json``): each
    parsed or refused at 1 MiB and 2 MiB (best of 3; of 2 in the quick profile), in its own process, no server.
    The command states the budget: the 2 MiB file within a few seconds of CPU, and the time at most x2.6 when
    the file doubles (linear)."""
    repeat = "2" if ctx.profile.name == "quick" else "3"
    done = manage(ctx, "bench_import_parse", "--adversarial", "--json", "--repeat", repeat, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"bench_import_parse failed ({done.returncode}): {done.stderr[-2000:]}")
    for key, measurement in from_adversarial_report(json.loads(lines[-1][len("BENCH_JSON ") :])).items():
        record(ctx, key, measurement)


def web_session(ctx: Context, username: str) -> str:
    """Sign in to the web app as a browser does (CSRF cookie and form token); the Cookie header to send."""
    conn = http.client.HTTPConnection(HOST, ctx.port, timeout=30)
    try:
        conn.request("GET", "/login/")
        response = conn.getresponse()
        page = response.read().decode()
        jar = http.cookies.SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if match is None or "csrftoken" not in jar:
            raise RuntimeError("the sign-in page has no CSRF token")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": f"{username}-password-1"}
        )
        conn.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={jar['csrftoken'].value}",
            },
        )
        response = conn.getresponse()
        response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        if response.status != 302 or "sessionid" not in jar:
            raise RuntimeError(f"web sign-in as {username} failed: {response.status}")
    finally:
        conn.close()
    return f"csrftoken={jar['csrftoken'].value}; sessionid={jar['sessionid'].value}"


def scenario_dashboard(ctx: Context) -> None:
    """The web app's dashboard for the 100k household (5 years): after a write (every aggregate read again,
    the cached bundle invalidated) and cached. One connection; the client's time bounds the server's."""
    cookie = web_session(ctx, SETS["100k"][0])
    token = ctx.tokens["100k"]
    conn = http.client.HTTPConnection(HOST, ctx.port, timeout=30)
    cold: list[float] = []
    warm: list[float] = []
    errors = 0

    def page() -> float:
        nonlocal errors
        t0 = time.perf_counter_ns()
        conn.request("GET", "/app/", headers={"Cookie": cookie, "Accept": "text/html"})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter_ns() - t0) / 1e6
        errors += response.status != 200 or b"<main" not in body
        return elapsed

    started = time.perf_counter()
    deadline = time.monotonic() + 60
    try:
        for i in range(max(20, ctx.profile.cold_reads // 4)):
            status, _ = request(ctx, "POST", "/api/v1/transactions/", transaction_body(ctx, 10_000 + i), token, conn)
            errors += status != 201
            cold.append(page())
            warm.append(page())
            if time.monotonic() > deadline:
                break
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    note = "GET /app/ signed in through the web sign-in; each cold read follows a POST /transactions/"
    record(
        ctx,
        "dashboard.cold.1",
        from_samples(
            "dashboard page, first read after a write", "GET", "/app/", cold, elapsed, errors=errors, notes=note
        ),
    )
    record(
        ctx,
        "dashboard.cached.1",
        from_samples("dashboard page, cached", "GET", "/app/", warm, elapsed, errors=errors, notes=note),
    )


# --- The plain baseline (bench/plain) ------------------------------------------------------------------------

PLAIN_APP = "bench.plain.wsgi:application"
PLAIN_SETTINGS = "bench.plain.settings"
PLAIN_MARKER = {"made_by": "bench.run", "app": "bench/plain"}


def plain_database_url(database_url: str) -> str:
    """The plain app's own database on the same server: ours' name + ``_plain``."""
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_plain"))


def plain_manage(ctx: Context, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**ctx.base_env, "DATABASE_URL": plain_database_url(ctx.database_url)}
    done = subprocess.run(  # noqa: S603 - the plain app's own command line with fixed arguments
        [PY, "-m", "bench.plain.manage", *args], cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.plain.manage {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def prepare_plain(ctx: Context) -> None:
    """The plain app's database (made here, marked in its comment), migrated, and per data set of the run a
    user holding as many rows as ours (bulk-loaded with COPY once, kept while the count matches)."""
    from psycopg import sql

    url = plain_database_url(ctx.database_url)
    dbname = urllib.parse.urlsplit(url).path.lstrip("/")
    with _pg(ctx.database_url, "postgres") as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
        if row is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            admin.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(dbname), sql.Literal(json.dumps(PLAIN_MARKER))
                )
            )
        elif row[0] != json.dumps(PLAIN_MARKER):
            raise SystemExit(f"{dbname} exists but was not made for the plain baseline; it will not be touched.")
    log(f"plain baseline: migrating {dbname}")
    plain_manage(ctx, "migrate", "--noinput", "-v0")
    sets = ctx.facts.setdefault("plain", {"database": dbname, "sets": {}})["sets"]
    for name in ctx.profile.sets:
        rows = ctx.households[name]["transactions"]
        done = plain_manage(ctx, "plain_prepare", f"plain{name}", "--rows", str(rows), "--seed", str(SEED))
        sets[name] = json.loads(done.stdout.strip().splitlines()[-1])
        how = f"loaded in {sets[name]['seconds']} s" if sets[name]["loaded"] else "reused"
        log(f"plain baseline: data set {name}: {sets[name]['transactions']} transactions ({how})")


def scenario_plain(ctx: Context, config: ServerConfig) -> None:
    """The plain app under the same gunicorn configuration, loaded with the same wrk scripts as ours:
    trivial, cached balance, create (16 connections), first page of the list (1 and 16)."""
    p = ctx.profile
    prepare_plain(ctx)
    sets = ctx.facts["plain"]["sets"]
    list_set = "1m" if "1m" in p.sets else "100k"
    database = {"DATABASE_URL": plain_database_url(ctx.database_url)}
    with gunicorn(ctx, config, app=PLAIN_APP, settings=PLAIN_SETTINGS, env_overrides=database):
        tokens = {}
        for name in p.sets:
            user = sets[name]["user"]
            status, body = request(ctx, "POST", "/api/token/", {"username": user, "password": f"{user}-password-1"})
            if status != 200:
                raise RuntimeError(f"plain baseline: sign-in as {user} failed: {status} {body}")
            tokens[name] = body["access"]
        env = {"BENCH_TOKEN": tokens["100k"]}
        wrk(ctx, "plain.trivial.16", "plain: trivial GET me", "GET", "/api/me/", "get.lua", 16, p.seconds, env)
        path = "/api/balance/"
        status, body = request(ctx, "GET", path, token=tokens["100k"])  # warm the cache
        if status != 200:
            raise RuntimeError(f"plain baseline: GET {path}: {status} {body}")
        wrk(ctx, "plain.cached.balance.16", "plain: balance, cached", "GET", path, "get.lua", 16, p.seconds, env)
        wrk(ctx, "plain.cached.balance.1", "plain: balance, cached", "GET", path, "get.lua", 1, p.latency_seconds, env)
        create_env = {
            **env,
            "BENCH_ACCOUNTS": ",".join(sets["100k"]["accounts"]),
            "BENCH_CATEGORIES": ",".join(sets["100k"]["categories"]),
            "BENCH_MONTH": dt.date.today().strftime("%Y-%m"),  # noqa: DTZ011
        }
        path = "/api/transactions/"
        wrk(
            ctx,
            "plain.create.16",
            "plain: create transaction",
            "POST",
            path,
            "create_transaction.lua",
            16,
            p.seconds,
            create_env,
        )
        list_env = {"BENCH_TOKEN": tokens[list_set]}
        label = f"plain: list at {'1M' if list_set == '1m' else '100k'}, first page"
        wrk(ctx, "plain.list.first.1", label, "GET", path, "get.lua", 1, p.latency_seconds, list_env)
        wrk(ctx, "plain.list.first.16", label, "GET", path, "get.lua", 16, p.seconds, list_env)
    for name in p.sets:  # remove the load's rows (the count is right again, so nothing is reloaded)
        plain_manage(ctx, "plain_prepare", sets[name]["user"], "--rows", str(sets[name]["transactions"]))


# Rows of the US set the quick profile evaluates the categorizer on (the full profile uses all ~28,700).
CATEGORIZER_QUICK_SAMPLE = 4_000


def scenario_categorizer_eval(ctx: Context, *, data_dir: Path | None = None) -> None:
    """``manage.py evaluate_categorizer --json`` in a subprocess (no server, no database): accuracy, coverage
    and precision of auto-applied suggestions for (a) the US set by merchant, (b) the ZA household and (c) the
    ZA household as a new one, each without and with the merchant directory (built first when it is missing,
    as ``make models`` does), and the time the evaluation took. The quick profile evaluates a sample of the US
    set."""
    built = manage(ctx, "build_merchant_directory", "--if-missing", check=False)
    if built.returncode != 0:
        raise RuntimeError(f"build_merchant_directory failed ({built.returncode}): {built.stderr[-2000:]}")
    args = ["evaluate_categorizer", "--json"]
    if ctx.profile.name == "quick":
        args += ["--sample", str(CATEGORIZER_QUICK_SAMPLE)]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    done = manage(ctx, *args, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"evaluate_categorizer failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    for key, measurement in from_categorizer_report(report).items():
        ctx.results[key] = measurement
        log(f"{measurement.name:<42} {measurement.extra} ({measurement.duration_s:g} s)")


# name -> scenario, run in this order against one server. Add new ones here.
SCENARIOS: dict[str, Callable[[Context], None]] = {
    "trivial": scenario_trivial,
    "cached_analytics": scenario_cached_analytics,
    "cold_analytics": scenario_cold_analytics,
    "create": scenario_create,
    "list": scenario_list,
    "login": scenario_login,
    "import_100k": scenario_import,
    "import_adversarial": scenario_import_adversarial,
    "dashboard": scenario_dashboard,
    "categorizer_eval": scenario_categorizer_eval,
}

# Budgets of ARCHITECTURE.md whose features do not exist yet: (operation, budget, why not measured).
# A scenario added to SCENARIOS for one of these replaces its entry here.
PENDING: list[tuple[str, str, str]] = []


# --- Facts about the machine -------------------------------------------------------------------------------


def machine_info(ctx: Context) -> dict[str, Any]:
    import django
    import redis

    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    with _pg(ctx.database_url) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(ctx.redis_url).info("server")["redis_version"]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": model or platform.processor(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": importlib.metadata.version("gunicorn"),
        "postgresql": pg_version,
        "redis": redis_version,
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0]
        if (wrk_version.stdout or wrk_version.stderr)
        else "",
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_pressure() -> float | None:
    """Share of the last 60 s in which some runnable task waited for a CPU (Linux PSI), in %."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    fields = dict(part.split("=", 1) for part in line.split()[1:])
    return float(fields["avg60"])


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603, S607
    return done.stdout.strip()


# --- Main ----------------------------------------------------------------------------------------------------


def household_ids(ctx: Context) -> None:
    for name in ctx.profile.sets:
        token = ctx.tokens[name]
        status, accounts = request(ctx, "GET", "/api/v1/accounts/?page_size=100", token=token)
        assert status == 200, accounts
        status, categories = request(ctx, "GET", "/api/v1/categories/?type=expense&page_size=200", token=token)
        assert status == 200, categories
        ctx.households[name]["accounts"] = [a["id"] for a in accounts["results"] if a["is_active"]]
        ctx.households[name]["categories"] = [c["id"] for c in categories["results"]]


def run(profile: Profile, only: list[str] | None = None, *, prepare_only: bool = False, server: str = "gthread") -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (make bench installs it with apt-get)", file=sys.stderr)
        return 2
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not database_url.startswith("postgres"):
        print("the benchmarks need PostgreSQL: DATABASE_URL must be postgres://…", file=sys.stderr)
        return 2
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    broker_url = os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL
    base_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": broker_url,
        "ACCESS_TOKEN_MINUTES": "120",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    base_env.pop("DJANGO_SETTINGS_MODULE", None)
    ctx = Context(profile, database_url, redis_url, broker_url, base_env)
    started = dt.datetime.now(dt.UTC)
    load_before = loadavg()
    pressure_before = cpu_pressure()
    log(f"profile {profile.name}; load average {load_before}")
    prepare_data(ctx)
    if prepare_only:
        log("data sets ready")
        return 0
    ctx.facts["hash"] = django_op(ctx, "hash_time()")
    log(f"password hash: {ctx.facts['hash']}")

    chosen, other = server_configs(server)
    servers: dict[str, Any] = {"chosen": {"config": chosen.label, "args": chosen.args()}}
    if profile.compare_servers and not only:
        with gunicorn(ctx, other):
            ctx.tokens["100k"] = login(ctx, SETS["100k"][0])
            wrk(
                ctx,
                "alt.trivial.16",
                f"trivial: GET auth/me [{other.label}]",
                "GET",
                "/api/v1/auth/me/",
                "get.lua",
                16,
                profile.seconds,
                token_env(ctx, "100k"),
            )
            path = "/api/v1/analytics/balance/"
            request(ctx, "GET", path, token=ctx.tokens["100k"])
            wrk(
                ctx,
                "alt.cached.balance.16",
                f"balance, cached [{other.label}]",
                "GET",
                path,
                "get.lua",
                16,
                profile.seconds,
                token_env(ctx, "100k"),
            )
        servers["compared"] = {"config": other.label, "args": other.args()}

    with gunicorn(ctx, chosen):
        for name in profile.sets:
            ctx.tokens[name] = login(ctx, SETS[name][0])
        household_ids(ctx)
        for name, scenario in SCENARIOS.items():
            if only and name not in only:
                continue
            scenario(ctx)
    for name in profile.sets:
        removed = django_op(ctx, f"cleanup({SETS[name][0]!r})")["removed"]
        if removed:
            log(f"removed the {removed} transactions the load created in {name}; derived data rebuilt")
    if not only or "plain" in only:
        # The same figures on a minimal Django + DRF app, same server shape, right after ours.
        scenario_plain(ctx, chosen)

    alt = {k: v for k, v in ctx.results.items() if k.startswith("alt.")}
    plain = {k: v for k, v in ctx.results.items() if k.startswith("plain.")}
    main = {k: v for k, v in ctx.results.items() if not k.startswith(("alt.", "plain."))}
    comparison = baseline_comparison(
        {k: v.to_json() for k, v in main.items()}, {k: v.to_json() for k, v in plain.items()}
    )
    verdicts = evaluate(main, ctx.facts["hash"]["median_ms"])
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    report = {
        "date": started.isoformat(timespec="seconds"),
        "commit": commit + ("-dirty" if dirty else ""),
        "profile": profile.name,
        "machine": machine_info(ctx),
        "load_average": {"before": load_before, "after": loadavg()},
        # Other work on the machine competes for its 2 cores: high pressure before the run means a busy machine.
        "cpu_pressure_avg60_pct": {"before": pressure_before, "after": cpu_pressure()},
        "server": {
            **servers,
            "settings": "config.settings.production",
            "DEBUG": False,
            "API_THROTTLE": "off",
            "bind": f"{HOST} (random free port)",
        },
        "datasets": ctx.facts.get("datasets", {}),
        "password_hash": ctx.facts["hash"],
        "verify_ledger_after_create": ctx.facts.get("verify_ledger"),
        "deep_page": ctx.facts.get("deep_page"),
        "results": {k: v.to_json() for k, v in main.items()},
        "server_comparison": {k: v.to_json() for k, v in alt.items()},
        "baseline": {
            "app": "bench/plain (Django + DRF, simplejwt, one table; docs/benchmarks.md)",
            "server": chosen.label,
            "settings": PLAIN_SETTINGS,
            **ctx.facts.get("plain", {}),
            "results": {k: v.to_json() for k, v in plain.items()},
            "comparison": comparison,
        },
        "budgets": [
            {"operation": v.operation, "measured": v.measured, "budget": v.budget, "result": v.mark} for v in verdicts
        ],
        "not_measured": [{"operation": n, "budget": b, "reason": r} for n, b, r in PENDING],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y-%m-%d")
    out = RESULTS / f"{stamp}-{commit}{'-quick' if profile.name == 'quick' else ''}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    print()
    print(f"## Benchmarks ({profile.name}), {stamp}, commit {report['commit']}")
    print()
    print(
        f"Server: gunicorn {chosen.label}; load average before {load_before}, after {report['load_average']['after']}; "
        f"CPU pressure (avg60 %) before {pressure_before}, after {report['cpu_pressure_avg60_pct']['after']}"
    )
    for m in alt.values():
        print(f"Compared: {m.name}: {m.rps} req/s (p99 {m.p99_ms} ms)")
    print()
    print(markdown_table(verdicts, PENDING))
    print()
    if comparison:
        print(f"Plain baseline (bench/plain, same run, gunicorn {chosen.label}): ours next to it")
        print()
        print(baseline_table(comparison))
        print()
    if ctx.facts.get("verify_ledger"):
        v = ctx.facts["verify_ledger"]
        print(f"verify_ledger after the create load: exit {v['exit_code']}: {v['output']}")
    for name, d in ctx.facts.get("datasets", {}).items():
        how = "reused" if d.get("reused") else "built"
        print(f"data set {name}: {d['transactions']} transactions ({how}; build took {d['seconds']} s)")
    print(f"results: {out.relative_to(ROOT)}")
    failed_verify = ctx.facts.get("verify_ledger", {}).get("exit_code", 0) != 0
    return 1 if failed_verify else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the ~1-minute subset (100k set, short runs)")
    parser.add_argument(
        "--only", nargs="*", choices=[*SCENARIOS, "plain"], help="run only these scenarios (plain: the baseline)"
    )
    parser.add_argument("--prepare-only", action="store_true", help="build (or check) the data sets and stop")
    parser.add_argument(
        "--server", choices=["gthread", "sync"], default="gthread", help="gunicorn worker class to measure"
    )
    args = parser.parse_args(argv)
    # A SIGTERM unwinds like Ctrl-C, so the server we started is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run(QUICK if args.quick else FULL, args.only, prepare_only=args.prepare_only, server=args.server)


if __name__ == "__main__":
    sys.exit(main())
