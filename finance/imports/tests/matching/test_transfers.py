"""Transfers between own accounts, and the set-based revert."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.imports.commit import import_commit
from finance.imports.matching.transfers import looks_like_transfer
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus
from finance.imports.tests.test_commit import balances, csv, derived, mapped
from finance.ledger import services as ledger_services
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import AccountMonthly, CategoryMonthly, Split, Transaction, TransactionTag
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.ledger.verify import verify


@pytest.fixture
def savings(household):
    return make_account(household, "Savings", currency="USD")


def preview(client, batch_id):
    return client.get(f"/api/v1/imports/{batch_id}/preview/").json()["results"]


def commit(client, batch_id, **body):
    return client.post(f"/api/v1/imports/{batch_id}/commit/", body, format="json")


def test_a_row_matching_the_opposite_movement_of_another_account_becomes_one_transfer(
    client_for, household, account, savings
):
    side = make_txn(
        household,
        savings,
        "income",
        "200.00",
        date(2026, 3, 3),
        payee="From checking",
        category=category(household, "Salary"),
    )
    before = (derived(household), balances(account), balances(savings))
    batch = mapped(client_for, account, csv("2026-03-02,Transfer to savings,-200.00", "2026-03-04,Grocer,-40.00"))
    assert (batch["possible_transfers"], batch["rows_new"]) == (1, 2)
    rows = preview(client_for, batch["id"])
    transfer = rows[0]["transfer"]
    assert transfer["transaction"] == str(side.id)
    assert (transfer["account"], transfer["account_name"]) == (str(savings.id), "Savings")
    assert (transfer["amount"], transfer["date"], transfer["suggested"], transfer["linked"]) == (
        "200.00",
        "2026-03-03",
        True,
        False,
    )
    assert transfer["reason"].startswith("Possible transfer with Savings: 200.00 on 2026-03-03, 1 day(s) apart")
    assert rows[1]["transfer"] is None

    done = commit(client_for, batch["id"]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (1, 1)
    # One transfer from checking to savings, not an expense here plus an income there.
    side.refresh_from_db()
    assert (side.type, side.account_id, side.transfer_account_id, side.transfer_amount, side.category_id) == (
        "transfer",
        account.id,
        savings.id,
        Decimal("200.00"),
        None,
    )
    assert Transaction.objects.filter(household=household).count() == 2
    assert balances(account) == before[1] - Decimal("240.00")
    assert balances(savings) == before[2]  # it had the 200 already
    assert verify(household.id) == []
    linked = preview(client_for, done["id"])[0]
    assert (linked["status"], linked["transaction"], linked["transfer"]["linked"]) == ("transfer", str(side.id), True)

    # Importing the same file again: the transfer row is a duplicate of the transfer.
    again = mapped(client_for, account, csv("2026-03-02,Transfer to savings,-200.00"))
    assert (again["duplicates"], again["possible_transfers"]) == (1, 0)

    reverted = client_for.post(f"/api/v1/imports/{batch['id']}/revert/")
    assert reverted.status_code == 200
    side.refresh_from_db()
    assert (side.type, side.account_id, side.transfer_account_id, side.category_id) == (
        "income",
        savings.id,
        None,
        category(household, "Salary").id,
    )
    assert (derived(household), balances(account), balances(savings)) == before
    assert verify(household.id) == []


def test_money_in_matches_an_expense_of_the_other_account(client_for, household, account, savings):
    side = make_txn(household, savings, "expense", "75.50", date(2026, 5, 10), payee="Online banking xfer")
    batch = mapped(client_for, account, csv("2026-05-12,Incoming,75.50"))
    done = commit(client_for, batch["id"]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (0, 1)
    side.refresh_from_db()
    assert (side.type, side.account_id, side.transfer_account_id) == ("transfer", savings.id, account.id)
    assert balances(account) == Decimal("75.50")
    assert balances(savings) == Decimal("-75.50")
    assert verify(household.id) == []


def test_a_different_amount_another_currency_or_too_far_apart_is_not_a_transfer(client_for, household, account):
    savings = make_account(household, "Savings", currency="USD")
    euros = make_account(household, "Euro account", currency="EUR")
    make_txn(household, savings, "income", "200.00", date(2026, 3, 3), payee="Transfer")
    make_txn(household, savings, "income", "300.00", date(2026, 3, 20), payee="Transfer")
    make_txn(household, euros, "income", "50.00", date(2026, 3, 3), payee="Transfer")
    make_txn(household, savings, "expense", "60.00", date(2026, 3, 3), payee="Transfer")  # same sign as the row
    batch = mapped(
        client_for,
        account,
        csv(
            "2026-03-02,Transfer to savings,-200.01",
            "2026-03-10,Transfer to savings,-300.00",
            "2026-03-02,Transfer,-50.00",
            "2026-03-02,Transfer,-60.00",
        ),
    )
    assert batch["possible_transfers"] == 0
    assert [r["transfer"] for r in preview(client_for, batch["id"])] == [None] * 4
    done = commit(client_for, batch["id"]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (4, 0)


def test_a_match_without_transfer_words_is_shown_and_linked_only_when_decided(client_for, household, account, savings):
    side = make_txn(household, savings, "income", "120.00", date(2026, 4, 1), payee="Deposit")
    other = make_txn(household, savings, "income", "35.00", date(2026, 4, 1), payee="Transfer")
    data = csv("2026-04-02,ACME,-120.00", "2026-04-05,Transfer to savings,-35.00", "2026-04-06,Shop,-9.00")
    batch = mapped(client_for, account, data)
    rows = preview(client_for, batch["id"])
    assert [(r["transfer"] or {}).get("suggested") for r in rows] == [False, False, None]  # no words; 4 days
    assert rows[1]["transfer"]["transaction"] == str(other.id)

    body = {"decisions": [{"row": 2, "action": "transfer"}, {"row": 4, "action": "transfer"}]}
    refused = commit(client_for, batch["id"], **body)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "decisions.1.action"
    assert not Transaction.objects.filter(import_batch=batch["id"]).exists()

    done = commit(client_for, batch["id"], decisions=[{"row": 2, "action": "transfer"}]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (2, 1)
    side.refresh_from_db()
    other.refresh_from_db()
    assert (side.type, other.type) == ("transfer", "income")
    assert verify(household.id) == []


def test_a_suggested_transfer_declined_is_imported_as_an_expense(client_for, household, account, savings):
    side = make_txn(household, savings, "income", "10.00", date(2026, 4, 1), payee="Transfer from checking")
    batch = mapped(client_for, account, csv("2026-04-01,Transfer to savings,-10.00"))
    done = commit(client_for, batch["id"], decisions=[{"row": 2, "action": "import"}]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (1, 0)
    side.refresh_from_db()
    assert side.type == "income"
    assert Transaction.objects.get(import_batch=batch["id"]).type == "expense"


def test_the_other_sides_file_imported_first_is_linked_and_reverts_in_any_order(
    client_for, household, account, savings
):
    """Both statements of one move, imported one after the other: the second links to the first's row."""
    before = derived(household)
    first = mapped(client_for, savings, csv("2026-06-01,Transfer from checking,500.00"), name="savings.csv")
    commit(client_for, first["id"])
    second = mapped(client_for, account, csv("2026-05-31,Online transfer to savings,-500.00", "2026-06-02,Shop,-5.00"))
    assert second["possible_transfers"] == 1
    done = commit(client_for, second["id"]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (1, 1)
    move = Transaction.objects.get(import_batch=first["id"])
    assert (move.type, move.account_id, move.transfer_account_id) == ("transfer", account.id, savings.id)
    assert (balances(account), balances(savings)) == (Decimal("-505.00"), Decimal("500.00"))
    assert verify(household.id) == []

    client_for.post(f"/api/v1/imports/{second['id']}/revert/")
    move.refresh_from_db()
    assert (move.type, move.account_id) == ("income", savings.id)
    assert (balances(account), balances(savings)) == (Decimal("0.00"), Decimal("500.00"))
    client_for.post(f"/api/v1/imports/{first['id']}/revert/")
    assert not Transaction.objects.filter(household=household).exists()
    assert derived(household) == before
    assert verify(household.id) == []


def test_a_failure_after_linking_a_transfer_leaves_nothing_behind(client_for, household, account, savings, monkeypatch):
    side = make_txn(household, savings, "income", "200.00", date(2026, 3, 3), payee="Transfer")
    before = (derived(household), balances(account), balances(savings))
    batch = ImportBatch.objects.get(
        pk=mapped(client_for, account, csv("2026-03-02,Transfer to savings,-200.00", "2026-03-09,Shop,-1.00"))["id"]
    )

    def fail(batch):
        raise RuntimeError("disk full")

    monkeypatch.setattr("finance.imports.commit.balance_check", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_commit(batch=batch, actor=None)
    side.refresh_from_db()
    assert side.type == "income"
    assert not Transaction.objects.filter(import_batch=batch.id).exists()
    assert set(ImportedRow.objects.filter(batch=batch).values_list("status", flat=True)) == {"new"}
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.MAPPED
    assert (derived(household), balances(account), balances(savings)) == before
    assert verify(household.id) == []


def test_transfer_words():
    assert looks_like_transfer("ONLINE TRANSFER TO SAV 1234")
    assert looks_like_transfer("Umbuchung auf Tagesgeld")
    assert looks_like_transfer("Pay Visa card", ["Visa card"])
    assert not looks_like_transfer("Transferwise Ltd")  # a word, not a prefix
    assert not looks_like_transfer("Grocer")


def _revert_queries(client_for, account, rows: int) -> int:
    batch = mapped(client_for, account, csv(*[f"2026-07-{d % 28 + 1:02d},Shop {d},-{d + 1}.00" for d in range(rows)]))
    commit(client_for, batch["id"])
    with CaptureQueriesContext(connection) as queries:
        assert client_for.post(f"/api/v1/imports/{batch['id']}/revert/").status_code == 200
    return len(queries)


def test_revert_is_set_based_and_restores_derived_data(client_for, household, account):
    make_txn(
        household, account, "expense", "9.00", date(2026, 3, 3), payee="Kiosk", category=category(household, "Coffee")
    )
    before = (derived(household), balances(account))
    batch = mapped(client_for, account, csv(*[f"2026-0{m}-1{d},Shop {d},-1{d}.00" for m in (3, 4) for d in range(5)]))
    commit(client_for, batch["id"])
    created = list(Transaction.objects.filter(import_batch=batch["id"]).order_by("date"))
    # Edits after the import: a split and a tag (cascade), and a later file that repeats a row (a link to null).
    ledger_services.transaction_update(
        txn=created[0],
        actor=None,
        changes=TransactionInput(
            splits=[
                SplitInput(category(household, "Coffee"), Decimal("4.00"), ""),
                SplitInput(category(household, "Groceries"), Decimal("6.00"), ""),
            ],
            tags=["work"],
        ),
    )
    assert Split.objects.filter(transaction=created[0]).count() == 2
    later = mapped(client_for, account, csv("2026-03-10,Shop 0,-10.00"))
    assert later["duplicates"] == 1

    client_for.post(f"/api/v1/imports/{batch['id']}/revert/")
    assert not Transaction.objects.filter(import_batch=batch["id"]).exists()
    assert not Split.objects.filter(household=household).exists()
    assert not TransactionTag.objects.filter(household=household).exists()
    assert ImportedRow.objects.get(batch_id=later["id"]).transaction_id is None
    assert (derived(household), balances(account)) == before
    assert verify(household.id) == []
    # The same statements for 3 rows as for 40: nothing per row.
    assert _revert_queries(client_for, account, 3) == _revert_queries(client_for, account, 40)


def test_a_commit_sums_effects_per_group_and_matches_a_recomputation(client_for, household, account, settings):
    """The commit adds one LedgerDelta state per (account, type, month, category): the counts and totals are
    those of every transaction, as verify_ledger recomputes them."""
    coffee = category(household, "Coffee")
    for day in range(1, 6):
        make_txn(household, account, "expense", "3.00", date(2026, 1, day), payee="Blue Bottle", category=coffee)
    lines = [f"2026-0{m}-{d:02d},Blue Bottle,-{d}.25" for m in (2, 3) for d in range(1, 8)]
    lines += [f"2026-02-{d:02d},Unknown {d},-1.00" for d in range(10, 13)] + ["2026-03-20,Salary,900.00"]
    batch = mapped(client_for, account, csv(*lines))
    done = commit(client_for, batch["id"]).json()
    assert done["rows_imported"] == 18
    assert verify(household.id) == []
    months = {
        (row.month.month, row.count, row.expense, row.income)
        for row in AccountMonthly.objects.filter(account=account, month__gte=date(2026, 2, 1))
    }
    assert months == {(2, 10, Decimal("32.75"), Decimal("0")), (3, 8, Decimal("29.75"), Decimal("900.00"))}
    totals = dict(
        CategoryMonthly.objects.filter(household=household, month=date(2026, 2, 1), category_key=coffee.id).values_list(
            "count", "total"
        )
    )
    assert totals == {7: Decimal("29.75")}


def test_an_account_in_another_currency_is_compared_at_that_days_rate_and_linked_only_when_decided(
    client_for, household, account
):
    from finance.currency.services import rate_create

    euros = make_account(household, "Euro account", currency="EUR")
    # USD → EUR: 0.90 from March 1st (stored as EUR → USD, used inverted), then 0.80 from March 20th.
    rate_create(
        household=household, actor=None, base="EUR", quote="USD", rate=Decimal("1.111111"), date=date(2026, 3, 1)
    )
    rate_create(household=household, actor=None, base="USD", quote="EUR", rate=Decimal("0.80"), date=date(2026, 3, 20))
    side = make_txn(
        household, euros, "income", "88.70", date(2026, 3, 3), payee="Incoming", category=category(household, "Salary")
    )
    make_txn(household, euros, "income", "95.00", date(2026, 3, 3), payee="Too far off")  # 5.6 % over 90
    make_txn(household, euros, "expense", "80.00", date(2026, 3, 22), payee="Paid out")  # same sign as its row
    make_txn(household, euros, "income", "40.00", date(2026, 2, 20), payee="Before any rate")
    before = (balances(account), balances(euros))
    batch = mapped(
        client_for,
        account,
        csv(
            "2026-03-02,Wire to Europe,-100.00",
            "2026-03-21,Card abroad,-100.00",
            "2026-02-21,Early wire,-50.00",
        ),
    )
    assert batch["possible_transfers"] == 1
    rows = preview(client_for, batch["id"])
    transfer = rows[0]["transfer"]
    assert (transfer["transaction"], transfer["account_name"], transfer["suggested"]) == (
        str(side.id),
        "Euro account",
        False,
    )
    assert transfer["reason"] == (
        "Possible transfer with Euro account: 88.70 EUR on 2026-03-03, 1 day(s) apart; "
        "at that day's rate this row is about 90.00 EUR."
    )
    assert (transfer["amount"], transfer["currency"]) == ("88.70", "EUR")
    assert [r["transfer"] for r in rows[1:]] == [None, None]

    # Not suggested (so without a decision it would be an expense of its own): the person decides to link it.
    first_row = rows[0]["row"]
    done = commit(client_for, batch["id"], decisions=[{"row": first_row, "action": "transfer"}]).json()
    assert (done["rows_imported"], done["rows_transferred"]) == (2, 1)
    side.refresh_from_db()
    # One transfer from the dollar account to the euro account, each side in its own currency.
    assert (
        side.type,
        side.account_id,
        side.amount,
        side.transfer_account_id,
        side.transfer_amount,
        side.category_id,
    ) == (
        "transfer",
        account.id,
        Decimal("100.00"),
        euros.id,
        Decimal("88.70"),
        None,
    )
    assert balances(account) == before[0] - Decimal("250.00")
    linked = preview(client_for, done["id"])[0]["transfer"]
    assert (linked["linked"], linked["amount"], linked["currency"]) == (True, "88.70", "EUR")
    assert balances(euros) == before[1]  # the 88.70 it had already received
    assert verify(household.id) == []

    client_for.post(f"/api/v1/imports/{done['id']}/revert/", format="json")
    side.refresh_from_db()
    assert (side.type, side.account_id, side.amount, side.transfer_account_id) == (
        "income",
        euros.id,
        Decimal("88.70"),
        None,
    )
    assert side.category.name == "Salary"
    assert (balances(account), balances(euros)) == before
    assert verify(household.id) == []
