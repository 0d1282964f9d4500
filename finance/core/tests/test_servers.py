"""The servers the product runs under hold a bounded number of PostgreSQL connections.

Each test starts a real server on 127.0.0.1 against this test's PostgreSQL
database, the way the Makefile does (``make run``: ``manage.py runserver`` with
the development settings; ``make serve``: gunicorn with the production ones,
sync workers, and the gthread shape), drives 300 requests at it from 16 client
threads (database reads, authenticated API calls, an unknown API URL), and
counts the server's connections in ``pg_stat_activity`` all along, by the
application name the server connects with. Before the fix, ``runserver`` kept
the connection of every request thread it had started (~1 per request) until
PostgreSQL refused everyone ("too many clients"); a server that crosses
:data:`SAFETY_LIMIT` is stopped at once so a regression cannot starve the
shared database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from config import env
from finance.ledger.tests.factories import make_account
from finance.users.services import access_token_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 300
CLIENTS = 16
SAFETY_LIMIT = 40  # connections: far above every bound below, far below PostgreSQL's max_connections
START_TIMEOUT = 90  # seconds for the server to answer
RUN_TIMEOUT = 240  # seconds for all the requests
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


@dataclass(frozen=True)
class Shape:
    name: str
    settings: str
    workers: int  # processes
    threads: int  # request threads per process that may hold a connection at once
    steady: int  # connections the server may keep once every client has gone

    def command(self, port: int) -> list[str]:
        if self.name == "runserver":  # exactly what `make run` runs (autoreloader included)
            return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
        command = [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers)]
        if self.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        return command

    @property
    def bound(self) -> int:
        """At most this many connections at any time."""
        return self.workers * self.threads + 1  # + the one the server may open for its start-up checks


SHAPES = [
    # One thread per client connection: at most CLIENTS at once, none kept once they are answered.
    Shape("runserver", "config.settings.dev", workers=1, threads=CLIENTS, steady=1),
    Shape("gunicorn-sync", "config.settings.production", workers=2, threads=1, steady=2),
    Shape("gunicorn-gthread", "config.settings.production", workers=2, threads=4, steady=8),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class ConnectionCounter(threading.Thread):
    """Samples the server's connections every 50 ms; stops the server past :data:`SAFETY_LIMIT`."""

    def __init__(self, database_url: str, application: str, server: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.database_url = database_url
        self.application = application
        self.server = server
        self.peak = 0
        self.stopping = threading.Event()

    def count(self) -> int:
        with psycopg.connect(self.database_url, autocommit=True) as db:
            row = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [self.application]
            ).fetchone()
        return int(row[0]) if row else 0

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            self.peak = max(self.peak, self.count())
            if self.peak > SAFETY_LIMIT:
                _stop(self.server)
                return


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started (the autoreloader's child, gunicorn's workers)."""
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _get(url: str, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http://127.0.0.1 only
            return response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", "")


def _drive(base: str, token: str) -> Counter[tuple[str, int, str]]:
    """REQUESTS requests from CLIENTS threads, each on a connection of its own; (path, status, type) counts."""
    paths = ["/readyz", "/api/v1/accounts/", "/api/v1/analytics/balance/", "/api/v1/no-such-route/"]
    work = iter(range(REQUESTS))
    lock = threading.Lock()
    answers: Counter[tuple[str, int, str]] = Counter()
    deadline = time.monotonic() + RUN_TIMEOUT

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(work, None)
            if n is None:
                return
            path = paths[n % len(paths)]
            try:
                status, content_type = _get(base + path, token)
            except OSError as error:  # refused, reset: the server is gone
                status, content_type = 0, type(error).__name__
            with lock:
                answers[(path, status, content_type.split(";")[0])] += 1

    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=RUN_TIMEOUT + 60)
    return answers


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.name for shape in SHAPES])
def test_server_holds_a_bounded_number_of_database_connections(shape: Shape, household: Any, user: Any, tmp_path):
    make_account(household, "Checking")
    _, token = access_token_create(user=user, name="load", scopes=["read"])
    database_url = _database_url()
    application = f"finance-test-{shape.name}-{secrets.token_hex(4)}"
    port = _free_port()
    server_env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "PYTEST_XDIST_WORKER"}},
        "DJANGO_SETTINGS_MODULE": shape.settings,
        "DATABASE_URL": database_url,
        "PGAPPNAME": application,  # libpq's application name: how this server's connections are told apart
        "SECRET_KEY": secrets.token_urlsafe(64),
        "API_THROTTLE": "off",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(shape.workers),
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        shape.command(port),
        cwd=env.BASE_DIR,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    counter = ConnectionCounter(database_url, application, server)
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() - started < START_TIMEOUT, "the server did not start"
            try:
                if _get(base + "/healthz", None)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        counter.start()

        answers = _drive(base, token)

        time.sleep(1.0)  # the last request threads finish closing
        after = counter.count()
        counter.stopping.set()
        counter.join(timeout=10)
        assert counter.peak <= SAFETY_LIMIT, f"{counter.peak} connections: the server was stopped"
        assert answers == {
            ("/readyz", 200, "application/json"): REQUESTS // 4,
            ("/api/v1/accounts/", 200, "application/json"): REQUESTS // 4,
            ("/api/v1/analytics/balance/", 200, "application/json"): REQUESTS // 4,
            # The envelope's 404, with DEBUG on too (make run), never Django's debug page.
            ("/api/v1/no-such-route/", 404, "application/json"): REQUESTS // 4,
        }, (answers, (tmp_path / "server.log").read_text()[-3000:])
        assert 1 <= counter.peak <= shape.bound, f"peak {counter.peak} > {shape.bound}"
        assert after <= shape.steady, f"{after} connections left once every client had gone"
    finally:
        counter.stopping.set()
        _stop(server)
        log.close()
    assert counter.count() == 0, "a stopped server leaves no connection behind"
