"""A worker that loads the WSGI application is ready: views imported, and what it loaded kept out of the
garbage collector's full collections (they walked ~230,000 objects every few hundred requests)."""

from __future__ import annotations

import os
import subprocess
import sys

from finance.core.tests.test_settings import STRONG


def test_loading_the_application_imports_the_views_and_freezes_what_it_loaded():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"SECRET_KEY": STRONG, "DJANGO_SETTINGS_MODULE": "config.settings.production"})
    code = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()), 'finance.ledger.api.views' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    frozen, collected, views_loaded = result.stdout.split()
    assert views_loaded == "True"
    assert int(frozen) > 100_000
    assert int(collected) < int(frozen) // 20
