"""Demo budgets and goals over the demo ledger (``finance/demo/ledger.py``), for ``load_demo``.

A monthly envelope budget with rollover whose amounts fit the demo's
spending (some months over, some under, so the rollover chain runs both
ways), a move between envelopes this month, an emergency fund following the
savings account and a holiday fund with monthly contributions and a date.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db import transaction

from finance.budgets import services
from finance.budgets.models import Budget, Goal
from finance.core.dates import add_months, first_of_month
from finance.households.models import Household
from finance.ledger.models import Account, AccountType, Category
from finance.users.models import User

# A little above the demo's average monthly spending in each: most months end near zero, a costly month
# (a new laptop, a big grocery run) leaves a negative rollover that quieter months pay back.
ENVELOPES = [
    ("Groceries", "1400.00"),
    ("Dining out", "550.00"),
    ("Coffee", "60.00"),
    ("Transport", "760.00"),
    ("Entertainment", "320.00"),
    ("Shopping", "2200.00"),
]


@transaction.atomic
def generate(
    household: Household, *, actor: User | None = None, today: date | None = None
) -> tuple[Budget, list[Goal]]:
    """Create the demo budget and goals in ``household`` (whose demo ledger already exists)."""
    today = today or date.today()  # noqa: DTZ011 - the same calendar date the demo ledger ends on
    this_month = first_of_month(today)
    categories = {c.name: c for c in Category.objects.filter(household=household, type="expense")}
    budget = services.budget_create(
        household=household,
        actor=actor,
        name="Monthly spending",
        style="envelope",
        period="monthly",
        start_date=add_months(this_month, -11),
        rollover=True,
        lines=[services.LineInput(categories[name], Decimal(amount)) for name, amount in ENVELOPES],
    )
    services.budget_move_create(
        budget=budget,
        actor=actor,
        from_category=categories["Shopping"],
        to_category=categories["Dining out"],
        amount=Decimal("100.00"),
        date=this_month,
        note="Birthday dinner",
    )
    services.budget_thresholds_evaluate(household_id=household.id, today=today)

    savings = (
        Account.objects.filter(household=household, type=AccountType.SAVINGS, is_active=True)
        .order_by("created_at")
        .first()
    )
    goals = [
        services.goal_create(
            household=household,
            actor=actor,
            name="Emergency fund",
            goal_type="emergency_fund",
            target_amount=_emergency_target(savings),
            target_date=add_months(this_month, 12),
            account=savings,
        )
    ]
    holiday = services.goal_create(
        household=household,
        actor=actor,
        name="Summer in Lisbon",
        goal_type="purchase",
        target_amount=Decimal("3000.00"),
        target_date=date(today.year + 1, 6, 30),
    )
    for months_ago in range(5, -1, -1):
        month = add_months(this_month, -months_ago)
        services.goal_contribution_create(
            goal=holiday, actor=actor, amount=Decimal("250.00"), date=month, note=f"{month:%B} saving"
        )
    goals.append(holiday)
    return budget, goals


def _emergency_target(savings: Account | None) -> Decimal:
    """Half as much again as the savings already hold, in whole thousands (at least 48,000): a goal under way."""
    held = savings.balance if savings is not None else Decimal(0)
    return max(Decimal("48000.00"), (held * Decimal("1.5") / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000)


def clear(household: Household) -> None:
    """Remove the demo budgets and goals (``load_demo --reset``)."""
    Budget.objects.filter(household=household).delete()
    Goal.objects.filter(household=household).delete()
