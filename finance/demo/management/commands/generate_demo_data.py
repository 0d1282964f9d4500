"""Make a household with a chosen number of transactions (for benchmarks and load tests)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from finance.demo.ledger import generate, per_month_for
from finance.households.selectors import default_membership
from finance.ledger.models import Transaction
from finance.users.services import user_register


class Command(BaseCommand):
    help = "Create user USERNAME (password = username + '-password-1') whose household holds about N transactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--transactions", type=int, default=100_000)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        User = get_user_model()
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = user_register(username=username, email=f"{username}@example.com", password=f"{username}-password-1")
        membership = default_membership(user=user)
        assert membership is not None
        household = membership.household
        existing = Transaction.objects.filter(household=household).count()
        if existing:
            self.stdout.write(f"{username}: household {household.id} already has {existing} transactions.")
            return
        started = time.perf_counter()
        made = generate(
            household,
            actor=user,
            years=options["years"],
            per_month=per_month_for(options["transactions"], options["years"]),
            seed=options["seed"],
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{username}: household {household.id}: {made} transactions in {elapsed:.1f}s")
