"""Each statement format imports end to end through the API, and bad files fail clearly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from finance.imports.adversarial import CASES
from finance.imports.models import ImportBatch, ImportedRow
from finance.imports.reading import limits
from finance.imports.tests.conftest import FIXTURES, upload
from finance.ledger.models import Account, Category, Transaction
from finance.ledger.tests.factories import make_account
from finance.ledger.verify import verify


def commit(client, batch_id, **body):
    return client.post(f"/api/v1/imports/{batch_id}/commit/", body, format="json")


def imported(batch_id) -> list[Transaction]:
    return list(Transaction.objects.filter(import_batch=batch_id).order_by("date", "amount"))


def test_csv_needs_its_detected_mapping_confirmed_then_imports(client_for, household, account):
    response = upload(client_for, account, "csv/csv2ofx-schwab-checking.csv")
    assert response.status_code == 201, response.content
    batch = response.json()
    assert batch["status"] == "uploaded"
    assert batch["format"] == "csv"
    assert batch["detected"]["mapping"]["sign_convention"] == "debit_credit"
    assert batch["rows_total"] == 4
    assert batch["rows_new"] == 4

    refused = commit(client_for, batch["id"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "mapping_required"

    mapped = client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json")
    assert mapped.json()["status"] == "mapped"
    done = commit(client_for, batch["id"])
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "committed"
    assert done.json()["rows_imported"] == 4

    txns = imported(batch["id"])
    assert [(t.date, t.type, t.amount) for t in txns] == [
        (date(2022, 8, 4), "expense", Decimal("57.27")),
        (date(2022, 8, 9), "expense", Decimal("75.00")),
        (date(2022, 8, 14), "expense", Decimal("103.00")),
        (date(2022, 8, 17), "income", Decimal("20.00")),
    ]
    check = txns[1]
    assert check.description == "Check Paid #558"
    assert check.reference_number == "558"
    assert check.currency == "USD"
    account.refresh_from_db()
    assert account.balance == Decimal("-215.27")
    assert verify(household.id) == []


def test_csv_mapping_is_saved_for_the_account_and_reused(client_for, household, account):
    first = upload(client_for, account, "csv/csv2ofx-schwab-checking.csv").json()
    client_for.post(
        f"/api/v1/imports/{first['id']}/mapping/", {"overrides": {"status_column": "Status"}}, format="json"
    )
    commit(client_for, first["id"])
    second = upload(client_for, account, "csv/csv2ofx-schwab-checking-baltest-case7.csv").json()
    assert second["status"] == "mapped"
    assert second["mapping_source"] == "saved"
    assert second["mapping"]["status_column"] == "Status"
    other = make_account(household, "Other", currency="USD")
    fresh = upload(client_for, other, "csv/csv2ofx-schwab-checking.csv").json()
    assert fresh["status"] == "uploaded"


def test_mapping_errors_name_the_field(client_for, account):
    batch = upload(client_for, account, "csv/csv2ofx-schwab-checking.csv").json()
    response = client_for.post(
        f"/api/v1/imports/{batch['id']}/mapping/",
        {"overrides": {"date_format": "%Q", "delimiter": ";;"}},
        format="json",
    )
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert {"date_format", "delimiter"} <= attrs
    missing = client_for.post(
        f"/api/v1/imports/{batch['id']}/mapping/", {"overrides": {"payee_column": "Nope"}}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["attr"] == "payee_column"


@pytest.mark.parametrize("encoding", ["unicode_escape", "zlib", "rot13", "punycode"])
def test_a_mapping_naming_no_text_encoding_is_refused_and_changes_nothing(client_for, account, encoding):
    batch = upload(client_for, account, "csv/csv2ofx-schwab-checking.csv").json()
    rows = list(ImportedRow.objects.filter(batch=batch["id"]).values_list("id", "parsed"))
    response = client_for.post(
        f"/api/v1/imports/{batch['id']}/mapping/", {"overrides": {"encoding": encoding}}, format="json"
    )
    assert response.status_code == 400, response.content
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("encoding", "invalid")]
    stored = ImportBatch.objects.get(pk=batch["id"])
    assert stored.mapping == batch["mapping"]
    assert stored.status == "uploaded"
    assert list(ImportedRow.objects.filter(batch=batch["id"]).values_list("id", "parsed")) == rows


def test_an_ofx_declaring_a_codec_imports_as_text_without_control_characters(client_for, account):
    data = (FIXTURES / "ofx/asgrim-ofxparser-ofxdata.ofx").read_bytes()
    data = data.replace(b"CHARSET:1252", b"CHARSET:zlib").replace(b"<NAME>", b"<NAME>\\x00\x07", 1)
    response = upload(client_for, account, "statement.ofx", data=data)
    assert response.status_code == 201, response.content
    batch = response.json()
    assert "1 control character(s)" in " ".join(batch["warnings"])
    payees = [row.parsed["payee"] for row in ImportedRow.objects.filter(batch=batch["id"]).order_by("row_number")]
    assert payees[0].startswith("\\x00")
    assert not any("\x00" in p or "\x07" in p for p in payees if p)


def test_ofx_imports_with_bank_ids_and_a_balance_check(client_for, household, account):
    response = upload(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx")
    batch = response.json()
    assert batch["status"] == "mapped"
    assert batch["format"] == "ofx"
    assert batch["statement"]["closing_balance"] == {"amount": "5250.00", "date": "2007-10-15", "currency": "USD"}
    done = commit(client_for, batch["id"]).json()
    assert done["rows_imported"] == 3
    first = imported(batch["id"])[0]
    assert (first.date, first.type, first.amount, first.payee) == (
        date(2007, 3, 15),
        "income",
        Decimal("200.00"),
        "DEPOSIT",
    )
    row = ImportedRow.objects.get(batch_id=batch["id"], pk=first.pk)  # a row and the transaction it created
    assert (row.status, row.created_transaction_id, row.transaction_id) == ("imported", first.pk, None)
    assert row.provider_id == "980315001"
    assert row.raw  # the original values are kept
    flows = sum((t.amount if t.type == "income" else -t.amount) for t in imported(batch["id"]))
    assert done["balance_check"] == {
        "statement_balance": "5250.00",
        "computed_balance": f"{flows:.2f}",
        "difference": f"{Decimal('5250.00') - flows:.2f}",
        "as_of": "2007-10-15",
        "currency": "USD",
        "matches": False,
    }
    assert verify(household.id) == []


def test_qfx_imports_in_the_account_currency(client_for, household):
    cad = make_account(household, "Chequing", currency="CAD")
    batch = upload(client_for, cad, "qfx/actual-1252.qfx").json()
    assert batch["format"] == "qfx"
    done = commit(client_for, batch["id"]).json()
    assert done["rows_imported"] == 1
    (txn,) = imported(batch["id"])
    assert (txn.type, txn.amount, txn.currency, txn.payee) == ("expense", Decimal("20.00"), "CAD", "Café Métro €uro")
    assert txn.description == "Paiement 5€ — débit"


def test_qif_imports_and_takes_the_file_categories(client_for, household, account):
    batch = upload(client_for, account, "qif/quiffen-test.qif").json()
    assert batch["format"] == "qif"
    assert batch["status"] == "mapped"
    preview = client_for.get(f"/api/v1/imports/{batch['id']}/preview/").json()
    assert preview["count"] == batch["rows_total"]
    target = next(row for row in preview["results"] if row["payee"] == "Target")
    assert target["category"]["name"] == "Groceries"
    assert target["category"]["source"] == "user"
    done = commit(client_for, batch["id"], skip_invalid=True).json()
    assert done["status"] == "committed"
    txn = Transaction.objects.get(import_batch=batch["id"], payee="Target")
    assert (txn.date, txn.type, txn.amount) == (date(2020, 2, 12), "expense", Decimal("10.00"))
    assert txn.category == Category.objects.get(household=household, name="Groceries")
    assert (txn.categorization_source, txn.categorization_confidence, txn.needs_review) == ("user", Decimal(1), False)
    # "Bills:Cell Phone" is not a category of this household: the row stays uncategorized, to review.
    phone = Transaction.objects.get(import_batch=batch["id"], payee="T-Mobile")
    assert (phone.category, phone.needs_review) == (None, True)
    assert verify(household.id) == []


def test_camt053_imports(client_for, household):
    eur = make_account(household, "Girokonto", currency="EUR")
    batch = upload(client_for, eur, "camt053/genkgo-camt053.v2.minimal.xml").json()
    assert batch["format"] == "camt053"
    done = commit(client_for, batch["id"]).json()
    assert done["rows_imported"] == 1
    (txn,) = imported(batch["id"])
    assert (txn.date, txn.type, txn.amount, txn.payee) == (date(2014, 12, 31), "income", Decimal("8.85"), "NAME NAME")
    # The file's closing balance is in another currency: reported as a warning, not compared.
    assert done["balance_check"] is None
    assert any("SEK" in w for w in done["warnings"])


def test_mt940_imports_and_its_closing_balance_matches(client_for, household):
    eur = make_account(household, "ABN", currency="EUR", opening_balance=Decimal("3236.28"))
    batch = upload(client_for, eur, "mt940/wolph-mt940-jejik-abnamro.sta").json()
    assert batch["format"] == "mt940"
    assert batch["rows_total"] == 10
    done = commit(client_for, batch["id"]).json()
    assert done["rows_imported"] == 10
    assert done["balance_check"]["statement_balance"] == "1849.75"
    assert done["balance_check"]["as_of"] == "2011-05-24"
    eur.refresh_from_db()
    assert done["balance_check"]["computed_balance"] == f"{eur.balance:.2f}"
    assert done["balance_check"]["matches"] is (eur.balance == Decimal("1849.75"))
    assert verify(household.id) == []


# --- Bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n...", "unsupported_format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "unsupported_format"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_stored(client_for, account, content, code):
    response = upload(client_for, account, "statement.bin", data=content)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["code"] == code
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(("case", "reason"), [("ofx_deep", "nested more than"), ("ofx_one_line_cdata", "CDATA")])
def test_hostile_files_are_refused_quickly_and_nothing_is_stored(client_for, account, settings, case, reason):
    generate, _fmt = CASES[case]
    response = upload(client_for, account, "statement.ofx", data=generate(256 * 1024))
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["code"] == "invalid_file"
    assert reason in error["detail"]
    assert not ImportBatch.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_a_hostile_camt_entry_imports_with_its_raw_values_bounded(client_for, account):
    response = upload(client_for, account, "statement.xml", data=CASES["camt_repeated_leaves"][0](256 * 1024))
    assert response.status_code == 201, response.content
    row = ImportedRow.objects.get(batch=response.json()["id"])
    assert len(row.raw) == limits.MAX_RAW_VALUES
    assert row.raw["AddtlNtryInf_2"] == "again"


def test_a_table_without_dates_or_amounts_waits_for_a_mapping(client_for, account):
    batch = upload(client_for, account, "csv/reckon-simple.csv").json()
    assert batch["status"] == "uploaded"
    assert batch["mapping"] is None
    assert batch["detected"]["problems"]
    response = client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "mapping"


def test_too_large_uploads_are_413(client_for, account, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = upload(client_for, account, "ofx/asgrim-ofxparser-ofxdata.ofx")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "file_too_large"


def test_the_account_must_be_in_the_household(client_for, account):
    from finance.users.tests.factories import HouseholdFactory

    elsewhere = make_account(HouseholdFactory(), "Not yours")
    response = upload(client_for, elsewhere, "ofx/asgrim-ofxparser-ofxdata.ofx")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "account"


def test_a_row_in_another_currency_is_an_error_for_that_row(client_for, household, account):
    data = b"Date,Description,Amount,Currency\n2026-03-01,Shop,-10.00,USD\n2026-03-02,Abroad,-12.00,EUR\n"
    batch = upload(client_for, account, "mixed.csv", data=data).json()
    assert batch["rows_invalid"] == 1
    assert batch["errors"] == [
        {
            "row": 3,
            "column": "currency",
            "code": "currency_mismatch",
            "detail": "The row is in EUR; the account is in USD.",
            "value": "EUR",
        }
    ]


def test_upload_honours_idempotency_key(client_for, account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from finance.imports.tests.conftest import fixture_bytes

    content = fixture_bytes("ofx/asgrim-ofxparser-ofxdata.ofx")

    def send():
        body = {"account": str(account.pk), "file": SimpleUploadedFile("a.ofx", content)}
        return client_for.post("/api/v1/imports/", body, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")

    first, second = send(), send()
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert ImportBatch.objects.count() == 1


def test_archived_accounts_take_no_imports(client_for, household):
    old = make_account(household, "Old", is_active=False)
    response = upload(client_for, old, "ofx/asgrim-ofxparser-ofxdata.ofx")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "inactive"
    assert Account.objects.filter(pk=old.pk).exists()
