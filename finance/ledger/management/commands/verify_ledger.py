"""Recompute balances and aggregates from raw transactions; report (and optionally repair) drift."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from finance.core.cache import bump_household_version
from finance.core.exceptions import DomainError
from finance.households.models import Household
from finance.ledger.verify import repair, verify


class Command(BaseCommand):
    help = "Check every household's balances and monthly aggregates against a recomputation from transactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--household", help="Only this household (id).")
        parser.add_argument("--repair", action="store_true", help="Rewrite derived data where it differs.")

    def handle(self, *args: Any, **options: Any) -> None:
        households = Household.objects.order_by("created_at")
        if options["household"]:
            households = households.filter(pk=options["household"])
        started = time.perf_counter()
        checked = drifted = 0
        for household in households.iterator():
            checked += 1
            try:
                differences = verify(household.id)
            except (ArithmeticError, DatabaseError, DomainError) as exc:
                # A household whose rows cannot be read (values stored before the supported range was enforced)
                # is reported; it does not stop the check of the others.
                drifted += 1
                self.stdout.write(self.style.ERROR(f"{household.id} ({household.name}): cannot be verified: {exc!r}"))
                continue
            if not differences:
                continue
            drifted += 1
            self.stdout.write(self.style.WARNING(f"{household.id} ({household.name}): {len(differences)} differences"))
            for difference in differences[:50]:
                self.stdout.write(f"  {difference}")
            if options["repair"]:
                try:
                    repair(household.id, field="household")
                except DomainError as exc:
                    self.stdout.write(self.style.ERROR(f"  not repaired: {exc}"))
                    continue
                bump_household_version(household.id)
                self.stdout.write(self.style.SUCCESS("  repaired"))
        cache.close()
        elapsed = time.perf_counter() - started
        summary = f"Checked {checked} households in {elapsed:.2f}s: {drifted} with differences."
        if drifted and not options["repair"]:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
