"""Duplicate detection: bank ids, fingerprints, fuzzy matches, and remembered decisions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finance.imports.models import ImportedRow
from finance.imports.tests.conftest import upload
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_txn
from finance.ledger.verify import verify

HEADER = b"Date,Description,Amount,Status\n"


def csv(*lines: str) -> bytes:
    return HEADER + "".join(f"{line}\n" for line in lines).encode()


def imported_batch(client, account, name, data=None, **commit_body):
    """Upload, confirm the mapping when asked, commit; returns the committed batch."""
    batch = upload(client, account, name, data=data).json()
    if batch["status"] == "uploaded":
        batch = client.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json").json()
    response = client.post(f"/api/v1/imports/{batch['id']}/commit/", commit_body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def rows(client, batch_id):
    return client.get(f"/api/v1/imports/{batch_id}/preview/?page_size=500").json()["results"]


def test_importing_the_same_file_again_adds_nothing(client_for, household, account):
    first = imported_batch(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx")
    assert first["rows_imported"] == 3
    again = upload(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx").json()
    assert (again["duplicates"], again["rows_new"], again["possible_duplicates"]) == (3, 0, 0)
    preview = rows(client_for, again["id"])
    assert {r["status"] for r in preview} == {"duplicate"}
    assert preview[0]["duplicate_of"]["reason"] == "Already imported (same bank id)."
    done = client_for.post(f"/api/v1/imports/{again['id']}/commit/", {}, format="json").json()
    assert done["rows_imported"] == 0
    assert Transaction.objects.filter(household=household).count() == 3

    csv_first = imported_batch(client_for, account, "csv/csv2ofx-schwab-checking.csv")
    csv_again = imported_batch(client_for, account, "csv/csv2ofx-schwab-checking.csv")
    assert (csv_first["rows_imported"], csv_again["rows_imported"], csv_again["duplicates"]) == (4, 0, 4)
    assert verify(household.id) == []


def test_overlapping_schwab_files_skip_the_shared_row_and_flag_the_conflicting_check(client_for, household, account):
    imported_batch(client_for, account, "csv/csv2ofx-schwab-checking.csv")
    second = upload(client_for, account, "csv/csv2ofx-schwab-checking-baltest-case7.csv").json()
    assert second["mapping_source"] == "saved"
    by_row = {r["description"]: r for r in rows(client_for, second["id"])}
    deposit = by_row["Deposit Mobile Banking"]
    assert deposit["status"] == "duplicate"
    original = Transaction.objects.get(account=account, description="Deposit Mobile Banking")
    assert deposit["duplicate_of"]["transaction"] == str(original.id)

    check = by_row["Check Paid #558"]
    assert check["status"] == "possible_duplicate"
    earlier = Transaction.objects.get(account=account, reference_number="558")
    assert check["duplicate_of"]["transaction"] == str(earlier.id)
    assert check["duplicate_of"]["amount"] == "-75.00"
    assert "Check 558 is already recorded on 2022-08-09" in check["duplicate_of"]["reason"]

    refused = client_for.post(f"/api/v1/imports/{second['id']}/commit/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "decision_required"
    assert refused.json()["errors"][0]["attr"] == f"rows.{check['row']}"

    body = {"decisions": [{"row": check["row"], "action": "import"}]}
    done = client_for.post(f"/api/v1/imports/{second['id']}/commit/", body, format="json").json()
    assert (done["rows_imported"], done["duplicates"]) == (1, 1)
    assert Transaction.objects.filter(account=account, reference_number="558").count() == 2
    # Both checks are now known: the pair again brings nothing back and asks nothing.
    third = upload(client_for, account, "csv/csv2ofx-schwab-checking-baltest-case7.csv").json()
    assert (third["duplicates"], third["possible_duplicates"], third["rows_new"]) == (2, 0, 0)
    assert verify(household.id) == []


def test_identical_purchases_on_one_day_in_one_file_are_both_kept(client_for, household, account):
    two = csv("2026-03-02,Corner Coffee,-4.50,Posted", "2026-03-02,Corner Coffee,-4.50,Posted")
    first = imported_batch(client_for, account, "coffee.csv", data=two)
    assert first["rows_imported"] == 2
    assert Transaction.objects.filter(account=account, payee="", description="Corner Coffee").count() == 2
    again = imported_batch(client_for, account, "coffee.csv", data=two)
    assert (again["rows_imported"], again["duplicates"]) == (0, 2)
    three = csv(*["2026-03-02,Corner Coffee,-4.50,Posted"] * 3)
    more = imported_batch(client_for, account, "coffee.csv", data=three)
    assert (more["rows_imported"], more["duplicates"]) == (1, 2)
    assert Transaction.objects.filter(account=account).count() == 3
    fingerprints = set(ImportedRow.objects.filter(account=account).values_list("fingerprint", flat=True))
    assert len(fingerprints) == 3
    assert all(len(fp) == 64 and "coffee" not in fp for fp in fingerprints)
    assert verify(household.id) == []


def test_pending_then_posted_with_a_tip_is_merged_and_the_decision_is_remembered(client_for, household, account):
    pending = make_txn(household, account, "expense", "45.00", date(2026, 3, 10), payee="Sushi Place", is_pending=True)
    posted = csv("2026-03-12,SUSHI PLACE 0042,-52.00,Posted", "2026-03-13,Bakery,-3.20,Posted")
    batch = upload(client_for, account, "card.csv", data=posted).json()
    batch = client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json").json()
    assert (batch["possible_duplicates"], batch["rows_new"]) == (1, 1)
    sushi = next(r for r in rows(client_for, batch["id"]) if r["status"] == "possible_duplicate")
    assert sushi["duplicate_of"]["transaction"] == str(pending.id)
    assert sushi["duplicate_of"]["amount"] == "-45.00"
    assert 0 < sushi["duplicate_of"]["score"] <= 1
    assert "pending 45.00, posted 52.00" in sushi["duplicate_of"]["reason"]

    body = {"decisions": [{"row": sushi["row"], "action": "merge"}]}
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", body, format="json").json()
    assert (done["rows_imported"], done["rows_merged"]) == (1, 1)
    pending.refresh_from_db()
    assert (pending.is_pending, pending.amount, pending.import_batch) == (False, Decimal("52.00"), None)
    assert ImportedRow.objects.get(batch_id=batch["id"], row_number=sushi["row"]).transaction_id == pending.id
    assert verify(household.id) == []

    # The user edits the matched transaction; the same file (or an overlapping one) brings nothing back.
    client_for.patch(
        f"/api/v1/transactions/{pending.id}/", {"payee": "Sushi Place Downtown", "amount": "55.00"}, format="json"
    )
    again = upload(client_for, account, "card.csv", data=posted).json()
    assert (again["duplicates"], again["possible_duplicates"], again["rows_new"]) == (2, 0, 0)
    overlap = csv("2026-03-12,SUSHI PLACE 0042,-52.00,Posted", "2026-03-20,Cinema,-12.00,Posted")
    later = imported_batch(client_for, account, "card2.csv", data=overlap)
    assert (later["rows_imported"], later["duplicates"]) == (1, 1)
    assert Transaction.objects.filter(account=account).count() == 3
    assert verify(household.id) == []


def test_skip_and_keep_both_decisions_are_remembered_even_after_deleting_the_transaction(
    client_for, household, account
):
    manual = make_txn(household, account, "expense", "30.00", date(2026, 4, 1), payee="Gas Station")
    other = make_txn(household, account, "expense", "12.00", date(2026, 4, 2), payee="Book Shop")
    data = csv("2026-04-02,GAS STATION,-30.00,Posted", "2026-04-03,BOOK SHOP,-12.00,Posted")
    batch = upload(client_for, account, "a.csv", data=data).json()
    batch = client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json").json()
    assert batch["possible_duplicates"] == 2
    by_payee = {r["description"]: r for r in rows(client_for, batch["id"])}
    decisions = [
        {"row": by_payee["GAS STATION"]["row"], "action": "skip"},
        {"row": by_payee["BOOK SHOP"]["row"], "action": "import"},
    ]
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {"decisions": decisions}, format="json").json()
    assert (done["rows_imported"], done["rows_skipped"]) == (1, 1)

    client_for.delete(f"/api/v1/transactions/{manual.id}/")
    again = upload(client_for, account, "a.csv", data=data).json()
    assert (again["duplicates"], again["possible_duplicates"], again["rows_new"]) == (2, 0, 0)
    reasons = {r["description"]: r["duplicate_of"]["reason"] for r in rows(client_for, again["id"])}
    assert reasons["GAS STATION"].startswith("Skipped in an earlier import")
    assert Transaction.objects.filter(account=account).count() == 2  # the kept book shop pair
    assert Transaction.objects.filter(pk=other.pk).exists()
    assert verify(household.id) == []


def test_bank_ids_that_differ_are_not_fuzzy_duplicates(client_for, household, account):
    data = b"Date,Description,Amount,Transaction ID\n2026-05-01,Coffee,-4.00,A1\n"
    imported_batch(client_for, account, "x.csv", data=data)
    second = b"Date,Description,Amount,Transaction ID\n2026-05-02,Coffee,-4.00,A2\n"
    batch = upload(client_for, account, "y.csv", data=second).json()
    assert (batch["rows_new"], batch["possible_duplicates"]) == (1, 0)


def test_an_unrelated_payee_with_the_same_amount_is_not_a_duplicate(client_for, household, account):
    make_txn(household, account, "expense", "20.00", date(2026, 6, 1), payee="Hardware Store")
    batch = upload(client_for, account, "z.csv", data=csv("2026-06-02,Florist,-20.00,Posted")).json()
    assert (batch["rows_new"], batch["possible_duplicates"]) == (1, 0)


def test_a_row_knows_the_transaction_it_created_until_that_is_deleted(client_for, household, account):
    """An imported row is linked to its transaction by their shared id; deleting the transaction does not make
    the row's file content importable again, and the duplicate says its transaction is gone."""
    first = imported_batch(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx")
    created = {r["row"]: r for r in rows(client_for, first["id"])}
    txns = {t.id: t for t in Transaction.objects.filter(import_batch=first["id"])}
    assert {r["status"] for r in created.values()} == {"imported"}
    assert {r["transaction"] for r in created.values()} == {str(pk) for pk in txns}
    gone_row, kept_row = sorted(created)[:2]
    response = client_for.delete(f"/api/v1/transactions/{created[gone_row]['transaction']}/")
    assert response.status_code == 204, response.content

    after = {r["row"]: r for r in rows(client_for, first["id"])}
    assert after[gone_row]["transaction"] is None
    assert after[kept_row]["transaction"] == created[kept_row]["transaction"]

    again = upload(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx").json()
    assert (again["duplicates"], again["rows_new"]) == (3, 0)
    repeated = {r["row"]: r for r in rows(client_for, again["id"])}
    assert repeated[gone_row]["duplicate_of"]["transaction"] is None
    assert repeated[gone_row]["duplicate_of"]["reason"] == (
        "Already imported (same bank id). Its transaction was deleted since."
    )
    assert repeated[kept_row]["duplicate_of"]["transaction"] == created[kept_row]["transaction"]
    assert repeated[kept_row]["duplicate_of"]["reason"] == "Already imported (same bank id)."
    stored = ImportedRow.objects.get(batch_id=again["id"], row_number=kept_row)
    assert str(stored.transaction_id) == created[kept_row]["transaction"]
    assert verify(household.id) == []
