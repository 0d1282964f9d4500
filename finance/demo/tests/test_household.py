"""The demo household shows the features a ledger and a budget alone do not: sharing, rules, an import, alerts."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from finance.budgets.models import BudgetThresholdCrossed
from finance.categorization.models import Rule
from finance.demo import budgets as budgets_demo
from finance.demo import household as demo
from finance.demo import ledger as ledger_demo
from finance.households.models import Invitation, InvitationStatus, Membership, Role
from finance.imports.models import ImportBatch, ImportStatus
from finance.ledger.models import Transaction
from finance.ledger.verify import verify

pytestmark = pytest.mark.django_db


def test_demo_household_life(household, user, settings, tmp_path):
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"  # rules and history only: the same every run
    end = date(2026, 3, 14)
    ledger_demo.generate(household, actor=user, years=1, per_month=40, end=end)
    budgets_demo.generate(household, actor=user, today=end)

    made = demo.generate(household, actor=user, today=end)

    partner = Membership.objects.select_related("user").get(household=household, user__username=demo.PARTNER_USERNAME)
    assert (partner.role, partner.user.first_name, partner.user.has_usable_password()) == (Role.EDITOR, "Sam", True)
    invitation = Invitation.objects.get(household=household)
    assert (invitation.status, invitation.role) == (InvitationStatus.PENDING, Role.VIEWER)

    assert list(Rule.objects.filter(household=household).values_list("name", flat=True)) == [
        "Streaming services",
        "Ride-hailing",
        "Small coffee-shop bills",
    ]
    batch = ImportBatch.objects.get(household=household)
    assert (batch.status, batch.rows_imported, batch.account.type) == (ImportStatus.COMMITTED, 9, "credit_card")
    imported = {t.payee: t for t in Transaction.objects.filter(import_batch=batch.id).select_related("category")}
    assert imported["NETFLIX.COM"].category.name == "Streaming"
    assert (imported["LYFT *RIDE SUN 8PM"].category.name, imported["LYFT *RIDE SUN 8PM"].categorization_source) == (
        "Taxi",
        "rule",
    )
    assert imported["DELTA AIR LINES 0067"].amount == Decimal("342.80")
    assert imported["DELTA AIR LINES 0067"].date == date(2026, 3, 8)

    alerts = BudgetThresholdCrossed.objects.filter(household=household)
    assert made == {"members": 1, "rules": 3, "imported": 9, "alerts": alerts.count()}
    assert alerts.count() > 0
    for alert in alerts:
        # Each was recorded for a month whose spending really crossed it.
        assert alert.spent >= alert.available * alert.threshold / 100
        assert alert.period_start <= end
    assert verify(household.id) == []


def test_load_demo_twice_keeps_one_copy_of_everything(settings, tmp_path):
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    call_command("load_demo", "--years", "1", stdout=io.StringIO())
    demo_household = Membership.objects.get(user__username="demo").household

    def counts() -> tuple[int, ...]:
        members = Membership.objects.filter(household=demo_household).count()
        return (Rule.objects.count(), ImportBatch.objects.count(), members, Invitation.objects.count())

    first = counts()
    call_command("load_demo", "--years", "1", stdout=io.StringIO())
    assert first == (3, 1, 2, 1)
    assert counts() == first
