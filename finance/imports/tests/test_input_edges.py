"""Statement files at the edge (issue #17): text that cannot be stored, nesting that would exhaust recursion,
amounts and dates outside the supported range, and the shape of every refusal (``file`` in ``attr``, 403 for a
viewer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from conftest import auth_client
from finance.core.exceptions import FieldError
from finance.households.models import Household, Membership, Role
from finance.imports import services
from finance.imports.models import ImportBatch, ImportedRow
from finance.imports.reading.limits import MAX_NESTING
from finance.imports.tests.conftest import upload
from finance.ledger.models import Account
from finance.ledger.tests.factories import make_account
from finance.users.tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db

OFX_HEAD = b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:%s\n\n"
OFX_BODY = (
    b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1</BANKACCTFROM>"
    b"<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260301<TRNAMT>-12.50<FITID>1<NAME>%s</STMTTRN>"
    b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
)


def ofx(name: bytes, charset: bytes = b"1252") -> bytes:
    return OFX_HEAD % charset + OFX_BODY % name


def only_error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    return {"type": body["type"], **body["errors"][0]}


def test_a_readable_ofx_imports(client_for, account):
    response = upload(client_for, account, "x.ofx", ofx(b"Corner Shop"))
    assert response.status_code == 201, response.content
    assert ImportedRow.objects.get(batch_id=response.json()["id"]).parsed["payee"] == "Corner Shop"


def test_a_declared_charset_that_could_decode_to_a_lone_surrogate_is_not_used(client_for, household, account):
    """UTF-7 turns ``+2AA-`` into U+D800; it is no text encoding the reader uses, so the bytes are read as
    they are (UTF-8) and nothing unstorable reaches a row."""
    response = upload(client_for, account, "x.ofx", ofx(b"Shop +2AA-", b"UTF-7"))
    assert response.status_code == 201, response.content
    batch = ImportBatch.objects.get(household=household)
    payees = [row.parsed["payee"] for row in ImportedRow.objects.filter(batch=batch)]
    assert payees == ["Shop +2AA-"]


def test_nul_characters_in_a_text_statement_are_refused(client_for, household, account):
    qif = b"!Type:Bank\nD03/01/2026\nPShop\x00Name\nT-12.50\n^\n"
    response = upload(client_for, account, "x.qif", qif)
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"], error["attr"]) == ("validation_error", "invalid_file", "file")
    assert error["detail"] == "The file contains NUL bytes: it is not a text file. (line 3)"
    assert not ImportBatch.objects.filter(household=household).exists()


def test_a_csv_read_in_an_escaping_encoding_is_refused(client_for, household, account):
    data = b"Date,Payee,Amount\n2026-03-01,Shop \\ud800,-12.50\n"
    response = upload(client_for, account, "x.csv", data)
    batch = response.json()
    before = ImportBatch.objects.get(pk=batch["id"]).mapping
    mapping = {**batch["detected"]["mapping"], "encoding": "unicode_escape"}
    response = client_for.post(f"/api/v1/imports/{batch['id']}/mapping/", {"mapping": mapping}, format="json")
    assert response.status_code == 400
    assert only_error(response)["code"] == "invalid"
    assert only_error(response)["attr"].endswith("encoding")
    assert ImportBatch.objects.get(pk=batch["id"]).mapping == before
    assert [row.parsed["payee"] for row in ImportedRow.objects.filter(batch_id=batch["id"])] == ["Shop \\ud800"]


def test_a_file_name_that_cannot_be_stored_is_refused(household, account):
    from django.core.files.base import ContentFile

    with pytest.raises(FieldError) as refused:
        services.import_upload(
            household=household, actor=None, account=account, file=ContentFile(ofx(b"Shop")), filename="a\ud800.ofx"
        )
    assert refused.value.get_codes() == {"file": ["surrogate_characters_not_allowed"]}
    assert not ImportBatch.objects.filter(household=household).exists()


def nested(depth: int) -> bytes:
    return b"<X>" * depth + b"1" + b"</X>" * depth


@pytest.mark.parametrize("fmt", ["ofx", "camt053"])
def test_elements_nested_past_the_limit_are_refused_not_a_recursion_error(client_for, household, account, fmt):
    deep = nested(5000)
    if fmt == "ofx":
        data = ofx(b"Shop" + deep)
    else:
        data = (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            b"<GrpHdr><MsgId>1</MsgId></GrpHdr><Stmt><Id>1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id>"
            b'<Ccy>USD</Ccy></Acct><Ntry><Amt Ccy="USD">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-03-01'
            b"</Dt></BookgDt><NtryDtls><TxDtls>"
            + deep
            + b"</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
        )
    response = upload(client_for, account, f"x.{'ofx' if fmt == 'ofx' else 'xml'}", data)
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["code"], error["attr"]) == ("validation_error", "invalid_file", "file")
    assert f"Elements are nested more than {MAX_NESTING} deep." in error["detail"]
    assert not ImportBatch.objects.filter(household=household).exists()
    # Real nesting (a dozen levels) is far inside the limit.
    assert upload(client_for, account, "y.ofx", ofx(b"Shop" + nested(10))).status_code == 201


def test_rows_outside_the_supported_range_are_invalid_rows(client_for, account):
    data = (
        b"Date,Payee,Amount\n2026-03-01,Huge,-10000000000000.00\n2026-03-02,Fine,-12.50\n"
        b"2026-03-03,Digits,-123456789012.3456\n9999-12-31,Far,-1.00\n"
    )
    response = upload(client_for, account, "x.csv", data)
    batch = client_for.post(f"/api/v1/imports/{response.json()['id']}/mapping/", {}, format="json").json()
    rows = {
        row.row_number: (row.status, [(e["column"], e["code"]) for e in row.errors])
        for row in ImportedRow.objects.filter(batch_id=batch["id"])
    }
    assert rows == {
        2: ("invalid", [("amount", "invalid_amount")]),
        3: ("new", []),
        4: ("invalid", [("amount", "invalid_amount")]),
        5: ("invalid", [("date", "invalid_date")]),
    }
    done = client_for.post(f"/api/v1/imports/{batch['id']}/commit/", {"skip_invalid": True}, format="json")
    assert done.status_code == 200, done.content
    account.refresh_from_db()
    assert account.balance == Decimal("-12.50")


# --- Item 19: the shape of refusals -------------------------------------------------------------------------------


def test_an_unreadable_upload_is_a_validation_error_on_file(client_for, household, account):
    response = upload(client_for, account, "x.ofx", b"OFXHEADER:100\n\n<OFX><NOPE></OFX>")
    assert response.status_code == 400
    error = only_error(response)
    assert (error["type"], error["attr"]) == ("validation_error", "file")
    assert not ImportBatch.objects.filter(household=household).exists()


def test_a_too_large_upload_is_still_413_client_error(client_for, account, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = upload(client_for, account, "x.ofx", ofx(b"Shop"))
    assert response.status_code == 413
    assert only_error(response)["type"] == "client_error"


def test_a_viewer_uploading_into_an_account_they_can_read_gets_403(household, account):
    viewer = UserFactory()
    Membership.objects.create(household=HouseholdFactory(), user=viewer, role=Role.OWNER, is_default=True)
    Membership.objects.create(household=household, user=viewer, role=Role.VIEWER)
    client = auth_client(viewer)
    response = upload(client, account, "x.ofx", ofx(b"Shop"))
    assert response.status_code == 403
    assert only_error(response) == {
        "type": "client_error",
        "code": "permission_denied",
        "detail": "Your role in this household does not allow this.",
        "attr": None,
    }
    assert not ImportBatch.objects.exists()
    # The same for a transaction into that account; an account they may not see at all does not exist.
    body = {"account": str(account.pk), "type": "expense", "amount": "1.00"}
    assert client.post("/api/v1/transactions/", body, format="json").status_code == 403
    stranger_account = make_account(HouseholdFactory(), "Elsewhere", currency="USD")
    response = upload(client, stranger_account, "x.ofx", ofx(b"Shop"))
    assert response.status_code == 400
    assert only_error(response)["code"] == "does_not_exist"
    assert Account.objects.filter(household=household).count() == 1


def test_an_editor_writing_to_another_household_without_naming_it_is_still_told_it_does_not_exist(
    household: Household, account
):
    editor = UserFactory()
    Membership.objects.create(household=HouseholdFactory(), user=editor, role=Role.OWNER, is_default=True)
    Membership.objects.create(household=household, user=editor, role=Role.EDITOR)
    response = upload(auth_client(editor), account, "x.ofx", ofx(b"Shop"))
    assert response.status_code == 400
    assert only_error(response)["code"] == "does_not_exist"
    response = upload(auth_client(editor), account, "x.ofx", ofx(b"Shop"), household=str(household.pk))
    assert response.status_code == 201
