"""Statement imports in a real browser: an OFX file and a bank CSV through upload, mapping, preview, commit, undo."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from finance.imports.models import ImportBatch, ImportStatus
from finance.imports.tests.conftest import FIXTURES
from finance.ledger.models import Transaction
from finance.ledger.verify import verify
from finance.web.tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def upload(page, fixture):
    page.goto("/app/imports/")
    page.get_by_role("link", name="Import a statement").click()
    page.locator("#id_account").select_option(label="Checking (USD)")
    page.locator("#id_file").set_input_files(str(FIXTURES / fixture))
    page.get_by_role("button", name="Upload and check").click()


def test_ofx_and_bank_csv_imports_flag_duplicates_the_second_time(page, books):
    found = {}
    sign_in(page)
    page.get_by_role("link", name="Imports", exact=True).click()
    expect(page.get_by_role("heading", name="Imports", level=1)).to_be_visible()

    # OFX: no mapping, straight to the rows.
    upload(page, "ofx/asgrim-ofxparser-ofxdata.ofx")
    expect(page.get_by_role("status").first).to_contain_text("uploaded")
    rows = page.get_by_role("table", name="The file's rows with what importing would do")
    expect(rows.get_by_role("row", name=re.compile("John Hancock"))).to_contain_text("−$100.00")
    expect(rows.get_by_role("row", name=re.compile("automatic deposit"))).to_contain_text("+$200.00")
    found["ofx preview"] = axe_violations(page)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()
    expect(page.locator("#import-status")).to_contain_text("Differs by +$2,500.00")  # 5,250 stated; 2,500 opening + 250
    found["result"] = axe_violations(page)
    assert Transaction.objects.filter(account=books["checking"], import_batch__isnull=False).count() == 3

    # The same file again: every row is a duplicate, nothing new.
    upload(page, "ofx/asgrim-ofxparser-ofxdata.ofx")
    expect(rows.get_by_role("row", name=re.compile("John Hancock"))).to_contain_text(
        "Duplicate of John Hancock, Jul 9, 2007, −$100.00"
    )
    expect(rows.locator("tr.row-duplicate")).to_have_count(3)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()

    # A bank CSV: the proposed mapping is shown, confirmed, then the rows.
    upload(page, "csv/csv2ofx-schwab-checking.csv")
    expect(page.get_by_role("heading", name=re.compile("Columns of"))).to_be_visible()
    expect(page.get_by_label("Date format")).to_have_value("%m/%d/%Y")
    expect(page.get_by_label("A money-out column and a money-in column")).to_be_checked()
    expect(page.get_by_label("Money-out column", exact=True)).to_have_value("Withdrawal")
    found["mapping"] = axe_violations(page)
    page.get_by_role("button", name="Apply and preview").click()
    expect(rows.get_by_role("row", name=re.compile("BMO HARRIS BANK"))).to_contain_text("−$103.00")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()

    # A later, overlapping statement: read with the saved mapping; one duplicate, one possible duplicate to decide.
    upload(page, "csv/csv2ofx-schwab-checking-baltest-case7.csv")
    expect(page.get_by_text("read with the mapping saved for this account")).to_be_visible()
    expect(rows.get_by_role("row", name=re.compile("Deposit Mobile Banking"))).to_contain_text(
        "Duplicate of Deposit Mobile Banking"
    )
    decision = page.get_by_role("group", name=re.compile("Check Paid #558"))
    expect(decision).to_contain_text("Possible duplicate of Check Paid #558, Aug 9, 2022, −$75.00")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(decision).to_contain_text("Choose merge, keep both or skip for this row.")
    found["decision required"] = axe_violations(page)
    decision.get_by_label("Keep both").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()
    assert Transaction.objects.filter(account=books["checking"], reference_number="558").count() == 2

    # The list, and undoing the first CSV import.
    page.get_by_role("link", name="All imports").click()
    found["list"] = axe_violations(page)
    first_csv = ImportBatch.objects.filter(filename="csv2ofx-schwab-checking.csv").get()
    page.locator(f"a[href='/app/imports/{first_csv.pk}/revert/']").click()
    found["undo"] = axe_violations(page)
    page.get_by_role("button", name="Undo import").click()
    expect(page.get_by_role("status")).to_contain_text("was undone")
    first_csv.refresh_from_db()
    assert first_csv.status == ImportStatus.REVERTED
    assert not Transaction.objects.filter(import_batch=first_csv.pk).exists()
    assert verify(books["home"].id) == []

    # An upload left unfinished is discarded from the list.
    upload(page, "ofx/asgrim-ofxparser-ofxdata.ofx")
    page.get_by_role("link", name="All imports").click()
    page.get_by_role("link", name=re.compile("Discard…")).click()
    expect(page.get_by_role("button", name="Discard import")).to_be_visible()
    found["discard"] = axe_violations(page)
    page.get_by_role("button", name="Discard import").click()
    expect(page.get_by_role("status")).to_contain_text("discarded")
    assert ImportBatch.objects.filter(status=ImportStatus.MAPPED).count() == 0
    assert {name: v for name, v in found.items() if v} == {}


def test_the_progress_view_polls_with_htmx_until_the_background_commit_ends(page, books):
    """A large commit runs as a task; the page follows its progress under the CSP, without a script of its own."""
    from finance.imports import commit, services

    batch = services.import_upload(
        household=books["home"],
        actor=books["owner"],
        account=books["checking"],
        file=(FIXTURES / "ofx/asgrim-ofxparser-ofxdata.ofx").read_bytes(),
        filename="large.ofx",
    )
    # As import_commit leaves a batch above IMPORT_ASYNC_ROWS for its task (which has not run yet).
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PROCESSING)
    commit.report_progress(batch.pk, 0.4)
    sign_in(page)
    page.goto(f"/app/imports/{batch.pk}/")
    expect(page.get_by_role("heading", name="Importing…", level=2)).to_be_visible()
    expect(page.locator("#import-progress")).to_have_attribute("value", "0.400")
    violations = axe_violations(page)
    commit.report_progress(batch.pk, 0.7)
    expect(page.locator("#import-status")).to_contain_text("70%")  # polled: no reload
    commit.import_commit_run(batch=ImportBatch.objects.get(pk=batch.pk), actor=books["owner"])
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()
    expect(page.locator("#import-status")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    expect(page.locator("#import-status")).to_contain_text(re.compile(r"Created\s*3"))
    assert Transaction.objects.filter(import_batch=batch.pk).count() == 3
    assert violations == []
