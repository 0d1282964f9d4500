"""A household with a bit of everything an export carries: currencies, transfers, splits, tags, rates."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from decimal import Decimal as D
from typing import Any

from finance.budgets.services import (
    LineInput,
    budget_create,
    budget_move_create,
    goal_contribution_create,
    goal_create,
)
from finance.currency.services import rate_create
from finance.households.models import Household
from finance.ledger import services
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.tests.factories import category


def populate(household: Household, actor: Any, *, tag: str = "holiday") -> dict[str, Any]:
    checking = services.account_create(
        household=household, actor=actor, name="Main checking", institution="First Bank", opening_balance=D("1000")
    )
    savings = services.account_create(household=household, actor=actor, name="Rainy day", type="savings")
    euros = services.account_create(household=household, actor=actor, name="Euro card", currency="EUR")
    rate_create(household=household, actor=actor, base="EUR", quote="USD", rate=D("1.0850"), date=date(2026, 1, 1))
    custom = services.category_create(
        household=household, actor=actor, name="Board games", type="expense", parent=category(household, "Hobbies")
    )
    made = [
        services.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=checking,
                type="income",
                amount=D("3200.00"),
                date=date(2026, 1, 31),
                category=category(household, "Salary"),
                payee="ACME Corp",
                description="January salary",
            ),
        ),
        services.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=checking,
                type="expense",
                amount=D("84.30"),
                date=date(2026, 2, 3),
                payee="Corner Grocer",
                description="Weekly shop",
                notes="Split with Sam",
                tags=[tag, "food"],
                splits=[
                    SplitInput(category(household, "Groceries"), D("64.30"), "food"),
                    SplitInput(custom, D("20.00"), "dice"),
                ],
            ),
        ),
        services.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=checking,
                type="transfer",
                amount=D("500.00"),
                date=date(2026, 2, 5),
                transfer_account=savings,
                description="Monthly saving",
            ),
        ),
        services.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=euros,
                type="expense",
                amount=D("42.00"),
                date=date(2026, 2, 14),
                category=category(household, "Dining out"),
                payee="Trattoria Roma",
                tags=[tag],
                is_reconciled=True,
                reference_number="INV-99",
            ),
        ),
        services.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=checking,
                type="expense",
                amount=D("12.00"),
                date=date(2026, 2, 20),
                payee="Corner Grocer",
                is_excluded=True,
            ),
        ),
    ]
    budget = budget_create(
        household=household,
        actor=actor,
        name=f"Monthly {tag}",
        start_date=date(2026, 1, 1),
        style="envelope",
        lines=[
            LineInput(category(household, "Groceries"), D("400.00")),
            LineInput(category(household, "Dining out"), D("120.00")),
        ],
    )
    budget_move_create(
        budget=budget,
        actor=actor,
        from_category=category(household, "Dining out"),
        to_category=category(household, "Groceries"),
        amount=D("20.00"),
        date=date(2026, 2, 10),
        note="More cooking",
    )
    goal_create(household=household, actor=actor, name="Emergency fund", target_amount=D("5000"), account=savings)
    trip = goal_create(household=household, actor=actor, name=f"Trip {tag}", target_amount=D("900"))
    goal_contribution_create(goal=trip, actor=actor, amount=D("150.00"), date=date(2026, 2, 1), note="first")
    return {"checking": checking, "savings": savings, "euros": euros, "transactions": made}


def unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def load(files: dict[str, bytes], name: str) -> Any:
    return json.loads(files[f"json/{name}.json"])
