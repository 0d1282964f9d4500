"""Measure the dashboard's server time on the configured database (not a test: a benchmark to run by hand).

    manage.py measure_dashboard --user demo --runs 20

Each request goes through the whole Django stack in-process (middleware,
session, view, template), so the figure is the server time without the
network. "Uncached" requests follow a bump of the household's cache version,
as the first read after any write does; "cached" ones are the usual case.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client
from django.urls import reverse

from finance.core.cache import bump_household_version
from finance.households.selectors import default_membership
from finance.ledger.models import Transaction


class Command(BaseCommand):
    help = "Time the dashboard page (uncached and cached) for a user's default household."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="demo", help="Username whose default household is measured.")
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--host", default="127.0.0.1", help="Host header (must be in ALLOWED_HOSTS).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r} (make demo loads 'demo').")
        membership = default_membership(user=user)
        if membership is None:
            raise CommandError("That user is in no household.")
        household = membership.household
        count = Transaction.objects.filter(household=household).count()
        first = Transaction.objects.filter(household=household).order_by("date").values_list("date", flat=True).first()
        client = Client(HTTP_HOST=options["host"])
        client.force_login(user)
        url = reverse("web:dashboard")
        client.get(url)  # warm up imports, templates and the connection

        def timed() -> float:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise CommandError(f"The dashboard answered {response.status_code}.")
            return elapsed

        uncached = []
        for _ in range(options["runs"]):
            bump_household_version(household.id)  # outside a transaction: takes effect at once
            uncached.append(timed())
        cached = [timed() for _ in range(options["runs"])]
        self.stdout.write(f"Household {household.name!r}: {count} transactions since {first}.")
        for name, samples in (("uncached (first read after a write)", uncached), ("cached", cached)):
            ordered = sorted(samples)
            p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
            self.stdout.write(
                f"  {name}: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
            )
