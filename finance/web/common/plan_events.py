"""Budget and goal events as sentences for people, newest first: the budget page, the goal page, the
dashboard's "Recent alerts" and the alerts page.

``finance.budgets`` records the events (``BudgetThresholdCrossed`` the first time a line or the total
reaches 80 % or 100 % in a period, ``GoalAchieved`` when a goal turns achieved); they are read here through
its selectors, as the API's ``budgets/{id}/events/`` and ``goals/{id}/events/`` read them. They are read on
every request, outside the dashboard's cached bundle: the budgets app records them in a task after the
ledger write has committed, so a bundle cached in between would not show them.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from finance.budgets import selectors
from finance.budgets.models import TOTAL_SCOPE, Budget, BudgetThresholdCrossed, Goal, GoalAchieved
from finance.households.models import Household
from finance.web.common import formatting
from finance.web.common.locale import user_today

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Alert:
    """One event, worded: ``text`` says what happened and when, ``detail`` the figures behind it."""

    kind: str  # "near" (80 %), "over" (100 %) or "reached" (a goal)
    text: str
    detail: str
    at: datetime
    budget_id: uuid.UUID | None = None
    goal_id: uuid.UUID | None = None
    period_start: date | None = None


@dataclass(frozen=True)
class Wording:
    """What a sentence needs from the request: the locale, the person's time zone and today."""

    locale: str
    zone: zoneinfo.ZoneInfo
    today: date

    @classmethod
    def of(cls, request: HttpRequest) -> Wording:
        try:
            zone = zoneinfo.ZoneInfo(getattr(request.user, "timezone", "") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return cls(getattr(request, "locale", "en"), zone, user_today(request))

    def when(self, moment: datetime) -> str:
        """The day it happened in the person's time zone, with the year only when it is not this one."""
        day = moment.astimezone(self.zone).date()
        return formatting.day_in_words(day, self.locale, with_year=day.year != self.today.year)

    def money(self, amount: Decimal, currency: str) -> str:
        return formatting.money(amount, currency, self.locale)


def threshold_alert(event: BudgetThresholdCrossed, words: Wording, *, named: bool) -> Alert:
    """``Groceries reached 80% of its budget on March 12`` (``named``: ``… of its budget in “Household” …``)."""
    values: dict[str, Any] = {
        "percent": formatting.percent(Decimal(event.threshold) / HUNDRED, words.locale),
        "date": words.when(event.created_at),
        "budget": event.budget.name,
    }
    if event.scope_key == TOTAL_SCOPE:
        if named:
            text = _("The budget “%(budget)s” as a whole reached %(percent)s on %(date)s") % values
        else:
            text = _("The budget as a whole reached %(percent)s on %(date)s") % values
    else:
        values["category"] = event.category.name if event.category else _("A removed category")
        if named:
            text = _("%(category)s reached %(percent)s of its budget in “%(budget)s” on %(date)s") % values
        else:
            text = _("%(category)s reached %(percent)s of its budget on %(date)s") % values
    detail = _("%(spent)s spent of %(available)s in the period %(start)s – %(end)s") % {
        "spent": words.money(event.spent, event.currency),
        "available": words.money(event.available, event.currency),
        "start": formatting.day(event.period_start, words.locale),
        "end": formatting.day(event.period_end, words.locale),
    }
    return Alert(
        kind="over" if event.threshold >= HUNDRED else "near",
        text=text,
        detail=detail,
        at=event.created_at,
        budget_id=event.budget_id,
        period_start=event.period_start,
    )


def goal_alert(event: GoalAchieved, words: Wording, *, named: bool) -> Alert:
    """``The goal “Holiday” reached its target of $1,000.00 on March 12``."""
    values = {
        "goal": event.goal.name,
        "target": words.money(event.target_amount, event.currency),
        "date": words.when(event.created_at),
    }
    if named:
        text = _("The goal “%(goal)s” reached its target of %(target)s on %(date)s") % values
    else:
        text = _("The goal reached its target of %(target)s on %(date)s") % values
    detail = _("%(amount)s saved when it was reached") % {"amount": words.money(event.amount, event.currency)}
    return Alert(kind="reached", text=text, detail=detail, at=event.created_at, goal_id=event.goal_id)


def budget_alerts(budget: Budget, words: Wording, *, limit: int, offset: int = 0) -> tuple[list[Alert], bool]:
    """The budget's events from ``offset``, at most ``limit``, and whether there are more."""
    events = list(
        selectors.event_list(budget=budget)
        .select_related("budget", "category")
        .order_by("-created_at", "-threshold", "-id")[offset : offset + limit + 1]
    )
    return [threshold_alert(e, words, named=False) for e in events[:limit]], len(events) > limit


def goal_alerts(goal: Goal, words: Wording, *, limit: int, offset: int = 0) -> tuple[list[Alert], bool]:
    """The goal's events from ``offset``, at most ``limit``, and whether there are more."""
    events = list(
        selectors.goal_event_list(goal=goal)
        .select_related("goal")
        .order_by("-created_at", "-id")[offset : offset + limit + 1]
    )
    return [goal_alert(e, words, named=False) for e in events[:limit]], len(events) > limit


def household_alerts(household: Household, words: Wording, *, limit: int, offset: int = 0) -> tuple[list[Alert], bool]:
    """Every budget's and goal's events of the household, newest first, from ``offset``: two queries of at
    most ``offset + limit + 1`` rows each, merged."""
    window = offset + limit + 1
    alerts = [
        threshold_alert(e, words, named=True) for e in selectors.household_event_list(household=household)[:window]
    ]
    alerts += [
        goal_alert(e, words, named=True) for e in selectors.household_goal_event_list(household=household)[:window]
    ]
    alerts.sort(key=lambda a: a.at, reverse=True)
    return alerts[offset : offset + limit], len(alerts) > offset + limit
