"""Steps of the benchmark that run inside Django (``manage.py shell -c``), each printing one JSON line.

The runner itself never imports Django: it drives these through
``manage.py`` with the bench database's environment.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

BENCH_REFERENCE = "bench-load"


def _household_id(username: str) -> Any:
    from django.contrib.auth import get_user_model

    from finance.households.selectors import default_membership

    user = get_user_model().objects.get(username=username)
    membership = default_membership(user=user)
    assert membership is not None
    return membership.household_id


def info(username: str) -> None:
    """The user's household id and its transaction count."""
    from finance.ledger.models import Transaction

    household_id = _household_id(username)
    count = Transaction.objects.filter(household_id=household_id).count()
    print(json.dumps({"household": str(household_id), "transactions": count}))


def cleanup(username: str) -> None:
    """Remove the transactions the load scripts created and rebuild the derived data exactly.

    The load marks its rows with ``reference_number = "bench-load"`` and makes
    no splits or tags, so deleting them and running the ledger's own repair
    returns the data set to what the generator built.
    """
    from django.db import transaction

    from finance.core.cache import bump_household_version
    from finance.ledger.models import Transaction
    from finance.ledger.verify import repair

    household_id = _household_id(username)
    with transaction.atomic():
        removed, _ = Transaction.objects.filter(household_id=household_id, reference_number=BENCH_REFERENCE).delete()
        if removed:
            repair(household_id)
            bump_household_version(household_id)
    print(json.dumps({"removed": removed}))


def hash_time(rounds: int = 15) -> None:
    """Median wall time of one password verification with the configured (first) hasher."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    encoded = hasher.encode("bench-password-for-timing", hasher.salt())
    hasher.verify("bench-password-for-timing", encoded)  # warm up
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        hasher.verify("bench-password-for-timing", encoded)
        samples.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"algorithm": hasher.algorithm, "median_ms": round(statistics.median(samples), 1)}))
