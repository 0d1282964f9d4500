"""Train one household's categorizer model: ``manage.py train_categorizer --household ID``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.categorization import services
from finance.households.models import Household


class Command(BaseCommand):
    help = "Train a household's categorizer model on its categorized transactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--household", required=True, help="The household's id.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            household = Household.objects.get(pk=options["household"])
        except (Household.DoesNotExist, ValueError, ValidationError) as exc:
            raise CommandError(f"No household {options['household']}.") from exc
        model = services.train_household_model(household=household)
        if model is None:
            raise CommandError(
                f"Not enough to train on: at least {services.MIN_TRAINING_EXAMPLES} categorized "
                "transactions in two categories."
            )
        path = services.household_model_path(household.pk)
        self.stdout.write(f"Trained on {model.metadata.n_examples} transactions; saved {path}")
