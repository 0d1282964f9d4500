"""Budgets and goals: status per period with history, create/edit with lines, envelope moves, goals, and
their events (alerts) worded by ``common/plan_events.py``.

Every figure comes from ``finance.budgets.selectors`` (``budget_status``,
``goal_progress``); every write goes through ``finance.budgets.services``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from finance.budgets import selectors, services
from finance.budgets.models import Budget, BudgetStyle, Goal, GoalStatus, GoalType
from finance.budgets.services import LineInput
from finance.core.dates import within_dates
from finance.core.exceptions import Conflict, FieldError
from finance.households.models import Household
from finance.users.selectors import actor_of
from finance.web.common.errors import add_service_errors, domain_message
from finance.web.common.locale import user_today
from finance.web.common.plan_events import Wording, budget_alerts, goal_alerts, household_alerts
from finance.web.common.plan_figures import budget_summary, goal_rows
from finance.web.common.views import confirm_delete, household_view
from finance.web.planning.forms import BudgetForm, BudgetLineFormSet, ContributionForm, GoalForm, MoveForm

# Events shown on a budget's and a goal's page; the alerts page has the rest, ALERT_PAGE at a time.
PAGE_ALERTS = 5
ALERT_PAGE = 25
# Blank line rows on the budget form; "Add a line" (app.js) adds more.
LINE_ROWS = 3
# Previous periods shown under a budget's current one.
HISTORY = 6


def _scoped_budget(household: Household, pk: Any) -> Budget:
    return get_object_or_404(budget_list_for(household), pk=pk)


def budget_list_for(household: Household) -> Any:
    return selectors.budget_list(household=household).select_related("household")


def _line_choices(budget: Budget) -> list[tuple[Any, str]]:
    lines = list(budget.lines.select_related("category", "category__parent"))
    return [
        (
            line.category,
            f"{line.category.parent.name} › {line.category.name}" if line.category.parent else line.category.name,
        )
        for line in lines
    ]


def _date_param(request: HttpRequest) -> date | None:
    try:
        return within_dates(date.fromisoformat(request.GET.get("date", "")))
    except ValueError:
        return None


@household_view()
def budget_index(request: HttpRequest, household: Household) -> HttpResponse:
    today = user_today(request)
    budgets = list(budget_list_for(household))
    rows = [{"budget": b, "status": budget_summary(b, today, today=today)} for b in budgets]
    return render(
        request,
        "web/budgets/index.html",
        {
            "section": "budgets",
            "active": [r for r in rows if r["budget"].is_active],
            "inactive": [r for r in rows if not r["budget"].is_active],
        },
    )


def _budget_page(
    request: HttpRequest, household: Household, budget: Budget, *, move_form: MoveForm | None = None, status: int = 200
) -> HttpResponse:
    today = user_today(request)
    on = _date_param(request) or today
    summary = budget_summary(budget, on, history=HISTORY, today=today)
    envelope = budget.style == BudgetStyle.ENVELOPE
    locale: str = getattr(request, "locale", "en")
    lines = _line_choices(budget) if envelope else []
    if envelope and move_form is None and len(lines) >= 2:
        move_form = MoveForm(
            lines=lines,
            locale=locale,
            initial={
                "date": on if summary["start"] <= on <= summary["end"] else summary["start"],
                "from_category": str(lines[0][0].id),
                "to_category": str(lines[1][0].id),
            },
        )
    moves = []
    if envelope:
        moves = list(
            selectors.move_list(budget=budget)
            .filter(date__gte=summary["start"], date__lte=summary["end"])
            .select_related("from_category", "to_category")
        )
    alerts, more_alerts = budget_alerts(budget, Wording.of(request), limit=PAGE_ALERTS)
    return render(
        request,
        "web/budgets/detail.html",
        {
            "section": "budgets",
            "budget": budget,
            "summary": summary,
            "envelope": envelope,
            "move_form": move_form if envelope and len(lines) >= 2 else None,
            "moves": moves,
            "today": today,
            "alerts": alerts,
            "more_alerts": more_alerts,
        },
        status=status,
    )


@household_view()
def budget_detail(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _budget_page(request, household, _scoped_budget(household, pk))


def _line_rows(budget: Budget | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if budget is not None:
        rows = [{"category": str(line.category_id), "amount": line.amount} for line in budget.lines.all()]
    return rows + [{} for _ in range(LINE_ROWS)]


def _budget_form(request: HttpRequest, household: Household, budget: Budget | None) -> HttpResponse:
    locale: str = getattr(request, "locale", "en")
    form_kwargs = {"household": household, "locale": locale}
    if request.method == "POST":
        form = BudgetForm(request.POST, locale=locale)
        lines = BudgetLineFormSet(request.POST, prefix="lines", form_kwargs=form_kwargs)
        if form.is_valid() and lines.is_valid():
            filled = [f for f in lines.forms if not f.is_blank()]
            values = form.service_values()
            values["lines"] = [LineInput(f.cleaned_data["category"], f.cleaned_data["amount"]) for f in filled]
            try:
                if budget is None:
                    budget = services.budget_create(household=household, actor=actor_of(request), **values)
                    messages.success(request, _("Budget added."))
                else:
                    budget = services.budget_update(budget=budget, actor=actor_of(request), **values)
                    messages.success(request, _("Budget saved."))
                return redirect("web:budget-detail", pk=budget.pk)
            except FieldError as exc:
                line_errors: list[str] = []
                add_service_errors(exc, form, split_forms=filled, split_errors=line_errors, rows="lines")
                lines.non_form_errors().extend(line_errors)
    else:
        if budget is None:
            initial: dict[str, Any] = {
                "style": BudgetStyle.TRACKING,
                "period": "monthly",
                "start_date": user_today(request).replace(day=1),
                "currency": household.base_currency,
                "is_active": True,
            }
        else:
            initial = {
                name: getattr(budget, name)
                for name in (
                    "name",
                    "style",
                    "period",
                    "start_date",
                    "end_date",
                    "currency",
                    "total_amount",
                    "rollover",
                    "is_active",
                )
            }
        form = BudgetForm(initial=initial, locale=locale)
        lines = BudgetLineFormSet(prefix="lines", initial=_line_rows(budget), form_kwargs=form_kwargs)
    return render(
        request,
        "web/budgets/form.html",
        {
            "section": "budgets",
            "form": form,
            "lines": lines,
            "lines_invalid": lines.is_bound and (bool(lines.non_form_errors()) or any(f.errors for f in lines.forms)),
            "budget": budget,
        },
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def budget_create(request: HttpRequest, household: Household) -> HttpResponse:
    return _budget_form(request, household, None)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def budget_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _budget_form(request, household, _scoped_budget(household, pk))


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def budget_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    budget = _scoped_budget(household, pk)
    return confirm_delete(
        request,
        delete=lambda: services.budget_delete(budget=budget, actor=actor_of(request)),
        message=_("Budget deleted."),
        done="web:budgets",
        template="web/budgets/delete.html",
        context={"section": "budgets", "budget": budget},
    )


@household_view(write=True)
@require_POST
def budget_move(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    """Move money between two envelopes; errors are shown on the budget's page next to their fields."""
    budget = _scoped_budget(household, pk)
    locale: str = getattr(request, "locale", "en")
    form = MoveForm(request.POST, lines=_line_choices(budget), locale=locale)
    if form.is_valid():
        values = form.service_values()
        try:
            services.budget_move_create(budget=budget, actor=actor_of(request), **values)
        except FieldError as exc:
            add_service_errors(exc, form)
        except Conflict as exc:
            messages.error(request, domain_message(exc))
            return redirect("web:budget-detail", pk=budget.pk)
        else:
            messages.success(request, _("Money moved."))
            return redirect(f"{reverse('web:budget-detail', args=[budget.pk])}?date={values['date'].isoformat()}")
    return _budget_page(request, household, budget, move_form=form, status=400)


@household_view(write=True)
@require_POST
def budget_move_delete(request: HttpRequest, household: Household, pk: Any, move_pk: Any) -> HttpResponse:
    budget = _scoped_budget(household, pk)
    move = get_object_or_404(selectors.move_list(budget=budget), pk=move_pk)
    day = move.date
    services.budget_move_delete(move=move, actor=actor_of(request))
    messages.success(request, _("Move undone."))
    return redirect(f"{reverse('web:budget-detail', args=[budget.pk])}?date={day.isoformat()}")


# --- Goals -----------------------------------------------------------------------------------------------


def _scoped_goal(household: Household, pk: Any) -> Goal:
    return get_object_or_404(selectors.goal_list(household=household).select_related("household"), pk=pk)


@household_view()
def goal_index(request: HttpRequest, household: Household) -> HttpResponse:
    goals = list(selectors.goal_list(household=household))
    rows = goal_rows(goals, user_today(request))
    return render(
        request,
        "web/goals/index.html",
        {
            "section": "goals",
            "open": [r for r in rows if r["goal"].status in (GoalStatus.ACTIVE, GoalStatus.PAUSED)],
            "closed": [r for r in rows if r["goal"].status not in (GoalStatus.ACTIVE, GoalStatus.PAUSED)],
        },
    )


def _goal_form(request: HttpRequest, household: Household, goal: Goal | None) -> HttpResponse:
    locale: str = getattr(request, "locale", "en")
    if request.method == "POST":
        form = GoalForm(request.POST, household=household, locale=locale)
        if form.is_valid():
            values = form.service_values()
            try:
                if goal is None:
                    services.goal_create(household=household, actor=actor_of(request), **values)
                    messages.success(request, _("Goal added."))
                else:
                    services.goal_update(goal=goal, actor=actor_of(request), **values)
                    messages.success(request, _("Goal saved."))
                return redirect("web:goals")
            except FieldError as exc:
                add_service_errors(exc, form)
    else:
        initial: dict[str, Any] = {
            "goal_type": GoalType.SAVINGS,
            "status": GoalStatus.ACTIVE,
            "currency": household.base_currency,
        }
        if goal is not None:
            initial = {
                name: getattr(goal, name)
                for name in ("name", "goal_type", "target_amount", "currency", "target_date", "status")
            }
            initial["account"] = goal.account_id
        form = GoalForm(initial=initial, household=household, locale=locale)
    alerts, more_alerts = ([], False) if goal is None else goal_alerts(goal, Wording.of(request), limit=PAGE_ALERTS)
    context = {"section": "goals", "form": form, "goal": goal, "alerts": alerts, "more_alerts": more_alerts}
    return render(request, "web/goals/form.html", context)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest, household: Household) -> HttpResponse:
    return _goal_form(request, household, None)


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    return _goal_form(request, household, _scoped_goal(household, pk))


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def goal_delete(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    goal = _scoped_goal(household, pk)
    return confirm_delete(
        request,
        delete=lambda: services.goal_delete(goal=goal, actor=actor_of(request)),
        message=_("Goal deleted."),
        done="web:goals",
        template="web/goals/delete.html",
        context={"section": "goals", "goal": goal},
    )


@household_view(write=True)
@require_http_methods(["GET", "POST"])
def goal_contribute(request: HttpRequest, household: Household, pk: Any) -> HttpResponse:
    goal = _scoped_goal(household, pk)
    locale: str = getattr(request, "locale", "en")
    today = user_today(request)
    if request.method == "POST":
        form = ContributionForm(request.POST, locale=locale)
        if form.is_valid():
            try:
                services.goal_contribution_create(goal=goal, actor=actor_of(request), **form.cleaned_data)
            except FieldError as exc:
                add_service_errors(exc, form)
            except Conflict as exc:
                form.add_error(None, domain_message(exc))
            else:
                messages.success(request, _("Contribution added."))
                return redirect("web:goals")
    else:
        form = ContributionForm(initial={"date": today}, locale=locale)
    row = goal_rows([goal], today)[0]
    contributions = list(selectors.contribution_list(goal=goal)[:20])
    return render(
        request,
        "web/goals/contribute.html",
        {
            "section": "goals",
            "form": form,
            "goal": goal,
            "row": row,
            "contributions": contributions,
        },
    )


@household_view(write=True)
@require_POST
def goal_contribution_delete(request: HttpRequest, household: Household, pk: Any, contribution: Any) -> HttpResponse:
    """Take back a contribution (entered twice, or the wrong amount); the goal's progress follows."""
    goal = _scoped_goal(household, pk)
    found = get_object_or_404(selectors.contribution_list(goal=goal), pk=contribution)
    services.goal_contribution_delete(contribution=found, actor=actor_of(request))
    messages.success(request, _("Contribution removed."))
    return redirect("web:goal-contribute", goal.pk)


# --- Alerts --------------------------------------------------------------------------------------------


def _page_param(request: HttpRequest) -> int:
    try:
        return min(max(1, int(request.GET.get("page", "1"))), 10_000)
    except ValueError:
        return 1


@household_view()
def alert_index(request: HttpRequest, household: Household) -> HttpResponse:
    """Every budget's and goal's events, newest first, ``ALERT_PAGE`` a page; ``?budget=`` or ``?goal=``
    narrows them to one (another household's id is the 404 page)."""
    words = Wording.of(request)
    page = _page_param(request)
    offset = (page - 1) * ALERT_PAGE
    budget = goal = None
    if request.GET.get("budget"):
        budget = _scoped_budget(household, _uuid_or_404(request.GET["budget"]))
        alerts, more = budget_alerts(budget, words, limit=ALERT_PAGE, offset=offset)
        title = _("Alerts: %(name)s") % {"name": budget.name}
        filter_query = f"budget={budget.pk}&"
    elif request.GET.get("goal"):
        goal = _scoped_goal(household, _uuid_or_404(request.GET["goal"]))
        alerts, more = goal_alerts(goal, words, limit=ALERT_PAGE, offset=offset)
        title = _("Alerts: %(name)s") % {"name": goal.name}
        filter_query = f"goal={goal.pk}&"
    else:
        alerts, more = household_alerts(household, words, limit=ALERT_PAGE, offset=offset)
        title = _("Alerts")
        filter_query = ""
    context = {
        "section": "alerts",
        "title": title,
        "alerts": alerts,
        "more": more,
        "page": page,
        "budget": budget,
        "goal": goal,
        "filter_query": filter_query,
    }
    return render(request, "web/alerts/index.html", context)


def _uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None
