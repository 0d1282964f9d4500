"""Commit is all or nothing; bad rows are refused row by row unless skipped; revert undoes exactly the batch."""

from __future__ import annotations

import operator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finance.core.exceptions import FieldError
from finance.imports import commit, services
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus
from finance.imports.tests.conftest import upload
from finance.ledger import services as ledger_services
from finance.ledger.bulk import copy_insert
from finance.ledger.models import AccountMonthly, CategoryMonthly, MonthlySummary, Transaction
from finance.ledger.services import batches as ledger_batches
from finance.ledger.tests.factories import category, make_txn
from finance.ledger.verify import verify

HEADER = b"Date,Description,Amount\n"


def csv(*lines: str) -> bytes:
    return HEADER + "".join(f"{line}\n" for line in lines).encode()


def mapped(client, account, data, name="s.csv"):
    batch = upload(client, account, name, data=data).json()
    return client.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json").json()


def derived(household) -> Any:
    """The household's aggregates without all-zero rows (an emptied month is the same as none)."""

    def nonzero(rows):
        return sorted(row for row in rows if any(v for v in row[2:]))

    return (
        nonzero(
            AccountMonthly.objects.filter(household=household).values_list("account_id", "month", "income", "expense")
        ),
        nonzero(MonthlySummary.objects.filter(household=household).values_list("month", "month", "income", "expense")),
        nonzero(CategoryMonthly.objects.filter(household=household).values_list("month", "category_key", "total")),
    )


def balances(account):
    account.refresh_from_db()
    return account.balance


def test_bad_rows_refuse_the_commit_row_by_row_until_skipped_explicitly(client_for, household, account):
    good = [f"2026-01-0{d},Shop {d},-{d}.00" for d in range(1, 7)]
    data = csv(*good, "2026-01-08,Broken,abc", "not a date,Other,-3.00")
    batch = mapped(client_for, account, data)
    assert (batch["rows_total"], batch["rows_invalid"], batch["rows_new"]) == (8, 2, 6)
    assert [(e["row"], e["column"], e["code"]) for e in batch["errors"]] == [
        (8, "Amount", "invalid_amount"),
        (9, "Date", "invalid_date"),
    ]
    refused = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert [e["attr"] for e in errors] == ["rows.8", "rows.9"]
    assert errors[0]["detail"].startswith("Row 8, column 'Amount':")
    assert not Transaction.objects.filter(household=household).exists()
    assert ImportBatch.objects.get(pk=batch["id"]).status == ImportStatus.MAPPED

    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {"skip_invalid": True}, format="json").json()
    assert (done["status"], done["rows_imported"], done["rows_skipped"]) == ("committed", 6, 2)
    assert balances(account) == Decimal("-21.00")
    invalid = client_for.get(f"/api/v1/imports/{batch['id']}/preview/?status=invalid").json()
    assert [r["row"] for r in invalid["results"]] == [8, 9]
    assert invalid["results"][0]["errors"][0]["code"] == "invalid_amount"


def test_decisions_are_validated(client_for, account):
    batch = mapped(client_for, account, csv("2026-01-05,Shop,-10.00"))
    body = {"decisions": [{"row": 99, "action": "skip"}, {"row": 2, "action": "merge"}]}
    response = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", body, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"decisions.0.row", "decisions.1.action"}


@pytest.mark.parametrize("in_database", [True, False])
def test_a_failure_at_the_end_of_a_commit_leaves_nothing_behind(
    client_for, household, account, monkeypatch, in_database
):
    """Transactions made by the database or loaded with COPY, derived data applied, rows marked: all undone."""
    make_txn(household, account, "expense", "7.00", date(2026, 1, 1), payee="Before")
    before = (derived(household), balances(account))
    batch = ImportBatch.objects.get(
        pk=mapped(client_for, account, csv(*[f"2026-02-{d:02d},Shop {d},-{d}.00" for d in range(1, 8)]))["id"]
    )
    rows_before = list(ImportedRow.objects.filter(batch=batch).values_list("id", "status", "transaction_id"))
    chosen = commit._in_database
    monkeypatch.setattr(commit, "_in_database", lambda batch: in_database and chosen(batch))
    reached = []

    def fail(batch):
        reached.append(Transaction.objects.filter(import_batch=batch.id).count())
        raise RuntimeError("disk full")

    monkeypatch.setattr(commit, "balance_check", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        commit.import_commit(batch=batch, actor=None)
    assert reached == [7]  # everything was written when it failed
    assert not Transaction.objects.filter(import_batch=batch.id).exists()
    assert list(ImportedRow.objects.filter(batch=batch).values_list("id", "status", "transaction_id")) == rows_before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.MAPPED
    assert (derived(household), balances(account)) == before
    assert verify(household.id) == []


def test_a_failure_in_the_middle_of_a_commit_leaves_nothing_behind(client_for, household, account, monkeypatch):
    make_txn(household, account, "expense", "7.00", date(2026, 1, 1), payee="Before")
    before = (derived(household), balances(account), list(ImportedRow.objects.values_list("id", "status")))
    batch = ImportBatch.objects.get(
        pk=mapped(client_for, account, csv(*[f"2026-02-{d:02d},Shop {d},-{d}.00" for d in range(1, 8)]))["id"]
    )
    rows_before = list(ImportedRow.objects.filter(batch=batch).values_list("id", "status", "transaction_id"))
    monkeypatch.setattr(commit, "_in_database", lambda batch: False)  # the COPY path, in chunks
    monkeypatch.setattr(ledger_batches, "LOAD_CHUNK", 2)
    real = ledger_batches.copy_insert
    calls = []

    def insert_then_fail(model, rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(model, rows, **kwargs)

    monkeypatch.setattr(ledger_batches, "copy_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        commit.import_commit(batch=batch, actor=None)
    assert calls == [2, 2, 2]  # two chunks went in before the failure
    assert not Transaction.objects.filter(import_batch=batch.id).exists()
    assert list(ImportedRow.objects.filter(batch=batch).values_list("id", "status", "transaction_id")) == rows_before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.MAPPED
    assert (derived(household), balances(account)) == before[:2]
    assert verify(household.id) == []


def test_large_commits_run_as_a_task_with_progress(
    client_for, household, account, settings, django_capture_on_commit_callbacks, celery_eager
):
    settings.IMPORT_ASYNC_ROWS = 3
    batch = mapped(client_for, account, csv(*[f"2026-02-{d:02d},Shop {d},-{d}.00" for d in range(1, 6)]))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["progress"]) == ("processing", 0.0)
    again = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert again.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()  # the task, run eagerly as without a broker
    done = client_for.get(f"/api/v1/imports/{batch['id']}/").json()
    assert (done["status"], done["progress"], done["rows_imported"]) == ("committed", 1.0, 5)
    assert balances(account) == Decimal("-15.00")
    assert verify(household.id) == []


def test_a_failing_background_commit_marks_the_batch_failed(
    client_for, household, account, settings, monkeypatch, django_capture_on_commit_callbacks, celery_eager
):
    settings.IMPORT_ASYNC_ROWS = 1
    batch = mapped(client_for, account, csv("2026-02-01,A,-1.00", "2026-02-02,B,-2.00"))

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ledger_services, "transactions_load", explode)
    monkeypatch.setattr(ledger_services, "transactions_load_from", explode)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert response.status_code == 202
    body = client_for.get(f"/api/v1/imports/{batch['id']}/").json()
    assert body["status"] == "failed"
    assert "nothing was imported" in body["failure"]
    assert not Transaction.objects.filter(import_batch=batch["id"]).exists()
    monkeypatch.undo()
    settings.IMPORT_ASYNC_ROWS = 100
    retried = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert retried.status_code == 200
    assert retried.json()["status"] == "committed"
    assert verify(household.id) == []


def test_revert_removes_exactly_what_the_batch_created(client_for, household, account):
    pending = make_txn(household, account, "expense", "20.00", date(2026, 3, 1), payee="Diner", is_pending=True)
    kept = make_txn(household, account, "income", "500.00", date(2026, 2, 1), payee="Salary")
    before = (derived(household), balances(account))
    batch = mapped(
        client_for, account, csv("2026-03-02,DINER,-23.00", "2026-03-05,Grocer,-40.00", "2026-03-06,Refund,5.00")
    )
    row = next(
        r
        for r in client_for.get(f"/api/v1/imports/{batch['id']}/preview/").json()["results"]
        if r["status"] == "possible_duplicate"
    )
    body = {"decisions": [{"row": row["row"], "action": "merge"}]}
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", body, format="json").json()
    assert (done["rows_imported"], done["rows_merged"]) == (2, 1)
    created = list(Transaction.objects.filter(import_batch=batch["id"]).values_list("id", flat=True))
    # The user edits an imported transaction before reverting: the revert still removes it exactly.
    client_for.patch(
        f"/api/v1/transactions/{created[0]}/", {"category": str(category(household, "Groceries").id)}, format="json"
    )

    reverted = client_for.post(f"/api/v1/imports/{batch['id']}/revert/")
    assert reverted.status_code == 200
    assert reverted.json()["status"] == "reverted"
    assert not Transaction.objects.filter(pk__in=created).exists()
    pending.refresh_from_db()
    assert Transaction.objects.filter(pk__in=[pending.pk, kept.pk]).count() == 2  # merged into, not created: kept
    assert pending.amount == Decimal("23.00")  # the merge made it posted; that stays
    assert verify(household.id) == []
    moved = Decimal("3.00")  # the merged pending transaction took the posted amount
    assert balances(account) == before[1] - moved
    assert set(ImportedRow.objects.filter(batch_id=batch["id"]).values_list("status", flat=True)) == {"reverted"}

    twice = client_for.post(f"/api/v1/imports/{batch['id']}/revert/")
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["code"] == "already_reverted"
    # The provenance stays: the file can be imported again after a revert.
    again = upload(client_for, account, "s.csv", data=csv("2026-03-05,Grocer,-40.00")).json()
    assert again["rows_new"] == 1


def test_revert_restores_aggregates_of_a_clean_import(client_for, household, account):
    make_txn(
        household, account, "expense", "9.00", date(2026, 3, 3), payee="Kiosk", category=category(household, "Coffee")
    )
    before = (derived(household), balances(account))
    batch = mapped(client_for, account, csv(*[f"2026-0{m}-1{d},Shop,-1{d}.00" for m in (3, 4) for d in range(5)]))
    client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    assert balances(account) != before[1]
    client_for.post(f"/api/v1/imports/{batch['id']}/revert/")
    assert (derived(household), balances(account)) == before
    assert verify(household.id) == []


def test_history_categorizes_known_payees_and_flags_weak_guesses(client_for, household, account):
    coffee = category(household, "Coffee")
    for day in range(1, 11):
        make_txn(household, account, "expense", "3.00", date(2026, 1, day), payee="Blue Bottle #12", category=coffee)
    make_txn(
        household,
        account,
        "expense",
        "30.00",
        date(2026, 1, 2),
        payee="Hardware",
        category=category(household, "Household goods"),
    )
    # Two earlier "Hardware" transactions that disagree: the later one's category is a weak guess.
    make_txn(household, account, "expense", "12.00", date(2026, 1, 3), payee="Hardware", category=coffee)
    batch = mapped(
        client_for,
        account,
        csv("2026-05-02,BLUE BOTTLE #77,-4.00", "2026-05-03,hardware,-25.00", "2026-05-04,Unknown,-1.00"),
    )
    preview = {r["description"]: r for r in client_for.get(f"/api/v1/imports/{batch['id']}/preview/").json()["results"]}
    assert preview["BLUE BOTTLE #77"]["category"] == {
        "id": str(coffee.id),
        "name": "Coffee",
        "source": "history",
        "confidence": 0.9804,
        "needs_review": False,
    }
    assert preview["hardware"]["category"]["confidence"] == 0.4545
    assert preview["hardware"]["category"]["needs_review"] is True
    assert preview["Unknown"]["category"] is None
    client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json")
    txns = {t.description: t for t in Transaction.objects.filter(import_batch=batch["id"])}
    assert (txns["BLUE BOTTLE #77"].category, txns["BLUE BOTTLE #77"].categorization_source) == (coffee, "history")
    assert txns["BLUE BOTTLE #77"].needs_review is False
    assert txns["hardware"].needs_review is True
    assert (txns["Unknown"].category, txns["Unknown"].needs_review) == (None, True)
    assert verify(household.id) == []


def test_discarding_an_uncommitted_batch_deletes_it_and_its_file(
    client_for, account, django_capture_on_commit_callbacks
):
    batch = mapped(client_for, account, csv("2026-01-05,Shop,-10.00"))
    path = Path(ImportBatch.objects.get(pk=batch["id"]).file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for.delete(f"/api/v1/imports/{batch['id']}/")
    assert response.status_code == 204
    assert not ImportBatch.objects.filter(pk=batch["id"]).exists()
    assert not ImportedRow.objects.filter(batch_id=batch["id"]).exists()
    assert not path.exists()
    committed = mapped(client_for, account, csv("2026-01-06,Shop,-11.00"))
    client_for.post(f"/api/v1/imports/{committed['id']}/commit/", {}, format="json")
    refused = client_for.delete(f"/api/v1/imports/{committed['id']}/")
    assert refused.status_code == 409


def test_services_refuse_a_batch_that_is_not_ready(household, account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    batch = services.import_upload(
        household=household, actor=None, account=account, file=SimpleUploadedFile("a.csv", csv("2026-01-05,Shop,-1.00"))
    )
    assert batch.status == ImportStatus.UPLOADED
    with pytest.raises(Exception, match="Confirm the column mapping"):
        commit.import_commit(batch=batch, actor=None)
    with pytest.raises(FieldError):
        commit.import_commit(
            batch=services.import_set_mapping(batch=batch, actor=None),
            actor=None,
            decisions=[commit.Decision(row=2, action="merge")],
        )


def _row_updates() -> tuple[int, int]:
    """This transaction's updates of imported rows so far: (all, HOT ones, made in place without index entries)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'imports_importedrow'"
        )
        found = cursor.fetchone()
    return (found[0], found[1]) if found else (0, 0)


@pytest.mark.postgres
def test_commit_rewrites_the_rows_in_place(client_for, household, account):
    """Committing changes only the status of each imported row, which no index holds: PostgreSQL rewrites the
    rows in place (HOT). An index on the status, or setting an indexed link, would turn 100k rows' commit from
    about 0.4 s into 4 s (docs/benchmarks.md)."""
    batch = mapped(client_for, account, csv(*(f"2026-03-{1 + i % 28:02d},Shop {i},-{i + 1}.00" for i in range(300))))
    before = _row_updates()
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json").json()
    assert done["rows_imported"] == 300
    updated, hot = (now - was for now, was in zip(_row_updates(), before, strict=True))
    assert (updated, hot) == (300, 300)
    assert verify(household.id) == []


@pytest.mark.postgres
def test_rows_read_back_for_commit_carry_the_parsed_values_a_transaction_takes(client_for, account):
    """On PostgreSQL the commit reads the parsed values out of the JSON in SQL: null, true, false and a payee
    that reads "null" come back as the stored document has them."""
    data = (
        b"Date,Payee,Amount,Status,Reference\n"
        b"2026-03-02,null,-12.50,pending,R-1\n"
        b"2026-03-03,Bakery,-4.20,posted,\n"
        b"2026-03-04,true,-1.00,,\n"
    )
    batch = ImportBatch.objects.get(pk=mapped(client_for, account, data)["id"])
    stored = {r.row_number: r.parsed for r in ImportedRow.objects.filter(batch=batch)}
    read = {r.row_number: r.parsed for r in commit._staged_rows(batch)}
    assert read.keys() == stored.keys()
    for number, parsed in read.items():
        assert parsed == {key: stored[number].get(key) for key in commit._PARSED_FOR_COMMIT}
    assert [read[n]["payee"] for n in sorted(read)] == ["null", "Bakery", "true"]
    assert [read[n]["is_pending"] for n in sorted(read)] == [True, False, stored[4]["is_pending"]]


_NEW_TRANSACTION_FIELDS = list(ledger_services.NewTransaction.__dataclass_fields__)


@pytest.mark.postgres
def test_the_database_makes_the_transactions_the_python_path_builds(client_for, household, account):
    """On PostgreSQL the commit makes the transactions from the rows in SQL: each is what ``_build_transaction``
    makes of the same row (texts trimmed of Unicode whitespace as str.strip() does, then cut to the column;
    check number before reference; pending, posted date, review flag), converted at rate 1 on its day."""
    coffee = category(household, "Coffee")
    lines = [f"2026-04-{d:02d},Shop {d},-{d}.25" for d in range(1, 9)] + ["2026-04-20,Salary,1500.00"]
    batch = ImportBatch.objects.get(pk=mapped(client_for, account, csv(*lines))["id"])
    rows = ImportedRow.objects.filter(batch=batch).order_by("row_number")
    tricky: list[dict[str, Any]] = [
        {"payee": "\u2003 Café\u00a0", "notes": "\tfirst line\nsecond\u3000", "is_pending": True},
        {"payee": "x" * 250 + " ", "description": " " + "y" * 600, "posted_date": "2026-04-05"},
        {"check_number": "  ", "reference": "REF-9"},
        {"check_number": None, "reference": " REF-10\u2028"},
        {"check_number": "1234", "reference": "REF-11", "payee": None, "description": None, "notes": None},
        {"payee": "\x1c\x1dGS\x1e\x1f", "is_pending": False, "posted_date": ""},
        {"payee": "null", "description": "true"},
    ]
    for row, change in zip(rows, tricky, strict=False):
        row.parsed = {**row.parsed, **change}
        row.save(update_fields=["parsed"])
    ImportedRow.objects.filter(pk=rows[0].pk).update(category=coffee, categorization_confidence=Decimal("0.9"))
    ImportedRow.objects.filter(pk=rows[1].pk).update(category=coffee, categorization_confidence=Decimal("0.5"))
    batch = ImportBatch.objects.select_related("account", "household").get(pk=batch.pk)
    staged = commit._staged_rows(batch)
    expected = {
        row.id: commit._build_transaction(batch, row, commit.review_threshold()) for row in commit._to_import(staged)
    }
    assert commit._in_database(batch)

    done = client_for.post(f"/api/v1/imports/{batch.id}/commit/", {}, format="json").json()
    assert done["rows_imported"] == len(expected) == 9
    made = {t.id: t for t in Transaction.objects.filter(import_batch=batch.id)}
    assert made.keys() == expected.keys()
    for txn_id, built in expected.items():
        txn = made[txn_id]
        assert {name: getattr(txn, name) for name in _NEW_TRANSACTION_FIELDS if name != "import_batch"} == {
            name: getattr(built, name) for name in _NEW_TRANSACTION_FIELDS if name != "import_batch"
        }
        assert txn.import_batch == batch.id
        assert (txn.amount_in_base_currency, txn.exchange_rate, txn.exchange_rate_date) == (
            txn.amount,
            Decimal(1),
            txn.date,
        )
        assert (txn.is_excluded, txn.is_reconciled, txn.transfer_account_id) == (False, False, None)
    assert made[rows[0].pk].payee == "Café"
    assert made[rows[2].pk].reference_number == ""
    assert made[rows[3].pk].reference_number == "REF-10"
    assert [made[rows[i].pk].needs_review for i in (0, 1)] == [False, True]
    assert verify(household.id) == []


def _commit_statements(client, account, rows: int) -> int:
    lines = [f"2026-05-{1 + i % 28:02d},Shop {i % 7},-{rows}{i + 1}.50" for i in range(rows)]  # no repeats
    batch = mapped(client, account, csv(*lines))
    with CaptureQueriesContext(connection) as queries:
        done = client.post(f"/api/v1/imports/{batch['id']}/commit/", {}, format="json").json()
    assert done["rows_imported"] == rows
    return len(queries)


@pytest.mark.postgres
def test_the_statements_of_a_commit_do_not_grow_with_its_rows(client_for, household, account):
    """The commit reads the rows once, has the database make their transactions and sums their effects in one
    statement, and marks the rows in one: 5 rows or 400, the same statements."""
    _commit_statements(client_for, account, 3)  # the first commit also saves the account's column mapping
    assert _commit_statements(client_for, account, 5) == _commit_statements(client_for, account, 400)
    assert verify(household.id) == []


@pytest.mark.postgres
def test_staged_rows_are_stored_as_the_generic_copy_stores_them(client_for, household, account, monkeypatch):
    """The upload writes its rows with a COPY of its own (texts for keys and JSON): the stored rows are those
    ``copy_insert`` stores from the same analysis (errors, categories, links, raw and parsed values)."""
    make_txn(
        household, account, "expense", "3.00", date(2026, 1, 2), payee="Bakery", category=category(household, "Coffee")
    )
    good = [f"2026-03-0{d},{'Bakery' if d % 2 else 'Unknown shop'},-{d}.50" for d in range(1, 7)]
    data = csv(*good, "2026-03-08,Broken,abc", "2026-03-09,Pay,9.5")
    stored = []
    for write in ("own", "generic"):
        if write == "generic":

            def generic(batch, rows):
                now = timezone.now()
                common = (batch.household_id, batch.id, batch.account_id, now, now)
                values = operator.attrgetter(*services._STAGED)
                copy_insert(
                    ImportedRow, [common + values(r) for r in rows], columns=(*services._COMMON, *services._STAGED)
                )

            monkeypatch.setattr(services, "_insert_rows", generic)
        batch = mapped(client_for, account, data)
        columns = [
            f.attname
            for f in ImportedRow._meta.concrete_fields
            if f.attname not in ("id", "batch_id", "created_at", "updated_at")
        ]
        stored.append(
            list(ImportedRow.objects.filter(batch_id=batch["id"]).order_by("row_number").values_list(*columns))
        )
        client_for.delete(f"/api/v1/imports/{batch['id']}/")
    assert stored[0] == stored[1]
    assert len(stored[0]) == 8
