"""Whether a ledger change can matter to a household's budgets and goals: a cached flag.

The ledger listener (``finance.budgets.listeners``) asks it before enqueueing any work; every
budget or goal write forgets it.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db.models import Exists

from finance.budgets.models import Budget, Goal, GoalStatus
from finance.households.models import Household

WATCH_TTL = 600


def _watch_key(household_id: uuid.UUID) -> str:
    return f"budgets:watch:{household_id}"


def household_is_watched(household_id: uuid.UUID) -> bool:
    """Whether a ledger change can matter here: an active budget, or an active goal following an account.

    Answered from a cached flag (one cheap query on a miss), so writes to
    households without budgets or linked goals cost next to nothing.
    """
    flag = cache.get(_watch_key(household_id))
    if flag is None:
        budgets = Budget.objects.filter(household_id=household_id, is_active=True)
        goals = Goal.objects.filter(household_id=household_id, status=GoalStatus.ACTIVE, account__isnull=False)
        flag = int(Household.objects.filter(pk=household_id).filter(Exists(budgets) | Exists(goals)).exists())
        cache.set(_watch_key(household_id), flag, timeout=WATCH_TTL)
    return bool(flag)


def forget_watch_flag(household_id: uuid.UUID) -> None:
    cache.delete(_watch_key(household_id))
