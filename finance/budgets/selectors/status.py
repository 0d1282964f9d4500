"""A budget's figures per period: budgeted, rollover, moves, spent, pace, a member's share.

Spending is read with :func:`~finance.budgets.selectors.spending.spend_by_period` and
converted into the budget's currency at each period's end-date rate.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finance.budgets.models import TOTAL_SCOPE, Budget, BudgetLine, BudgetStyle
from finance.budgets.selectors._rates import convert
from finance.budgets.selectors.lists import calendar_of, move_list
from finance.budgets.selectors.spending import Spend, spend_by_period
from finance.core.money import ZERO, present, stored
from finance.currency.selectors import Rate, RateCache
from finance.ledger.models import Category

HUNDRED = Decimal(100)
THRESHOLDS = (80, 100)
MAX_HISTORY = 120


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
                spent=convert(rate, per_line[key]),
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
                spent=convert(rate, spent_base),
            )
        else:
            parts = list(status.lines.values())
            rollovers = [f.rollover_in for f in parts]
            status.total = Figures(
                budgeted=sum((f.budgeted for f in parts), ZERO),
                rollover_in=None if None in rollovers else sum((r for r in rollovers if r is not None), ZERO),
                moved=sum((f.moved for f in parts), ZERO),
                spent=convert(rate, lines_spent),
            )
        status.unbudgeted = convert(rate, outside) if lines else ZERO
        periods.append(status)
        previous = status

    shown = [p for p in periods if p.index >= shown_from]
    if pace_as_of is not None:
        per_line, outside = split(spends[len(ranges)])
        now = shown[-1]
        for key, figures in now.lines.items():
            figures.spent_to_date = convert(now.rate, per_line[key])
        now.total.spent_to_date = convert(now.rate, sum(per_line.values(), ZERO) + (ZERO if lines else outside))
    if member is not None:
        for position, status in enumerate(shown):
            per_line, outside = split(member_spends[position])
            status.member_spent = {key: convert(status.rate, amount) for key, amount in per_line.items()}
            status.member_spent[TOTAL_SCOPE] = convert(
                status.rate, sum(per_line.values(), ZERO) + (ZERO if lines else outside)
            )
            if pace_as_of is not None and status is shown[-1]:
                per_line, outside = split(member_spends[len(shown)])
                for key, figures in status.lines.items():
                    figures.spent_to_date = convert(status.rate, per_line[key])
                status.total.spent_to_date = convert(
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
