"""The import screens: upload, mapping, preview with duplicates and bad rows, commit, progress, undo, access."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.imports.models import ImportBatch, ImportedRow, ImportStatus
from finance.imports.tests.conftest import FIXTURES
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_account
from finance.ledger.verify import verify
from finance.users.tests.factories import HouseholdFactory
from finance.web.imports import views as import_views

pytestmark = pytest.mark.django_db

OFX = "ofx/asgrim-ofxparser-ofxdata.ofx"
SCHWAB = "csv/csv2ofx-schwab-checking.csv"
SCHWAB_LATER = "csv/csv2ofx-schwab-checking-baltest-case7.csv"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def checking(roles):
    return make_account(roles.household, "Checking", currency="USD")


@pytest.fixture
def owner(roles, web_client):
    return web_client(roles.users["owner"])


def upload(client, account, name, data=None, **fields):
    content = (FIXTURES / name).read_bytes() if data is None else data
    body = {"account": str(account.pk), "file": SimpleUploadedFile(Path(name).name, content), **fields}
    return client.post(reverse("web:import-upload"), body)


def latest(account) -> ImportBatch:
    return ImportBatch.objects.filter(account=account).latest("created_at")


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def confirm_mapping(client, batch, **changes):
    """POST the mapping form as shown (the detected or saved values), with ``changes``."""
    form = client.get(reverse("web:import-mapping", args=[batch.pk])).context["form"]
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name == "has_header":
            if value:
                data[name] = "on"
            continue
        data[name] = value if value is not None else ""
    data.update(changes)
    return client.post(reverse("web:import-mapping", args=[batch.pk]), data)


def test_ofx_upload_shows_what_was_detected_then_the_rows_and_commits_with_a_balance_check(owner, checking):
    response = upload(owner, checking, OFX)
    batch = latest(checking)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import-preview", args=[batch.pk])  # no mapping for OFX
    preview = page(owner, response["Location"])
    # What the file says about itself.
    assert "asgrim-ofxparser-ofxdata.ofx" in preview
    assert "098-121" in preview  # the account number in the file
    assert "$5,250.00" in preview  # its closing balance
    assert "3 rows: 3 new, 0 already imported, 0 possible duplicates, 0 cannot be read" in preview
    # Every row: date, payee, amount with its direction, status.
    assert "Mar 15, 2007" in preview
    assert "+$200.00" in preview
    assert "−$100.00" in preview
    assert "John Hancock" in preview
    assert preview.count('class="row-new"') == 3
    assert "3 new rows; duplicates already imported are left out." in preview

    done = owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert done["Location"] == reverse("web:import-detail", args=[batch.pk])
    result = page(owner, done["Location"])
    assert Transaction.objects.filter(account=checking).count() == 3
    checking.refresh_from_db()
    assert checking.balance == Decimal("250.00")
    assert [int(v.replace(",", "")) for v in _facts(result)[:3]] == [3, 0, 0]  # created, merged, skipped
    # The file's closing balance 5,250.00 against the account's 250.00.
    assert "Differs by +$5,000.00" in result
    assert "The file says $5,250.00 on Oct 15, 2007; the account shows $250.00." in result
    assert "hx-trigger" not in result

    # The same file again: every row is a duplicate of what the first import created, and is left out.
    upload(owner, checking, OFX)
    again = latest(checking)
    preview = page(owner, reverse("web:import-preview", args=[again.pk]))
    assert preview.count('class="row-duplicate"') == 3
    assert "Duplicate of John Hancock, Jul 9, 2007, −$100.00" in preview
    assert "3 rows: 0 new, 3 already imported" in preview
    owner.post(reverse("web:import-commit", args=[again.pk]))
    again.refresh_from_db()
    assert (again.status, again.rows_imported, again.duplicates) == (ImportStatus.COMMITTED, 0, 3)
    assert Transaction.objects.filter(account=checking).count() == 3

    listing = page(owner, reverse("web:imports"))
    assert listing.count("asgrim-ofxparser-ofxdata.ofx</a>") == 2
    assert listing.count("Undo…") == 2
    assert "Differs by +$5,000.00" in listing
    assert verify(checking.household_id) == []


def _facts(html: str) -> list[str]:
    """The <dd> values of the result's figures, in order."""
    block = html.split('id="import-status"', 1)[1]
    return re.findall(r"<dd>([^<]*)</dd>", block)


def test_csv_mapping_is_proposed_can_be_overridden_and_is_reused_next_time(owner, checking):
    response = upload(owner, checking, SCHWAB)
    batch = latest(checking)
    assert batch.status == ImportStatus.UPLOADED
    assert response["Location"] == reverse("web:import-mapping", args=[batch.pk])
    mapping = owner.get(response["Location"])
    form = mapping.context["form"]
    assert form.initial["date_column"] == "Date"
    assert form.initial["date_format"] == "%m/%d/%Y"
    assert form.initial["sign_convention"] == "debit_credit"
    assert (form.initial["debit_column"], form.initial["credit_column"]) == ("Withdrawal", "Deposit")
    assert form.initial["description_columns"] == ["Description"]
    html = mapping.content.decode()
    assert "BMO HARRIS BANK" in html  # the file's first rows as written
    assert '<option value="Date" selected>Date</option>' in html

    # A wrong date format: re-analysed, the rows cannot be read and say why.
    response = confirm_mapping(owner, batch, date_format="%d/%m/%Y")
    assert response["Location"] == reverse("web:import-preview", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.mapping["date_format"] == "%d/%m/%Y"
    assert batch.mapping_source == "user"
    assert batch.rows_invalid == 2  # 08/17 and 08/14; 08/09 and 08/04 read as September and April
    preview = page(owner, response["Location"])
    assert "Not a date this file&#x27;s date format can read." in preview
    # Field errors: a bad format and a missing required column change nothing.
    refused = confirm_mapping(owner, batch, date_format="", date_column="Nope")
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert "date_format" in errors
    assert "date_column" in errors
    batch.refresh_from_db()
    assert batch.mapping["date_format"] == "%d/%m/%Y"

    confirm_mapping(owner, batch, date_format="%m/%d/%Y")
    batch.refresh_from_db()
    assert (batch.rows_new, batch.rows_invalid) == (4, 0)
    preview = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "−$103.00" in preview
    assert "BMO HARRIS BANK" in preview
    owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert Transaction.objects.filter(account=checking).count() == 4

    # The second upload is read with the saved mapping and goes straight to its rows, all duplicates.
    response = upload(owner, checking, SCHWAB)
    again = latest(checking)
    assert (again.status, again.mapping_source) == (ImportStatus.MAPPED, "saved")
    assert response["Location"] == reverse("web:import-preview", args=[again.pk])
    preview = page(owner, response["Location"])
    assert "read with the mapping saved for this account" in preview
    assert preview.count('class="row-duplicate"') == 4
    assert "Duplicate of BMO HARRIS BANK, Aug 14, 2022, −$103.00" in preview


def test_possible_duplicates_need_a_decision_merge_or_keep_both(owner, checking):
    upload(owner, checking, SCHWAB)
    confirm_mapping(owner, latest(checking))
    owner.post(reverse("web:import-commit", args=[latest(checking).pk]))
    upload(owner, checking, SCHWAB_LATER)
    batch = latest(checking)
    check_row = ImportedRow.objects.get(batch=batch, status="possible_duplicate")
    preview = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "Possible duplicates: your decision" in preview
    assert "Possible duplicate of Check Paid #558, Aug 9, 2022, −$75.00" in preview
    assert f'name="decision_{check_row.row_number}" value="merge"' in preview
    assert "Keep both" in preview
    assert "Duplicate of Deposit Mobile Banking" in preview

    refused = owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert refused.status_code == 200  # the rows again, with the errors
    assert "Choose merge, keep both or skip for this row." in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPED
    assert Transaction.objects.filter(account=checking).count() == 4

    bad = owner.post(reverse("web:import-commit", args=[batch.pk]), {f"decision_{check_row.row_number}": "burn"})
    assert bad.status_code == 200
    assert "decision_" in str(bad.context["form"].errors)

    done = owner.post(reverse("web:import-commit", args=[batch.pk]), {f"decision_{check_row.row_number}": "import"})
    assert done.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.duplicates) == (ImportStatus.COMMITTED, 1, 1)
    assert Transaction.objects.filter(account=checking, reference_number="558").count() == 2


def test_unreadable_rows_refuse_the_commit_until_skipped_explicitly(owner, checking):
    good = "".join(f"2026-01-0{d},Shop {d},-{d}.00\n" for d in range(1, 7))
    data = f"Date,Description,Amount\n{good}2026-01-08,Broken,abc\nnot a date,Other,-3.00\n".encode()
    upload(owner, checking, "bad.csv", data=data)
    batch = latest(checking)
    confirm_mapping(owner, batch)
    preview = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "Rows that cannot be read" in preview
    assert '<td class="num">8</td><td>Amount</td><td>abc</td><td>Not a valid amount.</td>' in preview
    assert '<td class="num">9</td><td>Date</td><td>not a date</td>' in preview
    assert "Skip these rows and import the others" in preview

    refused = owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert refused.status_code == 200  # the rows again, with the errors
    html = refused.content.decode()
    assert "Row 8: Not a valid amount." in html  # the column is in the table above
    assert not Transaction.objects.filter(account=checking).exists()

    owner.post(reverse("web:import-commit", args=[batch.pk]), {"skip_invalid": "on"})
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_skipped) == (ImportStatus.COMMITTED, 6, 2)
    checking.refresh_from_db()
    assert checking.balance == Decimal("-21.00")
    # The skipped rows are listed with the filter.
    invalid = page(owner, reverse("web:import-preview", args=[batch.pk]), status="invalid")
    assert invalid.count('class="row-invalid"') == 2


def test_unreadable_rows_and_files_are_explained_in_the_persons_language(roles, owner, checking):
    user = roles.users["owner"]
    user.locale = "de"
    user.save()
    good = "".join(f"2026-01-0{d},Shop {d},-{d}.00\n" for d in range(1, 7))
    upload(owner, checking, "bad.csv", data=f"Date,Description,Amount\n{good}2026-01-08,Broken,abc\n".encode())
    batch = latest(checking)
    confirm_mapping(owner, batch)
    refused = owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert refused.context["form"].errors["skip_invalid"] == ["Zeile 8: Kein gültiger Betrag."]
    # A file that cannot be read at all: the parser's line, the problem in German.
    qif = upload(owner, checking, "bad.qif", data=b"!Type:Bank\n!Bogus\nD01/02/2026\n")
    assert qif.context["form"].errors["file"] == [
        "Zeile 2: Die Datei kann nicht gelesen werden; sie ist beschädigt oder nicht im erwarteten Format."
    ]


def test_undo_asks_first_then_deletes_what_the_import_created(owner, checking):
    upload(owner, checking, OFX)
    batch = latest(checking)
    owner.post(reverse("web:import-commit", args=[batch.pk]))
    confirm = page(owner, reverse("web:import-revert", args=[batch.pk]))
    assert "Delete the 3 transactions “asgrim-ofxparser-ofxdata.ofx” created?" in confirm
    assert Transaction.objects.filter(account=checking).count() == 3
    response = owner.post(reverse("web:import-revert", args=[batch.pk]))
    assert response["Location"] == reverse("web:imports")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REVERTED
    assert not Transaction.objects.filter(account=checking).exists()
    checking.refresh_from_db()
    assert checking.balance == Decimal("0")
    listing = owner.get(reverse("web:imports"), follow=False)
    assert "Undone" in listing.content.decode()
    assert "Undo…" not in listing.content.decode()
    again = owner.post(reverse("web:import-revert", args=[batch.pk]), follow=True)
    assert "This import was already undone." in again.content.decode()


def test_a_large_commit_runs_in_the_background_and_the_page_polls_until_done(
    owner, checking, settings, django_capture_on_commit_callbacks, celery_eager
):
    settings.IMPORT_ASYNC_ROWS = 2
    upload(owner, checking, OFX)
    batch = latest(checking)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(reverse("web:import-commit", args=[batch.pk]))
    assert response["Location"] == reverse("web:import-detail", args=[batch.pk])
    running = page(owner, response["Location"])
    assert "Importing…" in running
    assert f'hx-get="{reverse("web:import-detail", args=[batch.pk])}" hx-trigger="every 2s"' in running
    assert '<progress id="import-progress" max="1" value="0.000"' in running
    assert "<script>" not in running
    fragment = owner.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-status")
    assert fragment.templates[0].name == "web/imports/_status.html"
    assert "hx-trigger" in fragment.content.decode()

    assert callbacks, "the commit hands the batch to a task once its transaction commits"
    for callback in callbacks:  # the broker delivers the task (run in-process here)
        callback()
    batch.refresh_from_db()
    assert (batch.status, batch.failure) == ("committed", "")
    fragment = owner.get(response["Location"], HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-status")
    html = fragment.content.decode()
    assert "hx-trigger" not in html  # done: polling stops
    assert '<h2 id="status-heading">Imported</h2>' in html
    assert _facts(html)[0] == "3"
    assert Transaction.objects.filter(account=checking).count() == 3


def test_upload_field_errors_store_nothing(owner, checking, roles):
    response = owner.post(reverse("web:import-upload"), {"account": str(checking.pk)})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    empty = upload(owner, checking, "empty.csv", data=b"   \n")
    assert empty.status_code == 200
    assert empty.context["form"].errors["file"] == ["The file is empty."]
    other = make_account(HouseholdFactory(), "Theirs")
    foreign = upload(owner, other, OFX)
    assert "account" in foreign.context["form"].errors
    archived = make_account(roles.household, "Old", is_active=False)
    assert "account" in upload(owner, archived, OFX).context["form"].errors
    pdf = upload(owner, checking, "statement.pdf", data=b"%PDF-1.4 not a statement")
    assert pdf.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_viewers_read_imports_but_every_write_is_403(roles, web_client, owner, checking):
    upload(owner, checking, OFX)
    batch = latest(checking)
    viewer = web_client(roles.users["viewer"])
    for url in (
        reverse("web:imports"),
        reverse("web:import-detail", args=[batch.pk]),
        reverse("web:import-preview", args=[batch.pk]),
    ):
        assert viewer.get(url).status_code == 200, url
    preview = page(viewer, reverse("web:import-preview", args=[batch.pk]))
    assert "John Hancock" in preview
    assert 'id="commit-form"' not in preview
    assert "Import a statement" not in page(viewer, reverse("web:imports"))
    for url in (
        reverse("web:import-upload"),
        reverse("web:import-mapping", args=[batch.pk]),
        reverse("web:import-revert", args=[batch.pk]),
    ):
        assert viewer.get(url).status_code == 403, url
    assert upload(viewer, checking, OFX).status_code == 403
    assert viewer.post(reverse("web:import-commit", args=[batch.pk])).status_code == 403
    assert viewer.post(reverse("web:import-revert", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1
    assert viewer.post(reverse("web:import-mapping", args=[batch.pk]), {"date_format": "%d"}).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPED
    # An unconfirmed CSV: viewers are sent to its rows, not to the mapping form they may not use.
    upload(owner, checking, SCHWAB)
    csv_batch = latest(checking)
    listing = page(viewer, reverse("web:imports"))
    assert f'href="{reverse("web:import-preview", args=[csv_batch.pk])}"' in listing
    assert reverse("web:import-mapping", args=[csv_batch.pk]) not in listing
    assert "Check the column mapping" not in page(viewer, reverse("web:import-detail", args=[csv_batch.pk]))
    assert reverse("web:import-mapping", args=[csv_batch.pk]) in page(owner, reverse("web:imports"))
    # An editor may import.
    editor = web_client(roles.users["editor"])
    assert editor.post(reverse("web:import-commit", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED


def test_other_households_batches_are_404(roles, web_client, owner, checking):
    upload(owner, checking, OFX)
    batch = latest(checking)
    outsider = web_client(roles.users["outsider"])
    for name in ("web:import-detail", "web:import-preview", "web:import-mapping", "web:import-revert"):
        assert outsider.get(reverse(name, args=[batch.pk])).status_code == 404, name
    assert outsider.post(reverse("web:import-commit", args=[batch.pk])).status_code == 404
    assert "asgrim" not in page(outsider, reverse("web:imports"))
    # Their upload form does not offer this household's accounts, and posting one is refused.
    assert upload(outsider, checking, OFX).status_code == 200
    assert ImportBatch.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPED


def test_preview_pages_long_files_and_formats_in_the_persons_locale(roles, web_client, owner, checking, monkeypatch):
    monkeypatch.setattr(import_views, "PREVIEW_PAGE_SIZE", 2)
    upload(owner, checking, OFX)
    batch = latest(checking)
    first = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "Page 1 of 2" in first
    assert "John Hancock" not in first
    second = page(owner, reverse("web:import-preview", args=[batch.pk]), page=2)
    assert "John Hancock" in second
    assert "DEPOSIT" not in second
    user = roles.users["owner"]
    user.locale = "de"
    user.save()
    german = page(owner, reverse("web:import-preview", args=[batch.pk]), page=2)
    assert "−100,00\u00a0$" in german
    assert "09.07.2007" in german
    assert "Zeilen von asgrim-ofxparser-ofxdata.ofx" in german
    assert ">Importe</a>" in german  # the navigation entry
    user.locale = "es"
    user.save()
    assert "Importar un extracto" in page(owner, reverse("web:imports"))


def test_a_csv_whose_columns_cannot_be_recognised_is_mapped_by_hand(owner, checking):
    data = b"Date,Description,Amount\n2026-01-02,Shop,-2.00\n2026-01-03,Broken,abc\nnot a date,Other,-3.00\n"
    upload(owner, checking, "odd.csv", data=data)
    batch = latest(checking)
    assert batch.mapping is None
    mapping = page(owner, reverse("web:import-mapping", args=[batch.pk]))
    assert "The columns could not all be recognised; choose them below." in mapping
    body = {
        "delimiter": ",",
        "has_header": "on",
        "skip_rows": "0",
        "date_column": "Date",
        "date_format": "%Y-%m-%d",
        "sign_convention": "signed",
        "amount_column": "Amount",
        "decimal_separator": ".",
        "description_columns": ["Description"],
    }
    response = owner.post(reverse("web:import-mapping", args=[batch.pk]), body)
    assert response["Location"] == reverse("web:import-preview", args=[batch.pk])
    batch.refresh_from_db()
    assert (batch.status, batch.rows_new, batch.rows_invalid) == (ImportStatus.MAPPED, 1, 2)
    assert batch.mapping["amount_column"] == "Amount"
    assert batch.mapping["description_columns"] == ["Description"]


def test_a_file_with_several_accounts_asks_which_one(owner, checking):
    name = "ofx/ofxparse-multiple_accounts.ofx"
    refused = upload(owner, checking, name)
    assert refused.status_code == 200
    assert refused.context["form"].errors["statement_account"] == [
        "The file holds statements of several accounts (9100, 9200): enter the one to import under "
        "“Account in the file”."
    ]
    assert " open>" in refused.content.decode()  # the options holding that field are shown
    assert not ImportBatch.objects.exists()
    response = upload(owner, checking, name, statement_account="9200")
    batch = latest(checking)
    assert response["Location"] == reverse("web:import-preview", args=[batch.pk])
    assert batch.statement["account"]["account_id"] == "9200"
    assert "9200" in page(owner, response["Location"])


def test_a_failed_background_commit_says_why_and_can_be_tried_again(owner, checking):
    from finance.imports import commit

    upload(owner, checking, OFX)
    batch = latest(checking)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PROCESSING)
    commit.import_mark_failed(batch_id=batch.pk, reason="The worker ran out of memory.")
    detail = page(owner, reverse("web:import-detail", args=[batch.pk]))
    assert "The import failed and nothing of it was kept. The worker ran out of memory." in detail
    preview = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "The worker ran out of memory." in preview
    assert 'id="commit-form"' in preview
    owner.post(reverse("web:import-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported) == (ImportStatus.COMMITTED, 3)


def test_an_unfinished_import_can_be_discarded_with_its_file(
    owner, checking, roles, web_client, django_capture_on_commit_callbacks
):
    upload(owner, checking, SCHWAB)
    batch = latest(checking)
    stored = Path(batch.file.path)
    assert stored.exists()
    listing = page(owner, reverse("web:imports"))
    assert reverse("web:import-discard", args=[batch.pk]) in listing
    assert "Throw away “csv2ofx-schwab-checking.csv” without importing it?" in page(
        owner, reverse("web:import-discard", args=[batch.pk])
    )
    assert web_client(roles.users["viewer"]).post(reverse("web:import-discard", args=[batch.pk])).status_code == 403
    assert web_client(roles.users["outsider"]).post(reverse("web:import-discard", args=[batch.pk])).status_code == 404
    assert ImportBatch.objects.filter(pk=batch.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(reverse("web:import-discard", args=[batch.pk]), follow=True)
    assert "“csv2ofx-schwab-checking.csv” discarded." in response.content.decode()
    assert not ImportBatch.objects.filter(pk=batch.pk).exists()
    assert not stored.exists()
    # A committed import is undone instead.
    upload(owner, checking, OFX)
    committed = latest(checking)
    owner.post(reverse("web:import-commit", args=[committed.pk]))
    assert reverse("web:import-discard", args=[committed.pk]) not in page(owner, reverse("web:imports"))
    refused = owner.post(reverse("web:import-discard", args=[committed.pk]), follow=True)
    assert "cannot be deleted; revert it instead" in refused.content.decode()
    assert ImportBatch.objects.filter(pk=committed.pk).exists()


def test_the_preview_reads_a_fixed_number_of_queries_whatever_the_rows(owner, checking):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(data: bytes) -> int:
        upload(owner, checking, "rows.csv", data=data)
        batch = latest(checking)
        confirm_mapping(owner, batch)
        url = reverse("web:import-preview", args=[batch.pk])
        owner.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert owner.get(url).status_code == 200
        return len(captured)

    def rows(count: int, day: int) -> bytes:
        body = "".join(f"2026-02-{day:02d},Shop {i},-{i + 1}.00\n" for i in range(count))
        return f"Date,Description,Amount\n{body}".encode()

    few, many = queries(rows(3, 1)), queries(rows(60, 20))
    assert few == many
    assert many <= 9  # session, user, membership, household, batch, decisions, count, page, possible duplicates


def test_possible_transfers_are_shown_and_the_person_chooses_link_import_or_skip(owner, roles, checking):
    from datetime import date

    from finance.ledger.tests.factories import make_txn

    savings = make_account(roles.household, "Savings", currency="USD")
    suggested = make_txn(roles.household, savings, "income", "200.00", date(2026, 3, 3), payee="From checking")
    plain = make_txn(roles.household, savings, "income", "75.00", date(2026, 3, 12), payee="Deposit")
    data = (
        b"Date,Description,Amount\n"
        b"2026-03-02,Transfer to savings,-200.00\n"
        b"2026-03-10,Corner shop,-75.00\n"
        b"2026-03-04,Grocer,-40.00\n"
    )
    upload(owner, checking, "bank.csv", data=data)
    batch = latest(checking)
    if batch.status == ImportStatus.UPLOADED:
        confirm_mapping(owner, batch)
    batch.refresh_from_db()
    assert (batch.possible_transfers, batch.rows_new) == (2, 3)
    rows = {r.row_number: r for r in ImportedRow.objects.filter(batch=batch)}
    first, second = sorted(n for n, r in rows.items() if r.transfer_candidate_id)
    assert (rows[first].transfer_candidate_id, rows[second].transfer_candidate_id) == (suggested.id, plain.id)

    preview = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "Transfers between your accounts" in preview
    assert "2 possible transfers between your accounts" in preview
    assert "In Savings: From checking, Mar 3, 2026, +$200.00" in preview
    assert "Will be linked as a transfer with Savings: From checking" in preview
    assert "Possible transfer with Savings: Deposit" in preview
    # The suggested one is linked unless the person says otherwise; the other is its own transaction.
    assert re.search(rf'name="decision_{first}" value="transfer"[^>]*checked', preview)
    assert re.search(rf'name="decision_{second}" value="import"[^>]*checked', preview)

    bad = owner.post(reverse("web:import-commit", args=[batch.pk]), {f"decision_{first}": "merge"})
    assert bad.status_code == 200
    assert f"decision_{first}" in bad.context["form"].errors
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MAPPED
    assert Transaction.objects.filter(account=checking).count() == 0

    # Decline the suggested link, accept the other one.
    done = owner.post(
        reverse("web:import-commit", args=[batch.pk]), {f"decision_{first}": "import", f"decision_{second}": "transfer"}
    )
    assert done.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_transferred) == (ImportStatus.COMMITTED, 2, 1)
    plain.refresh_from_db()
    suggested.refresh_from_db()
    assert (plain.type, plain.account_id, plain.transfer_account_id) == ("transfer", checking.id, savings.id)
    assert suggested.type == "income"
    assert verify(roles.household.id) == []
    detail = page(owner, reverse("web:import-preview", args=[batch.pk]))
    assert "1 linked as a transfer between your accounts" in detail
    assert "Transfer with Savings: Deposit" in detail
