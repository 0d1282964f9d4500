"""Categorization reads, already scoped to one household."""

from __future__ import annotations

from django.db.models import QuerySet

from finance.categorization.models import Rule
from finance.households.models import Household
from finance.ledger import selectors as ledger_selectors
from finance.ledger.models import Transaction


def rule_list(*, household: Household) -> QuerySet[Rule]:
    return Rule.objects.in_household(household).order_by("priority", "created_at", "id")


def review_queue(*, household: Household) -> QuerySet[Transaction]:
    """Transactions waiting for a person to choose their category, newest first."""
    return ledger_selectors.with_details(
        Transaction.objects.in_household(household).filter(needs_review=True).select_related("account")
    ).order_by("-date", "-created_at", "-id")
