"""The commit's re-check of duplicates and transfers, skipped on PostgreSQL only when nothing it reads has changed.

These tests commit each step (``transaction=True``), as separate requests do: the change log tells writes that
happened after the analysis from the analysis's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finance.currency.models import ExchangeRate
from finance.imports import freshness, services
from finance.imports.models import ImportBatch, LedgerChange
from finance.imports.tasks import prune_change_log
from finance.imports.tests.conftest import upload
from finance.ledger import services as ledger
from finance.ledger.models import Account, Transaction
from finance.ledger.tests.factories import make_account, make_txn
from finance.ledger.verify import verify
from finance.users.tests.factories import HouseholdFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CSV = b"Date,Description,Amount\n2026-03-02,Corner Shop,-12.50\n2026-03-04,Bakery,-4.20\n"


@pytest.fixture
def rechecks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each duplicate check looked at (the analysis's, then any commit's)."""
    seen: list[int] = []
    real = services.classify_rows

    def counting(batch: ImportBatch, rows: Any) -> Any:
        seen.append(len(rows))
        return real(batch, rows)

    monkeypatch.setattr(services, "classify_rows", counting)
    return seen


def mapped(client: Any, account: Account) -> dict[str, Any]:
    batch = upload(client, account, "s.csv", data=CSV).json()
    response = client.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_a_commit_after_no_change_skips_the_recheck(client_for, household, account, rechecks):
    batch = mapped(client_for, account)
    assert rechecks == [2]
    # Writes in another household are not this one's changes.
    other = HouseholdFactory()
    make_txn(other, make_account(other, "Elsewhere"), amount="12.50", on=date(2026, 3, 2), payee="Corner Shop")
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert done.status_code == 200, done.content
    assert (done.json()["rows_imported"], rechecks) == (2, [2])
    assert verify(household.id) == []


def test_a_statement_is_logged_once_per_household_whatever_its_size(household, account):
    for day in range(1, 6):
        make_txn(household, account, amount="1.00", on=date(2026, 3, day))
    before = LedgerChange.objects.filter(household_id=household.id).count()
    assert Transaction.objects.filter(household=household).update(notes="checked") == 5
    assert LedgerChange.objects.filter(household_id=household.id).count() == before + 1


def _typed_duplicate(household: Any, account: Account) -> None:
    make_txn(household, account, amount="12.50", on=date(2026, 3, 2), payee="Corner Shop")


def _renamed_account(household: Any, account: Account) -> None:
    other = Account.objects.get(household=household, name="Savings")
    ledger.account_update(account=other, actor=None, name="Rainy day")


def _new_rate(household: Any, account: Account) -> None:
    ExchangeRate.objects.create(
        household=household, base="USD", quote="EUR", rate=Decimal("0.9"), date=date(2026, 3, 1)
    )


def _deleted_transaction(household: Any, account: Account) -> None:
    txn = make_txn(household, make_account(household, "Cash"), amount="3.00", on=date(2025, 1, 1))
    ledger.transaction_delete(txn=txn, actor=None)


@pytest.mark.parametrize(
    "change", [_typed_duplicate, _renamed_account, _new_rate, _deleted_transaction], ids=lambda f: f.__name__[1:]
)
def test_any_write_to_what_detection_reads_makes_the_commit_recheck(
    client_for, household, account, rechecks, change: Callable[[Any, Account], None]
):
    make_account(household, "Savings", type="savings")
    batch = mapped(client_for, account)
    change(household, account)
    assert LedgerChange.objects.filter(household_id=household.id).exists()
    response = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert rechecks == [2, 2]
    if change is _typed_duplicate:
        # The transaction typed since the preview makes the first row (line 2) a possible duplicate: the person decides.
        assert response.status_code == 400
        assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("rows.2", "decision_required")]
    else:
        assert response.status_code == 200, response.content
    assert verify(household.id) == []


def test_a_background_commit_trusts_the_check_of_the_request_that_queued_it(
    client_for, household, account, rechecks, settings, celery_eager
):
    """The request checks and saves the row states; the task that runs the commit has nothing new to check."""
    settings.IMPORT_ASYNC_ROWS = 1
    batch = mapped(client_for, account)
    _typed_duplicate(household, account)
    refused = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert refused.status_code == 400  # the re-check found the typed transaction; nothing was saved
    response = client_for.post(
        f"/api/v1/imports/{batch['id']}/commit/", {"decisions": [{"row": 2, "action": "import"}]}, format="json"
    )
    # Queued (202); the eager task has already run when the response is read back (200 with it committed).
    assert response.status_code in (200, 202), response.content
    done = ImportBatch.objects.get(pk=batch["id"])
    assert (done.status, done.rows_imported) == ("committed", 2)
    # The analysis, the refused request's re-check, the queuing request's re-check; none in the task.
    assert rechecks == [2, 2, 2]
    assert verify(household.id) == []


def test_the_change_log_keeps_a_week(household, account):
    make_txn(household, account, amount="1.00", on=date(2026, 3, 1))
    logged = LedgerChange.objects.filter(household_id=household.id)
    recent = logged.count()
    assert recent >= 1
    old = LedgerChange.objects.create(
        household_id=household.id,
        xact=1,
        created_at=timezone.now() - timedelta(days=freshness.CHANGE_LOG_DAYS, hours=1),
    )
    assert prune_change_log() == 1  # the hourly task
    assert not LedgerChange.objects.filter(pk=old.pk).exists()
    assert logged.count() == recent
