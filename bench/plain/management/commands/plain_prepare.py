"""``python -m bench.plain.manage plain_prepare USER --rows N``: the plain app's data for one bench user.

Creates the user (password ``<user>-password-1``, as the bench users of our app), removes rows an earlier
load left (``reference_number = "bench-load"``), and when the user does not hold exactly N rows, replaces
them with N generated rows (5 years up to today, COPY, then ANALYZE). Prints one JSON line: the user's
account and category ids for the load scripts, the row count, and whether and how fast it loaded.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from bench.plain.models import Transaction
from bench.plain.views import balance_key

BENCH_REFERENCE = "bench-load"
ACCOUNTS = 4
CATEGORIES = 20
YEARS = 5


def ids(username: str, kind: str, n: int) -> list[str]:
    """Stable ids, so a reused data set and the load scripts agree across runs."""
    return [str(uuid.uuid5(uuid.NAMESPACE_URL, f"plain:{username}:{kind}:{i}")) for i in range(n)]


def rows(user_id: object, username: str, count: int, seed: int) -> io.StringIO:
    """``count`` rows as COPY text: about one income in ten, expenses of 1-200, dates over 5 years."""
    rng = random.Random(seed)  # noqa: S311 - generated data, not secrets
    accounts = ids(username, "account", ACCOUNTS)
    categories = ids(username, "category", CATEGORIES)
    today = dt.date.today()  # noqa: DTZ011 - the data ends today, as our generator's does
    days = 365 * YEARS
    created = timezone.now().isoformat()
    out = io.StringIO()
    for i in range(count):
        income = rng.random() < 0.1
        cents = rng.randint(100_000, 500_000) if income else rng.randint(100, 20_000)
        out.write(
            "\t".join(
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    str(user_id),
                    rng.choice(accounts),
                    "income" if income else "expense",
                    str(Decimal(cents) / 100),
                    (today - dt.timedelta(days=rng.randrange(days))).isoformat(),
                    "Employer" if income else f"Store {i % 500}",
                    rng.choice(categories),
                    "",
                    created,
                )
            )
            + "\n"
        )
    out.seek(0)
    return out


class Command(BaseCommand):
    help = "Create the plain app's bench user and its N transactions (kept when already there)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--rows", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        count: int = options["rows"]
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(f"{username}-password-1")
            user.save()
        removed, _ = Transaction.objects.filter(user=user, reference_number=BENCH_REFERENCE).delete()
        existing = Transaction.objects.filter(user=user).count()
        seconds = 0.0
        if existing != count:
            started = time.perf_counter()
            columns = "id, user_id, account, type, amount, date, payee, category, reference_number, created_at"
            with transaction.atomic():
                Transaction.objects.filter(user=user).delete()
                with connection.cursor() as cursor:
                    raw: Any = cursor.cursor  # psycopg 3's cursor: COPY
                    with raw.copy(f"COPY plain_transaction ({columns}) FROM STDIN") as copy:
                        data = rows(user.pk, username, count, options["seed"])
                        while chunk := data.read(1 << 20):
                            copy.write(chunk)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE plain_transaction")
            seconds = round(time.perf_counter() - started, 1)
        cache.delete(balance_key(user.pk))
        result = {
            "user": username,
            "transactions": Transaction.objects.filter(user=user).count(),
            "removed": removed,
            "loaded": existing != count,
            "seconds": seconds,
            "accounts": ids(username, "account", ACCOUNTS),
            "categories": ids(username, "category", CATEGORIES),
        }
        self.stdout.write(json.dumps(result))
