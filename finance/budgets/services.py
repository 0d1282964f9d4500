"""Every write to budgets and goals.

Services check the actor's role, validate with field-level errors (each
naming its field, e.g. ``lines.1.category``), write inside one database
transaction and schedule their side effects after commit: threshold and goal
checks run in a Celery task (eager in the embedded default), cached reads are
invalidated through the household's version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.budgets import selectors
from finance.budgets.errors import ErrorCode
from finance.budgets.models import (
    TOTAL_SCOPE,
    Budget,
    BudgetLine,
    BudgetMove,
    BudgetPeriod,
    BudgetStyle,
    BudgetThresholdCrossed,
    Goal,
    GoalAchieved,
    GoalContribution,
    GoalStatus,
    GoalType,
)
from finance.budgets.periods import EARLIEST, LATEST
from finance.core.cache import bump_household_version
from finance.core.dates import date_problem
from finance.core.exceptions import Conflict, FieldError, FieldErrors
from finance.core.money import amount_problem, fits_column, iso_currencies
from finance.currency.selectors import RateCache
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.ledger.models import LIABILITY_TYPES, Account, Category, CategoryType
from finance.users.models import User


def _check_money(errors: FieldErrors, name: str, amount: Decimal | None, code: str, *, zero_ok: bool = False) -> None:
    if amount is None:
        errors.add(name, "This field is required.", ErrorCode.REQUIRED)
        return
    if amount.is_finite() and (amount < 0 or (amount == 0 and not zero_ok)):
        errors.add(name, "Must not be negative." if zero_ok else "Must be greater than zero.", ErrorCode.MIN_VALUE)
        return
    problem = amount_problem(amount, code if code in iso_currencies() else None)
    if problem is not None:
        errors.add(name, problem.message, problem.code)


def _check_date(errors: FieldErrors, name: str, day: date | None) -> None:
    problem = date_problem(day)
    if problem is not None:
        errors.add(name, problem.message, problem.code)


def _check_currency(errors: FieldErrors, name: str, code: str) -> str:
    code = (code or "").strip().upper()
    if code not in iso_currencies():
        errors.add(name, f"“{code}” is not an ISO 4217 currency code.", ErrorCode.INVALID_CURRENCY)
    return code


def _after_write(household_id: uuid.UUID) -> None:
    """Cached reads are stale and the ledger listener's "anything to watch?" flag may have changed."""
    bump_household_version(household_id)
    transaction.on_commit(lambda: selectors.forget_watch_flag(household_id))


# --- Budgets ------------------------------------------------------------------------------------------


@dataclass
class LineInput:
    category: Category
    amount: Decimal


BUDGET_FIELDS = {
    "name",
    "style",
    "period",
    "start_date",
    "end_date",
    "currency",
    "rollover",
    "total_amount",
    "is_active",
    "lines",
}


#: Most lines one budget may have; beyond, a 400 on ``lines`` (code ``too_many``) before any line is checked.
MAX_LINES = 200


def _line_inputs(lines: Iterable[Any]) -> list[LineInput]:
    return [item if isinstance(item, LineInput) else LineInput(item["category"], item["amount"]) for item in lines]


def _validate_budget(household: Household, values: dict[str, Any], lines: list[LineInput]) -> None:
    errors = FieldErrors()
    unknown = set(values) - BUDGET_FIELDS
    if unknown:
        errors.add(sorted(unknown)[0], "Unknown field.", ErrorCode.UNKNOWN_FIELD)
    if not str(values.get("name") or "").strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if values.get("style") not in BudgetStyle.values:
        errors.add("style", "Must be tracking or envelope.", ErrorCode.INVALID_CHOICE)
    if values.get("period") not in BudgetPeriod.values:
        errors.add("period", "Must be weekly, monthly, quarterly, yearly or custom.", ErrorCode.INVALID_CHOICE)
    code = _check_currency(errors, "currency", values.get("currency") or "")
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors.add("start_date", "This field is required.", ErrorCode.REQUIRED)
    for name, day in (("start_date", start), ("end_date", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            errors.add(name, f"Budgets run between {EARLIEST} and {LATEST}.", ErrorCode.OUT_OF_RANGE)
    if values.get("period") == BudgetPeriod.CUSTOM and end is None:
        errors.add("end_date", "A custom range needs an end date.", ErrorCode.REQUIRED)
    if start is not None and end is not None and end < start:
        errors.add("end_date", "Must not be before start_date.", ErrorCode.INVALID_RANGE)
    if values.get("rollover") and values.get("style") != BudgetStyle.ENVELOPE:
        errors.add("rollover", "Only envelope budgets roll over.", ErrorCode.INVALID)
    total = values.get("total_amount")
    if total is not None:
        _check_money(errors, "total_amount", total, code, zero_ok=True)
    elif not lines:
        errors.add("lines", "Give at least one line, or a total_amount for a total-only budget.", ErrorCode.REQUIRED)

    if len(lines) > MAX_LINES:
        errors.add("lines", f"At most {MAX_LINES} lines per budget.", ErrorCode.TOO_MANY)
        errors.raise_if_any()  # refused whole: not worth checking each line

    tree = selectors.category_tree(household.id) if lines else {}
    seen: dict[uuid.UUID, int] = {}
    covered: dict[uuid.UUID, int] = {}  # each ancestor of a line's category → the first such line
    for i, line in enumerate(lines):
        name = f"lines.{i}"
        category = line.category
        _check_money(errors, f"{name}.amount", line.amount, code, zero_ok=True)
        if category is None or category.household_id != household.id:
            errors.add(f"{name}.category", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
            continue
        if category.type != CategoryType.EXPENSE:
            errors.add(f"{name}.category", "Budgets cover expense categories only.", ErrorCode.TYPE_MISMATCH)
            continue
        if category.id in seen:
            errors.add(
                f"{name}.category",
                f"lines.{seen[category.id]} already has this category.",
                ErrorCode.DUPLICATE_CATEGORY,
            )
            continue
        above = _ancestors(tree, category.id)
        # A line on an ancestor covers this category; a line on a descendant is covered by this one.
        clash = next((seen[cid] for cid in above if cid in seen), covered.get(category.id))
        if clash is not None:
            errors.add(
                f"{name}.category",
                f"Overlaps lines.{clash}: a line covers its category's subcategories, so one budget cannot have both.",
                ErrorCode.OVERLAPPING_CATEGORY,
            )
            continue
        seen[category.id] = i
        for cid in above:
            covered.setdefault(cid, i)
    errors.raise_if_any()


def _ancestors(tree: dict[uuid.UUID, tuple[uuid.UUID | None, str]], cid: uuid.UUID) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    node = tree.get(cid, (None, ""))[0]
    while node is not None and node not in found:
        found.add(node)
        node = tree.get(node, (None, ""))[0]
    return found


def _save_lines(budget: Budget, lines: Sequence[LineInput]) -> None:
    """Make the budget's lines exactly these: keep rows by category, drop the rest (and their moves)."""
    existing = {line.category_id: line for line in BudgetLine.objects.filter(budget=budget)}
    wanted = {line.category.id for line in lines}
    gone = set(existing) - wanted
    if gone:
        BudgetLine.objects.filter(budget=budget, category_id__in=gone).delete()
        # Money moved to or from a line that no longer exists goes back where it came from.
        BudgetMove.objects.filter(budget=budget, from_category_id__in=gone).delete()
        BudgetMove.objects.filter(budget=budget, to_category_id__in=gone).delete()
    changed, added = [], []
    for position, line in enumerate(lines):
        row = existing.get(line.category.id)
        if row is None:
            added.append(
                BudgetLine(
                    household_id=budget.household_id,
                    budget=budget,
                    category=line.category,
                    amount=line.amount,
                    position=position,
                )
            )
        elif (row.amount, row.position) != (line.amount, position):
            row.amount, row.position = line.amount, position
            changed.append(row)
    BudgetLine.objects.bulk_create(added)
    BudgetLine.objects.bulk_update(changed, ["amount", "position", "updated_at"])


def _schedule_budget_check(budget: Budget) -> None:
    from finance.budgets import tasks

    budget_id = str(budget.id)
    transaction.on_commit(lambda: tasks.evaluate_budget.delay(budget_id), robust=True)


@transaction.atomic
def budget_create(
    *,
    household: Household,
    actor: User | None,
    name: str,
    start_date: date,
    period: str = BudgetPeriod.MONTHLY,
    style: str = BudgetStyle.TRACKING,
    end_date: date | None = None,
    currency: str | None = None,
    rollover: bool = False,
    total_amount: Decimal | None = None,
    is_active: bool = True,
    lines: Iterable[Any] = (),
) -> Budget:
    """A budget in ``currency`` (default: the household's base currency) with its lines."""
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    line_inputs = _line_inputs(lines)
    values = {
        "name": name,
        "style": style,
        "period": period,
        "start_date": start_date,
        "end_date": end_date,
        "currency": (currency or household.base_currency).strip().upper(),
        "rollover": rollover,
        "total_amount": total_amount,
        "is_active": is_active,
    }
    _validate_budget(household, values, line_inputs)
    values["name"] = name.strip()
    budget = Budget.objects.create(household=household, **values)
    _save_lines(budget, line_inputs)
    _after_write(household.id)
    _schedule_budget_check(budget)
    return budget


@transaction.atomic
def budget_update(*, budget: Budget, actor: User | None, **changes: Any) -> Budget:
    """Change a budget; ``lines``, when given, replaces the whole set."""
    household = budget.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    current_lines = [LineInput(line.category, line.amount) for line in budget.lines.select_related("category")]
    line_inputs = _line_inputs(changes["lines"]) if "lines" in changes else current_lines
    values = {name: getattr(budget, name) for name in BUDGET_FIELDS - {"lines"}}
    values.update({k: v for k, v in changes.items() if k != "lines"})
    if "currency" in changes:
        values["currency"] = str(changes["currency"] or "").strip().upper()
    if changes.get("style") == BudgetStyle.TRACKING and "rollover" not in changes:
        values["rollover"] = False
    _validate_budget(household, values, line_inputs)
    values["name"] = str(values["name"]).strip()
    for name, value in values.items():
        setattr(budget, name, value)
    budget.save()
    if "lines" in changes:
        _save_lines(budget, line_inputs)
    _after_write(household.id)
    _schedule_budget_check(budget)
    return budget


@transaction.atomic
def budget_delete(*, budget: Budget, actor: User | None) -> None:
    require_role(household=budget.household, actor=actor, roles=WRITE_ROLES)
    household_id = budget.household_id
    audit_record(action=AuditAction.BUDGET_DELETE, actor=actor, household=household_id, target=budget)
    budget.delete()
    _after_write(household_id)


@transaction.atomic
def budget_move_create(
    *,
    budget: Budget,
    actor: User | None,
    from_category: Category,
    to_category: Category,
    amount: Decimal,
    date: date | None = None,
    note: str = "",
) -> BudgetMove:
    """Move money from one envelope to another for the period containing ``date`` (default today)."""
    require_role(household=budget.household, actor=actor, roles=WRITE_ROLES)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.style != BudgetStyle.ENVELOPE:
        raise Conflict("Money moves between the lines of envelope budgets only.", code=ErrorCode.NOT_ENVELOPE)
    on = date or timezone.localdate()
    errors = FieldErrors()
    lined = set(BudgetLine.objects.filter(budget=budget).values_list("category_id", flat=True))
    for name, category in (("from_category", from_category), ("to_category", to_category)):
        if category is None or category.household_id != budget.household_id:
            errors.add(name, "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
        elif category.id not in lined:
            errors.add(name, "This budget has no line for this category.", ErrorCode.NO_LINE)
    if "to_category" not in errors and from_category is not None and from_category == to_category:
        errors.add("to_category", "Money moves between two different lines.", ErrorCode.SAME_LINE)
    _check_money(errors, "amount", amount, budget.currency)
    if not selectors.calendar_of(budget).covers(on):
        errors.add("date", "The budget does not cover this date.", ErrorCode.OUT_OF_RANGE)
    errors.raise_if_any()
    move = BudgetMove.objects.create(
        household_id=budget.household_id,
        budget=budget,
        from_category=from_category,
        to_category=to_category,
        amount=amount,
        date=on,
        note=(note or "").strip(),
        created_by=actor,
    )
    _after_write(budget.household_id)
    _schedule_budget_check(budget)
    return move


@transaction.atomic
def budget_move_delete(*, move: BudgetMove, actor: User | None) -> None:
    require_role(household=move.household, actor=actor, roles=WRITE_ROLES)
    budget = move.budget
    move.delete()
    _after_write(budget.household_id)
    _schedule_budget_check(budget)


@transaction.atomic
def budget_thresholds_evaluate(
    *,
    household_id: uuid.UUID,
    dates: Iterable[date] | None = None,
    budget_ids: Iterable[uuid.UUID] | None = None,
    today: date | None = None,
) -> int:
    """Record a ``BudgetThresholdCrossed`` for every line or total now at 80 % / 100 % of its current period.

    Only active budgets whose current period (the one containing ``today``)
    contains one of ``dates`` are looked at (all of them when ``dates`` is
    ``None``). Each (line, period, threshold) is recorded once: the unique
    constraint turns repeats into no-ops. Returns how many thresholds stand
    crossed (recorded now or before).
    """
    today = today or timezone.localdate()
    changed = None if dates is None else frozenset(dates)
    budgets = (
        Budget.objects.filter(household_id=household_id, is_active=True)
        .select_related("household")
        .prefetch_related("lines")
    )
    if budget_ids is not None:
        budgets = budgets.filter(pk__in=list(budget_ids))
    rates = RateCache(household_id)
    rows: list[BudgetThresholdCrossed] = []
    for budget in budgets:
        cal = selectors.calendar_of(budget)
        if not cal.covers(today):
            continue
        start, end = cal.range(cal.index_of(today))
        if changed is not None and not any(start <= day <= end for day in changed):
            continue
        status = selectors.budget_status(budget=budget, on=today, rates=rates)
        for key, threshold, figures in selectors.crossed_thresholds(status):
            assert figures.spent is not None and figures.available is not None
            if not (fits_column(figures.spent) and fits_column(figures.available)):
                continue  # a sum converted past what a column holds: nothing to record exactly
            rows.append(
                BudgetThresholdCrossed(
                    household_id=household_id,
                    budget=budget,
                    scope_key=key,
                    category_id=None if key == TOTAL_SCOPE else key,
                    period_start=start,
                    period_end=end,
                    threshold=threshold,
                    spent=figures.spent,
                    available=figures.available,
                    currency=budget.currency,
                )
            )
    if rows:
        BudgetThresholdCrossed.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def ledger_change_evaluate(*, household_id: uuid.UUID, dates: Iterable[date]) -> None:
    """What the budgets app does after a ledger write: check thresholds and goals following accounts."""
    budget_thresholds_evaluate(household_id=household_id, dates=dates)
    goals_evaluate(household_id=household_id)


# --- Goals --------------------------------------------------------------------------------------------


GOAL_FIELDS = {"name", "goal_type", "target_amount", "currency", "target_date", "account", "status"}


def _baseline(goal_type: str, account: Account | None) -> Decimal | None:
    if goal_type == GoalType.DEBT_PAYOFF and account is not None and account.type in LIABILITY_TYPES:
        return account.balance
    return None


def _validate_goal(household: Household, values: dict[str, Any]) -> None:
    errors = FieldErrors()
    unknown = set(values) - GOAL_FIELDS - {"baseline_balance"}
    if unknown:
        errors.add(sorted(unknown)[0], "Unknown field.", ErrorCode.UNKNOWN_FIELD)
    if not str(values.get("name") or "").strip():
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    if values.get("goal_type") not in GoalType.values:
        errors.add("goal_type", "Not a valid goal type.", ErrorCode.INVALID_CHOICE)
    if values.get("status") not in GoalStatus.values:
        errors.add("status", "Not a valid status.", ErrorCode.INVALID_CHOICE)
    code = _check_currency(errors, "currency", values.get("currency") or "")
    account = values.get("account")
    if account is not None and account.household_id != household.id:
        errors.add("account", "Not found in this household.", ErrorCode.DOES_NOT_EXIST)
    _check_money(errors, "target_amount", values.get("target_amount"), code)
    _check_date(errors, "target_date", values.get("target_date"))
    errors.raise_if_any()


def _default_debt_target(household: Household, account: Account, code: str) -> Decimal | None:
    owed = -account.balance
    if owed <= 0:
        return None
    rate = RateCache(household.id).get(account.currency, code, timezone.localdate())
    return None if rate is None else rate.convert(owed)


def _achieve_if_reached(goal: Goal) -> bool:
    """Mark an active goal achieved once its current amount reaches the target (the caller holds its row lock)."""
    if goal.status != GoalStatus.ACTIVE:
        return False
    progress = selectors.goal_progress([goal])[goal.id]
    if progress.current_amount is None or progress.current_amount < goal.target_amount:
        return False
    _mark_achieved(goal, progress.current_amount)
    return True


def _mark_achieved(goal: Goal, amount: Decimal | None) -> None:
    goal.status = GoalStatus.ACHIEVED
    goal.achieved_at = timezone.now()
    goal.save(update_fields=["status", "achieved_at", "updated_at"])
    GoalAchieved.objects.create(
        household_id=goal.household_id,
        goal=goal,
        amount=amount if amount is not None and fits_column(amount) else goal.target_amount,
        target_amount=goal.target_amount,
        currency=goal.currency,
    )


@transaction.atomic
def goal_create(
    *,
    household: Household,
    actor: User | None,
    name: str,
    target_amount: Decimal | None = None,
    goal_type: str = GoalType.SAVINGS,
    currency: str | None = None,
    target_date: date | None = None,
    account: Account | None = None,
    status: str = GoalStatus.ACTIVE,
) -> Goal:
    """A goal; with an ``account`` its progress follows that account's balance.

    A debt-payoff goal on a liability account remembers the account's balance
    now and counts what has been paid since; its target defaults to the debt.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    code = (currency or (account.currency if account is not None else household.base_currency)).strip().upper()
    if target_amount is None and account is not None and _baseline(goal_type, account) is not None:
        if account.household_id == household.id and code in iso_currencies():
            target_amount = _default_debt_target(household, account, code)
        if target_amount is None:
            raise FieldError(
                "target_amount", "This account owes nothing now; give a target amount.", code=ErrorCode.REQUIRED
            )
    values = {
        "name": name,
        "goal_type": goal_type,
        "target_amount": target_amount,
        "currency": code,
        "target_date": target_date,
        "account": account,
        "status": status,
    }
    _validate_goal(household, values)
    values["name"] = name.strip()
    goal = Goal.objects.create(household=household, baseline_balance=_baseline(goal_type, account), **values)
    if status == GoalStatus.ACHIEVED:
        _mark_achieved(goal, selectors.goal_progress([goal])[goal.id].current_amount)
    else:
        _achieve_if_reached(goal)
    _after_write(household.id)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, actor: User | None, **changes: Any) -> Goal:
    household = goal.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    goal = Goal.objects.select_for_update(of=("self",)).select_related("account").get(pk=goal.pk)
    values = {name: getattr(goal, name) for name in GOAL_FIELDS}
    values.update(changes)
    if "currency" in changes:
        values["currency"] = str(changes["currency"] or "").strip().upper()
    _validate_goal(household, values)
    values["name"] = str(values["name"]).strip()
    relinked = (values["account"], values["goal_type"]) != (goal.account, goal.goal_type)
    was = goal.status
    for name, value in values.items():
        setattr(goal, name, value)
    if relinked:
        goal.baseline_balance = _baseline(goal.goal_type, goal.account)
    if goal.status != GoalStatus.ACHIEVED:
        goal.achieved_at = None
    goal.save()
    if goal.status == GoalStatus.ACHIEVED and was != GoalStatus.ACHIEVED:
        progress = selectors.goal_progress([goal])[goal.id]
        _mark_achieved(goal, progress.current_amount)
    else:
        _achieve_if_reached(goal)
    _after_write(household.id)
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, actor: User | None) -> None:
    require_role(household=goal.household, actor=actor, roles=WRITE_ROLES)
    household_id = goal.household_id
    audit_record(action=AuditAction.GOAL_DELETE, actor=actor, household=household_id, target=goal)
    goal.delete()
    _after_write(household_id)


@transaction.atomic
def goal_contribution_create(
    *, goal: Goal, actor: User | None, amount: Decimal, date: date | None = None, note: str = ""
) -> GoalContribution:
    """Put money toward a goal without a linked account; reaching the target marks it achieved."""
    require_role(household=goal.household, actor=actor, roles=WRITE_ROLES)
    goal = Goal.objects.select_for_update(of=("self",)).select_related("account").get(pk=goal.pk)
    if goal.account_id is not None:
        raise Conflict(
            "This goal follows its linked account's balance; contributions are for goals without one.",
            code=ErrorCode.GOAL_LINKED,
        )
    errors = FieldErrors()
    _check_money(errors, "amount", amount, goal.currency)
    _check_date(errors, "date", date)
    errors.raise_if_any()
    contribution = GoalContribution.objects.create(
        household_id=goal.household_id,
        goal=goal,
        amount=amount,
        date=date or timezone.localdate(),
        note=(note or "").strip(),
        created_by=actor,
    )
    _achieve_if_reached(goal)
    _after_write(goal.household_id)
    return contribution


@transaction.atomic
def goal_contribution_delete(*, contribution: GoalContribution, actor: User | None) -> None:
    require_role(household=contribution.household, actor=actor, roles=WRITE_ROLES)
    household_id = contribution.household_id
    contribution.delete()
    _after_write(household_id)


@transaction.atomic
def goals_evaluate(*, household_id: uuid.UUID) -> int:
    """Mark achieved every active goal whose linked account has reached its target; returns how many."""
    goals = list(
        Goal.objects.select_for_update(of=("self",))
        .filter(household_id=household_id, status=GoalStatus.ACTIVE, account__isnull=False)
        .select_related("account")
    )
    if not goals:
        return 0
    progress = selectors.goal_progress(goals)
    reached = 0
    for goal in goals:
        current = progress[goal.id].current_amount
        if current is not None and current >= goal.target_amount:
            _mark_achieved(goal, current)
            reached += 1
    return reached
