"""An XLSX over the row, column or cell limits is refused before openpyxl opens it.

openpyxl sizes every sheet as it opens a workbook, reading a sheet without a ``<dimension>`` to its end: a
300,000-row sheet took half a minute to refuse. The limits are now checked from the dimension a sheet states
and by counting its row and cell elements in one streamed pass.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook

from finance.imports.models import ImportBatch
from finance.imports.reading import limits, tables
from finance.imports.reading.errors import ErrorCode, FileTooLarge, ParseError
from finance.imports.reading.parsers import parse
from finance.imports.tests.conftest import upload


def workbook(rows: int, columns: int = 3, *, write_only: bool = False) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(["Date", "Amount", "Payee", *(f"Extra {i}" for i in range(columns - 3))])
    for i in range(rows):
        sheet.append(["2024-01-05", -1.5, f"Shop {i}", *(["x"] * (columns - 3))])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with its first sheet stating ``<dimension ref=...>``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                start = content.index(b"<dimension")
                end = content.index(b"/>", start) + 2
                content = content[:start] + f'<dimension ref="{ref}"/>'.encode() + content[end:]
            target.writestr(info, content)
    return out.getvalue()


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_sheet_stating_more_rows_than_the_limit_is_refused_unopened(openpyxl_must_not_open):
    data = with_dimension(workbook(3), "A1:C300000")
    with pytest.raises(FileTooLarge) as refused:
        parse(data, format="xlsx")
    assert refused.value.code == ErrorCode.FILE_TOO_LARGE
    assert "300000 rows" in refused.value.reason


def test_a_sheet_stating_more_columns_than_the_limit_is_refused_unopened(openpyxl_must_not_open):
    with pytest.raises(ParseError) as refused:
        parse(with_dimension(workbook(3), "A1:ZZ4"), format="xlsx")
    assert f"702 columns, more than {limits.MAX_COLUMNS}" in refused.value.reason


def test_a_sheet_without_dimension_is_counted_before_it_is_opened(monkeypatch, openpyxl_must_not_open):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    data = workbook(limits.DETECT_SAMPLE_ROWS + 150, write_only=True)  # openpyxl's writer states no dimension
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    with pytest.raises(FileTooLarge, match="more than 100 rows"):
        parse(data, format="xlsx")


def test_cells_are_counted_against_their_own_limit(monkeypatch, openpyxl_must_not_open):
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 500)
    with pytest.raises(FileTooLarge, match="more than 500 cells"):
        parse(workbook(50, columns=12), format="xlsx")  # 51 rows of 12 cells


def test_shared_strings_count_as_cells(monkeypatch, openpyxl_must_not_open):
    book = Workbook()
    book.active.append(["Date", "Amount", "Payee"])
    data = io.BytesIO()
    book.save(data)
    source = zipfile.ZipFile(io.BytesIO(data.getvalue()))
    out = io.BytesIO()
    strings = b"".join(b"<si><t>s%d</t></si>" % i for i in range(600))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                target.writestr(info, source.read(info))
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="urn:x">' + strings + b"</sst>")
    monkeypatch.setattr(limits, "MAX_XLSX_CELLS", 500)
    with pytest.raises(FileTooLarge, match="more than 500 cells"):
        parse(out.getvalue(), format="xlsx")


def test_a_workbook_within_the_limits_is_read(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 100)
    statement = parse(workbook(100, write_only=True), format="xlsx")
    assert len(statement.rows) == 100
    assert statement.rows[-1].payee == "Shop 99"


def test_prefixed_row_and_cell_tags_count_and_similar_tags_do_not():
    sheet = (
        b'<x:worksheet xmlns:x="urn:x"><x:cols><x:col min="1"/></x:cols><x:sheetData>'
        + b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"/></x:row>' * 3
        + b"</x:sheetData><x:conditionalFormatting/></x:worksheet>"
    )
    assert len(tables._ROW_TAG_RE.findall(sheet)) == 3
    assert len(tables._CELL_TAG_RE.findall(sheet)) == 6


def test_an_upload_of_a_sheet_over_the_limit_is_refused_and_nothing_stored(client_for, account, settings):
    data = with_dimension(workbook(3), "A1:C300000")
    response = upload(client_for, account, "statement.xlsx", data=data)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["code"] == "file_too_large"
    assert not ImportBatch.objects.exists()
