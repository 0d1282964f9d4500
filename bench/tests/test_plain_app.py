"""The plain baseline app's endpoints (bench/plain), checked with its own settings in a subprocess.

The plain app is a separate Django project (its own settings, user model and tables), so it cannot be
set up inside this process, which runs on our settings. The subprocess uses SQLite in memory and a
local-memory cache (no DATABASE_URL or REDIS_URL), so it needs no service and leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_plain_endpoints_create_list_and_balance():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "bench.plain.manage", "test", "bench.plain.endpoint_checks", "-v", "2", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Ran 5 tests" in output, output
    for name in (
        "test_create_inserts_one_row_and_deletes_the_balance_key",
        "test_list_answers_the_50_newest_first_of_the_callers_rows",
        "test_balance_is_correct_as_decimal_and_cached",
    ):
        assert re.search(
            rf"^{name} \(bench\.plain\.endpoint_checks\.PlainEndpoints\.{name}\)\S* \.\.\. ok$", output, re.M
        ), output
