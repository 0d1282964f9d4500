"""Reads of budgets and goals: spending per period, budget status, goal progress.

Spending comes from the ledger's per-month, per-category aggregates for the
whole calendar months inside a period and from raw rows only for the partial
months at its edges; :func:`spend_by_period` answers any number of periods in
two queries. Amounts are the household's base-currency amounts (splits count
per split category; transfers and excluded transactions do not count;
transactions with no exchange rate are left out, as in analytics) and are
converted into the budget's currency at each period's end-date rate.
"""

from __future__ import annotations

import bisect
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from finance.budgets.models import (
    TOTAL_SCOPE,
    Budget,
    BudgetLine,
    BudgetMove,
    BudgetStyle,
    BudgetThresholdCrossed,
    Goal,
    GoalAchieved,
    GoalContribution,
    GoalStatus,
    GoalType,
)
from finance.budgets.periods import BudgetCalendar
from finance.core.dates import Period, add_months, first_of_month
from finance.core.money import ZERO, present, quantum, stored
from finance.currency.selectors import Rate, RateCache
from finance.households.models import Household
from finance.ledger.models import (
    LIABILITY_TYPES,
    UNCATEGORIZED,
    AccountMonthly,
    Category,
    CategoryMonthly,
    CategoryType,
    Transaction,
    TransactionType,
)

HUNDRED = Decimal(100)
THRESHOLDS = (80, 100)
MAX_HISTORY = 120
# The average Gregorian month, for turning monthly paces into days.
DAYS_PER_MONTH = Decimal("30.436875")
GOAL_PACE_DAYS = 90
GOAL_PACE_MONTHS = 3

Spend = dict[uuid.UUID, Decimal]


# --- Lists -----------------------------------------------------------------------------------------


def budget_list(*, household: Household | uuid.UUID) -> QuerySet[Budget]:
    return Budget.objects.in_household(household).prefetch_related("lines")


def move_list(*, budget: Budget) -> QuerySet[BudgetMove]:
    return BudgetMove.objects.filter(household_id=budget.household_id, budget=budget)


def event_list(*, budget: Budget) -> QuerySet[BudgetThresholdCrossed]:
    return BudgetThresholdCrossed.objects.filter(household_id=budget.household_id, budget=budget)


def goal_list(*, household: Household | uuid.UUID) -> QuerySet[Goal]:
    return Goal.objects.in_household(household).select_related("account")


def contribution_list(*, goal: Goal) -> QuerySet[GoalContribution]:
    return GoalContribution.objects.filter(household_id=goal.household_id, goal=goal)


def goal_event_list(*, goal: Goal) -> QuerySet[GoalAchieved]:
    return GoalAchieved.objects.filter(household_id=goal.household_id, goal=goal)


def calendar_of(budget: Budget) -> BudgetCalendar:
    return BudgetCalendar(budget.period, budget.start_date, budget.end_date)


# --- Who watches the ledger --------------------------------------------------------------------------

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


# --- Spending per period -----------------------------------------------------------------------------


def _merged(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Overlapping or adjacent date ranges joined, in order."""
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _daily_spend(
    household_id: uuid.UUID, ranges: Sequence[tuple[date, date]], member_id: Any = None
) -> tuple[list[date], list[Spend]]:
    """Expense per (date, category) over the ranges, in one query: splits per split category."""
    if not ranges:
        return [], []
    within = Q()
    for lo, hi in _merged(ranges):
        within |= Q(date__gte=lo, date__lte=hi)
    rows = Transaction.objects.filter(
        within,
        household_id=household_id,
        type=TransactionType.EXPENSE,
        is_excluded=False,
        amount_in_base_currency__isnull=False,
    )
    if member_id is not None:
        rows = rows.filter(created_by_id=member_id)
    grouped = (
        rows.annotate(
            # A transaction with splits counts once per split, under the split's category.
            spend_category=Coalesce("splits__category_id", "category_id"),
            spend_amount=Coalesce("splits__amount_in_base_currency", "amount_in_base_currency"),
        )
        .order_by()
        .values("date", "spend_category")
        .annotate(total=Sum("spend_amount"))
        .values_list("date", "spend_category", "total")
    )
    by_day: dict[date, Spend] = defaultdict(dict)
    for day, category_id, total in grouped:
        key = _as_uuid(category_id) if category_id is not None else UNCATEGORIZED
        by_day[day][key] = by_day[day].get(key, ZERO) + (total or ZERO)
    days = sorted(by_day)
    return days, [by_day[d] for d in days]


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _add_into(target: Spend, source: Spend) -> None:
    for key, amount in source.items():
        target[key] = target.get(key, ZERO) + amount


def spend_by_period(
    *, household_id: uuid.UUID, ranges: Sequence[tuple[date, date]], member_id: Any = None
) -> list[Spend]:
    """Expense per category (base currency) for each date range, in a constant number of queries.

    Whole calendar months come from ``CategoryMonthly`` (one query for all of
    them); the rest, or everything when ``member_id`` narrows to the
    transactions one person created, from one raw query grouped by date and
    category.
    """
    results: list[Spend] = [{} for _ in ranges]
    if not ranges:
        return results
    whole: list[list[date]] = []
    partial: list[list[tuple[date, date]]] = []
    for lo, hi in ranges:
        if member_id is None:
            period = Period(lo, hi)
            whole.append(period.whole_months())
            partial.append(period.partial_ranges())
        else:
            whole.append([])
            partial.append([(lo, hi)])

    months = sorted({m for ms in whole for m in ms})
    if months:
        by_month: dict[date, Spend] = defaultdict(dict)
        rows = CategoryMonthly.objects.filter(
            household_id=household_id, kind=CategoryType.EXPENSE, month__in=months
        ).values_list("month", "category_key", "total")
        for month, key, total in rows:
            by_month[month][key] = by_month[month].get(key, ZERO) + total
        for result, ms in zip(results, whole, strict=True):
            for month in ms:
                _add_into(result, by_month.get(month, {}))

    days, spends = _daily_spend(household_id, [r for rs in partial for r in rs], member_id)
    for result, rs in zip(results, partial, strict=True):
        for lo, hi in rs:
            for i in range(bisect.bisect_left(days, lo), bisect.bisect_right(days, hi)):
                _add_into(result, spends[i])
    return results


# --- Budget status -----------------------------------------------------------------------------------


def category_tree(household_id: uuid.UUID) -> dict[uuid.UUID, tuple[uuid.UUID | None, str]]:
    return {
        cid: (parent_id, name)
        for cid, parent_id, name in Category.objects.filter(household_id=household_id).values_list(
            "id", "parent_id", "name"
        )
    }


def line_owner(
    lines: Sequence[BudgetLine], tree: dict[uuid.UUID, tuple[uuid.UUID | None, str]]
) -> dict[uuid.UUID, uuid.UUID]:
    """category id → the category id of the line that covers it (a line covers its category's subtree)."""
    lined = {line.category_id for line in lines}
    owner: dict[uuid.UUID, uuid.UUID] = {}
    for cid in tree:
        node: uuid.UUID | None = cid
        while node is not None:
            if node in lined:
                owner[cid] = node
                break
            node = tree[node][0] if node in tree else None
    return owner


@dataclass
class Figures:
    """The money of one line (or the total) in one period, in the budget's currency.

    ``None`` means "unknown": the period's spending could not be converted
    into the budget's currency (no rate), and what depends on it is unknown too.
    """

    budgeted: Decimal
    rollover_in: Decimal | None = ZERO
    moved: Decimal = ZERO
    spent: Decimal | None = ZERO
    spent_to_date: Decimal | None = None

    @property
    def available(self) -> Decimal | None:
        return None if self.rollover_in is None else self.budgeted + self.rollover_in + self.moved

    @property
    def remaining(self) -> Decimal | None:
        available = self.available
        return None if available is None or self.spent is None else available - self.spent

    def percent(self) -> float | None:
        available = self.available
        if available is None or self.spent is None or available <= 0:
            return None
        return round(float(self.spent * HUNDRED / available), 2)

    def crossed(self, threshold: int) -> bool:
        """Whether spending has reached ``threshold`` percent of the money available."""
        available = self.available
        if available is None or self.spent is None:
            return False
        if available <= 0:
            return self.spent > 0
        return self.spent * HUNDRED >= threshold * available


@dataclass
class PeriodStatus:
    index: int
    start: date
    end: date
    rate: Rate | None
    lines: dict[uuid.UUID, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=lambda: Figures(ZERO))
    unbudgeted: Decimal | None = ZERO
    member_spent: dict[uuid.UUID, Decimal | None] | None = None


@dataclass
class BudgetStatus:
    budget: Budget
    on: date
    current: PeriodStatus
    history: list[PeriodStatus]
    names: dict[uuid.UUID, str]
    pace_as_of: date | None
    member: Any = None


def _convert(rate: Rate | None, amount: Decimal) -> Decimal | None:
    return None if rate is None else rate.convert(amount)


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def budget_status(
    *, budget: Budget, on: date | None = None, history: int = 0, member: Any = None, rates: RateCache | None = None
) -> BudgetStatus:
    """The budget's figures for the period containing ``on`` (default today) and the ``history`` before it.

    Envelope budgets with rollover chain every period from the first, so the
    cost does not grow with history: all periods are read by one
    :func:`spend_by_period` call (two queries), plus the lines, the category
    tree and the moves.
    """
    on = on or timezone.localdate()
    history = max(0, min(history, MAX_HISTORY))
    household_id = budget.household_id
    base = budget.household.base_currency
    rates = rates or RateCache(household_id)
    cal = calendar_of(budget)
    current = cal.index_of(on)
    shown_from = max(0, current - history)
    chained = budget.style == BudgetStyle.ENVELOPE and budget.rollover
    first = 0 if chained else shown_from
    indexes = list(range(first, current + 1))
    ranges = [cal.range(k) for k in indexes]
    start, end = ranges[-1]
    pace_as_of = on if start <= on <= end else None
    pace_range = [(start, pace_as_of)] if pace_as_of is not None else []

    lines = list(budget.lines.all())
    tree = category_tree(household_id)
    owner = line_owner(lines, tree)
    names = {cid: name for cid, (_, name) in tree.items()}

    spends = spend_by_period(household_id=household_id, ranges=ranges + pace_range)
    member_spends: list[Spend] = []
    if member is not None:
        shown_ranges = [cal.range(k) for k in range(shown_from, current + 1)]
        member_spends = spend_by_period(
            household_id=household_id, ranges=shown_ranges + pace_range, member_id=getattr(member, "pk", member)
        )
    moved: dict[int, dict[uuid.UUID, Decimal]] = defaultdict(dict)
    if budget.style == BudgetStyle.ENVELOPE and lines:
        moves = move_list(budget=budget).filter(date__gte=ranges[0][0], date__lte=ranges[-1][1])
        for source, target, amount, day in moves.values_list("from_category_id", "to_category_id", "amount", "date"):
            bucket = moved[cal.index_of(day)]
            bucket[source] = bucket.get(source, ZERO) - amount
            bucket[target] = bucket.get(target, ZERO) + amount

    def split(spend: Spend) -> tuple[dict[uuid.UUID, Decimal], Decimal]:
        per_line: dict[uuid.UUID, Decimal] = {line.category_id: ZERO for line in lines}
        outside = ZERO
        for key, amount in spend.items():
            line_key = owner.get(key)
            if line_key is None:
                outside += amount
            else:
                per_line[line_key] += amount
        return per_line, outside

    periods: list[PeriodStatus] = []
    previous: PeriodStatus | None = None
    for position, (k, (lo, hi)) in enumerate(zip(indexes, ranges, strict=True)):
        rate = rates.get(base, budget.currency, hi)
        per_line, outside = split(spends[position])
        status = PeriodStatus(index=k, start=lo, end=hi, rate=rate)
        for line in lines:
            key = line.category_id
            carried: Decimal | None = ZERO
            if chained and previous is not None:
                carried = previous.lines[key].remaining
            status.lines[key] = Figures(
                budgeted=line.amount,
                rollover_in=carried,
                moved=moved[k].get(key, ZERO),
                spent=_convert(rate, per_line[key]),
            )
        lines_spent = sum(per_line.values(), ZERO)
        if budget.total_amount is not None or not lines:
            carried_total: Decimal | None = ZERO
            if chained and previous is not None:
                carried_total = previous.total.remaining
            spent_base = lines_spent if lines else lines_spent + outside
            status.total = Figures(
                budgeted=budget.total_amount if budget.total_amount is not None else ZERO,
                rollover_in=carried_total,
                spent=_convert(rate, spent_base),
            )
        else:
            parts = list(status.lines.values())
            rollovers = [f.rollover_in for f in parts]
            status.total = Figures(
                budgeted=sum((f.budgeted for f in parts), ZERO),
                rollover_in=None if None in rollovers else sum((r for r in rollovers if r is not None), ZERO),
                moved=sum((f.moved for f in parts), ZERO),
                spent=_convert(rate, lines_spent),
            )
        status.unbudgeted = _convert(rate, outside) if lines else ZERO
        periods.append(status)
        previous = status

    shown = [p for p in periods if p.index >= shown_from]
    if pace_as_of is not None:
        per_line, outside = split(spends[len(ranges)])
        now = shown[-1]
        for key, figures in now.lines.items():
            figures.spent_to_date = _convert(now.rate, per_line[key])
        now.total.spent_to_date = _convert(now.rate, sum(per_line.values(), ZERO) + (ZERO if lines else outside))
    if member is not None:
        for position, status in enumerate(shown):
            per_line, outside = split(member_spends[position])
            status.member_spent = {key: _convert(status.rate, amount) for key, amount in per_line.items()}
            status.member_spent[TOTAL_SCOPE] = _convert(
                status.rate, sum(per_line.values(), ZERO) + (ZERO if lines else outside)
            )
            if pace_as_of is not None and status is shown[-1]:
                per_line, outside = split(member_spends[len(shown)])
                for key, figures in status.lines.items():
                    figures.spent_to_date = _convert(status.rate, per_line[key])
                status.total.spent_to_date = _convert(
                    status.rate, sum(per_line.values(), ZERO) + (ZERO if lines else outside)
                )
    return BudgetStatus(
        budget=budget,
        on=on,
        current=shown[-1],
        history=shown[:-1],
        names=names,
        pace_as_of=pace_as_of,
        member=member,
    )


def _figures_json(
    figures: Figures, code: str, member: bool, member_spent: Decimal | None, pace: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "budgeted": present(figures.budgeted, code),
        "rollover_in": present(figures.rollover_in, code),
        "moved": present(figures.moved, code),
        "available": present(figures.available, code),
    }
    shown = figures
    if member:
        # The member's view: what they spent, against the household's money for the line.
        body["household_spent"] = present(figures.spent, code)
        shown = Figures(figures.budgeted, figures.rollover_in, figures.moved, member_spent)
    body["spent"] = present(shown.spent, code)
    body["remaining"] = present(shown.remaining, code)
    body["percent"] = shown.percent()
    if pace is not None:
        body["pace"] = pace
    return body


def _pace(figures: Figures, start: date, end: date, as_of: date, code: str) -> dict[str, Any]:
    elapsed = (as_of - start).days + 1
    days = (end - start).days + 1
    available = figures.available
    expected = None if available is None else stored(max(available, ZERO) * elapsed / days)
    actual = figures.spent_to_date
    difference = _minus(actual, expected)
    return {
        "as_of": as_of,
        "elapsed_days": elapsed,
        "total_days": days,
        "expected_spent": present(expected, code),
        "actual_spent": present(actual, code),
        "difference": present(difference, code),
        "on_track": None if difference is None else difference <= 0,
    }


def _period_json(status: BudgetStatus, period: PeriodStatus) -> dict[str, Any]:
    budget = status.budget
    code = budget.currency
    member = period.member_spent
    as_of = status.pace_as_of if period is status.current else None

    def pace(figures: Figures) -> dict[str, Any] | None:
        return None if as_of is None else _pace(figures, period.start, period.end, as_of, code)

    lines = []
    for key, figures in period.lines.items():
        row: dict[str, Any] = {"category": key, "name": status.names.get(key, "")}
        row.update(_figures_json(figures, code, member is not None, (member or {}).get(key), pace(figures)))
        lines.append(row)
    total = _figures_json(period.total, code, member is not None, (member or {}).get(TOTAL_SCOPE), pace(period.total))
    total["cap"] = present(budget.total_amount, code) if budget.total_amount is not None else None
    total["unbudgeted_spent"] = present(period.unbudgeted, code)
    base = budget.household.base_currency
    return {
        "period_start": period.start,
        "period_end": period.end,
        "exchange_rate": (
            None
            if base == code or period.rate is None
            else {"base": base, "quote": code, "rate": str(period.rate.value), "date": period.rate.date}
        ),
        "unconverted": period.rate is None,
        "lines": lines,
        "total": total,
    }


def budget_status_json(status: BudgetStatus) -> dict[str, Any]:
    """The status as the API shows it: money as exact strings in the budget's currency."""
    budget = status.budget
    member = status.member
    body: dict[str, Any] = {
        "budget": budget.id,
        "name": budget.name,
        "style": budget.style,
        "period": budget.period,
        "currency": budget.currency,
        "date": status.on,
        "member": None if member is None else {"id": member.pk, "username": member.get_username()},
    }
    body.update(_period_json(status, status.current))
    body["history"] = [_period_json(status, p) for p in status.history]
    return body


def crossed_thresholds(status: BudgetStatus) -> list[tuple[uuid.UUID, int, Figures]]:
    """(scope key, threshold, figures) for every line and the total at or past 80 % / 100 % now."""
    found = []
    period = status.current
    scopes: list[tuple[uuid.UUID, Figures]] = [*period.lines.items(), (TOTAL_SCOPE, period.total)]
    for key, figures in scopes:
        for threshold in THRESHOLDS:
            if figures.crossed(threshold):
                found.append((key, threshold, figures))
    return found


# --- Goals -------------------------------------------------------------------------------------------


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
            current_amount = _convert(rate, followed)
            gained = _convert(rate, net.get(account.id, ZERO))
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
