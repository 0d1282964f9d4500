"""Thin Celery wrappers: load by id, call a service, retry on database hiccups."""

from __future__ import annotations

import uuid
from datetime import date

from celery import shared_task
from django.db import OperationalError

from finance.budgets import services
from finance.budgets.models import Budget


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def evaluate_ledger_change(household_id: str, dates: list[str]) -> None:
    """After a ledger write: budget thresholds for these dates, and goals following accounts."""
    services.ledger_change_evaluate(household_id=uuid.UUID(household_id), dates=[date.fromisoformat(d) for d in dates])


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def evaluate_budget(budget_id: str) -> int:
    """After a budget's own write (amounts, lines, moves): its thresholds in the current period."""
    household_id = Budget.objects.filter(pk=budget_id).values_list("household_id", flat=True).first()
    if household_id is None:  # deleted meanwhile
        return 0
    return services.budget_thresholds_evaluate(household_id=household_id, budget_ids=[uuid.UUID(budget_id)])
