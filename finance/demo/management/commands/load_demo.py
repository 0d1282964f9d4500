"""Create (or refresh) the demo sign-in and fill its household with years of activity, a budget, goals,
a partner, rules, an imported statement and budget alerts.

Username ``demo``, password ``finance-demo``. Running it again keeps the data
(and resets the password); ``--reset`` rebuilds the activity.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from finance.budgets.models import Budget, Goal
from finance.categorization.models import Rule
from finance.currency.models import ExchangeRate
from finance.demo import budgets as budgets_demo
from finance.demo import household as household_demo
from finance.demo.ledger import generate
from finance.households.selectors import default_membership
from finance.ledger.models import Account, Transaction
from finance.users.services import user_register

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "finance-demo"  # noqa: S105 - a published demo credential, not a secret
DEMO_EMAIL = "demo@example.com"


class Command(BaseCommand):
    help = (
        "Create the demo user and household with five years of realistic activity, a budget, goals, a partner, "
        "rules, an imported card statement and budget alerts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--reset", action="store_true", help="Delete the demo household's activity and rebuild it.")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user = User.objects.filter(username__iexact=DEMO_USERNAME).first()
        if user is None:
            # The demo password is short by the validators' standards; register
            # with a long one, then set the published one directly.
            user = user_register(
                username=DEMO_USERNAME,
                email=DEMO_EMAIL,
                password="demo-bootstrap-" + DEMO_PASSWORD + "-x9",
                first_name="Demo",
                last_name="User",
                default_currency="USD",
                email_verified=True,
            )
            self.stdout.write(self.style.SUCCESS("Created the demo user and household."))
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        membership = default_membership(user=user)
        assert membership is not None
        household = membership.household
        if options["reset"]:
            budgets_demo.clear(household)
            household_demo.clear(household)
            Transaction.objects.filter(household=household).delete()
            Account.objects.filter(household=household).delete()
            ExchangeRate.objects.filter(household=household).delete()
        if not Transaction.objects.filter(household=household).exists():
            started = time.perf_counter()
            made = generate(household, actor=user, years=options["years"])
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated {made} transactions over {options['years']} years "
                    f"in {time.perf_counter() - started:.1f}s."
                )
            )
        if (
            not Budget.objects.filter(household=household).exists()
            and not Goal.objects.filter(household=household).exists()
        ):
            budget, goals = budgets_demo.generate(household, actor=user)
            self.stdout.write(self.style.SUCCESS(f"Added the budget {budget.name!r} and {len(goals)} goals."))
        if not Rule.objects.filter(household=household).exists():
            life = household_demo.generate(household, actor=user)
            partner = "the partner Sam (editor), " if life["members"] else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {partner}{life['rules']} rules, an imported card statement "
                    f"({life['imported']} rows), {life['alerts']} budget alerts and a pending invitation."
                )
            )
        self.stdout.write(f"Demo sign-in: username {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r}")
