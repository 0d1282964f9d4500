"""Goal progress: current amount, required monthly contribution, pace and projected date."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from finance.budgets.models import Goal, GoalContribution, GoalStatus, GoalType
from finance.budgets.selectors._rates import convert
from finance.core.dates import add_months, first_of_month
from finance.core.money import ZERO, quantum, stored
from finance.currency.selectors import RateCache
from finance.ledger.models import LIABILITY_TYPES, AccountMonthly

# The average Gregorian month, for turning monthly paces into days.
DAYS_PER_MONTH = Decimal("30.436875")
GOAL_PACE_DAYS = 90
GOAL_PACE_MONTHS = 3


@dataclass(frozen=True)
class GoalProgress:
    current_amount: Decimal | None
    progress: float | None
    remaining_amount: Decimal | None
    required_monthly: Decimal | None
    projected_date: date | None
    monthly_pace: Decimal | None


def is_debt_payoff(goal: Goal) -> bool:
    """A debt-payoff goal following a liability account: progress is the debt paid since it was linked."""
    return (
        goal.goal_type == GoalType.DEBT_PAYOFF
        and goal.account is not None
        and goal.account.type in LIABILITY_TYPES
        and goal.baseline_balance is not None
    )


def _months_left(today: date, target: date) -> int:
    days = (target - today).days
    if days <= 0:
        return 1
    return max(1, math.ceil(Decimal(days) / DAYS_PER_MONTH))


def _round_up(amount: Decimal, code: str) -> Decimal:
    return amount.quantize(quantum(code), rounding=ROUND_CEILING)


def goal_progress(goals: Sequence[Goal], *, today: date | None = None) -> dict[uuid.UUID, GoalProgress]:
    """Current amount, progress, required monthly contribution and projected date of each goal.

    Three queries for any number of goals (contribution sums, the linked
    accounts' recent months, and exchange rates per currency pair).
    """
    today = today or timezone.localdate()
    manual = [g.id for g in goals if g.account_id is None]
    linked = [g for g in goals if g.account_id is not None and g.account is not None]
    sums: dict[uuid.UUID, tuple[Decimal, Decimal]] = {}
    if manual:
        pace_from = today - timedelta(days=GOAL_PACE_DAYS)
        contributed = (
            GoalContribution.objects.filter(goal_id__in=manual)
            .values("goal_id")
            .annotate(
                total=Sum("amount"),
                recent=Sum("amount", filter=Q(date__gt=pace_from, date__lte=today)),
            )
            .order_by()
        )
        sums = {row["goal_id"]: (row["total"] or ZERO, row["recent"] or ZERO) for row in contributed}
    net: dict[uuid.UUID, Decimal] = {}
    if linked:
        this_month = first_of_month(today)
        flows = (
            AccountMonthly.objects.filter(
                account_id__in={g.account_id for g in linked},
                month__gte=add_months(this_month, -GOAL_PACE_MONTHS),
                month__lt=this_month,
            )
            .values("account_id")
            .annotate(i=Sum("income"), e=Sum("expense"), ti=Sum("transfers_in"), to=Sum("transfers_out"))
            .order_by()
        )
        net = {row["account_id"]: row["i"] - row["e"] + row["ti"] - row["to"] for row in flows}
    rate_caches: dict[uuid.UUID, RateCache] = {}
    result: dict[uuid.UUID, GoalProgress] = {}
    for goal in goals:
        code = goal.currency
        # The recent pace: an amount gained over a number of days.
        gained: Decimal | None
        if goal.account_id is None or goal.account is None:
            current, gained = sums.get(goal.id, (ZERO, ZERO))
            pace_days = Decimal(GOAL_PACE_DAYS)
            current_amount: Decimal | None = current
        else:
            account = goal.account
            rates = rate_caches.setdefault(goal.household_id, RateCache(goal.household_id))
            rate = rates.get(account.currency, code, today)
            followed = account.balance
            if is_debt_payoff(goal) and goal.baseline_balance is not None:
                followed -= goal.baseline_balance
            current_amount = convert(rate, followed)
            gained = convert(rate, net.get(account.id, ZERO))
            pace_days = GOAL_PACE_MONTHS * DAYS_PER_MONTH
        result[goal.id] = _progress(goal, current_amount, gained, pace_days, today)
    return result


def _progress(
    goal: Goal, current: Decimal | None, gained: Decimal | None, pace_days: Decimal, today: date
) -> GoalProgress:
    monthly = None if gained is None else stored(gained * DAYS_PER_MONTH / pace_days)
    if current is None:
        return GoalProgress(None, None, None, None, None, monthly)
    target = goal.target_amount
    remaining = max(target - current, ZERO)
    progress = round(float(min(max(current / target, ZERO), Decimal(1))), 4)
    required = None
    if goal.target_date is not None and goal.status in (GoalStatus.ACTIVE, GoalStatus.PAUSED):
        required = _round_up(remaining / _months_left(today, goal.target_date), goal.currency)
    projected: date | None = None
    if goal.status == GoalStatus.ACHIEVED and goal.achieved_at is not None:
        projected = timezone.localdate(goal.achieved_at)
    elif remaining == 0:
        projected = today
    elif gained is not None and gained > 0 and goal.status != GoalStatus.CANCELLED:
        days = math.ceil(remaining * pace_days / gained)
        if days <= (date.max - today).days:
            projected = today + timedelta(days=days)
    return GoalProgress(current, progress, remaining, required, projected, monthly)
