"""Thin Celery wrappers: load by id, call a service, retry on database hiccups."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from finance.categorization import services
from finance.households.models import Household


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def retrain_household_model(household_id: str) -> int:
    """Retrain a household's model after enough corrections; the number of examples (0: not trained)."""
    household = Household.objects.filter(pk=household_id).first()
    if household is None:  # deleted meanwhile
        return 0
    model = services.train_household_model(household=household)
    return 0 if model is None else model.metadata.n_examples
