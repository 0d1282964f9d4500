"""Budget status and goal progress shaped for templates (the figures are the selectors')."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from finance.budgets import selectors
from finance.budgets.models import Budget, Goal

HUNDRED = Decimal(100)


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    """One line (or the total) of a status for the page: amounts as Decimal, the bar's value and state."""
    percent = row.get("percent")
    shown: dict[str, Any] = {
        name: _money(row.get(name)) for name in ("budgeted", "rollover_in", "moved", "available", "spent", "remaining")
    }
    shown["percent"] = percent
    shown["share"] = None if percent is None else Decimal(str(percent)) / HUNDRED
    shown["bar"] = None if percent is None else min(round(percent), 100)
    remaining = shown["remaining"]
    shown["over"] = remaining is not None and remaining < 0
    shown["near"] = not shown["over"] and percent is not None and percent >= selectors.THRESHOLDS[0]
    pace = row.get("pace")
    if pace:
        shown["pace"] = {
            **pace,
            "expected_spent": _money(pace.get("expected_spent")),
            "actual_spent": _money(pace.get("actual_spent")),
            "difference": _money(pace.get("difference")),
            "ahead": None if pace.get("difference") is None else abs(Decimal(str(pace["difference"]))),
        }
    return shown


def _period(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "start": body["period_start"],
        "end": body["period_end"],
        "unconverted": body["unconverted"],
        "lines": [{"category": line["category"], "name": line["name"], **_figures(line)} for line in body["lines"]],
        "total": {
            **_figures(body["total"]),
            "cap": _money(body["total"].get("cap")),
            "unbudgeted_spent": _money(body["total"].get("unbudgeted_spent")),
        },
    }


def budget_summary(budget: Budget, on: date, history: int = 0, today: date | None = None) -> dict[str, Any]:
    """The budget's status (selectors.budget_status) shaped for templates."""
    status = selectors.budget_status(budget=budget, on=on, history=history)
    body = selectors.budget_status_json(status)
    current = _period(body)
    cal = selectors.calendar_of(budget)
    index = status.current.index
    last = cal.last_index
    current["index"] = index
    current["previous"] = cal.range(index - 1)[0] if index > 0 else None
    current["next"] = cal.range(index + 1)[0] if last is None or index < last else None
    # The pace is "by today": only the period containing today has one worth showing.
    current["is_current"] = current["start"] <= (today or timezone.localdate()) <= current["end"]
    current["history"] = [_period(p) for p in reversed(body["history"])]
    return current


def goal_rows(goals: list[Goal], today: date) -> list[dict[str, Any]]:
    progress = selectors.goal_progress(goals, today=today)
    rows = []
    for goal in goals:
        p = progress[goal.id]
        rows.append(
            {
                "goal": goal,
                "progress": p,
                "share": None if p.progress is None else Decimal(str(p.progress)),
                "bar": None if p.progress is None else round(p.progress * 100),
                "manual": goal.account_id is None,
            }
        )
    return rows
