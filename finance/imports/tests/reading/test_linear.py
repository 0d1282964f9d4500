"""Hostile statement files (finance/imports/adversarial.py) cost work in proportion to their size.

Speed itself is the benchmark's (``bench_import_parse --adversarial``, docs/benchmarks.md); here the work is
counted: Python lines run, characters scanned for line numbers, keys tried for a repeated leaf.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

import pytest

from finance.imports.adversarial import CASES, camt_deep, camt_many_entries, mt940_many_messages, ofx_deep
from finance.imports.reading import limits
from finance.imports.reading.errors import ErrorCode, ParseError
from finance.imports.reading.parsers import camt, ofx, parse, parse_all, swift
from finance.imports.reading.text import LineCounter, RawValues, unique_key

SMALL = 24 * 1024


def python_lines(call: Callable[[], Any]) -> int:
    """How many lines of Python ``call`` runs (every frame, the standard library's too)."""
    count = 0

    def trace(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def parse_or_refuse(data: bytes, fmt: str) -> None:
    with contextlib.suppress(ParseError):
        parse_all(data, format=fmt)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_file_twice_as_large_costs_at_most_about_twice_the_work(case):
    generate, fmt = CASES[case]
    parse_or_refuse(generate(1024), fmt)  # imports and caches out of the count
    small = python_lines(lambda: parse_or_refuse(generate(SMALL), fmt))
    large = python_lines(lambda: parse_or_refuse(generate(2 * SMALL), fmt))
    assert large <= 2.2 * small + 500, (small, large)


class CountingDict(dict):
    lookups = 0

    def __contains__(self, key: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(key)


def test_a_key_repeated_n_times_is_named_with_about_2n_lookups():
    taken = CountingDict()
    suffixes: dict[str, int] = {}
    for _ in range(5000):
        taken[unique_key("MEMO", taken, suffixes)] = "x"
    assert list(taken)[:3] == ["MEMO", "MEMO_2", "MEMO_3"]
    assert list(taken)[-1] == "MEMO_5000"
    assert CountingDict.lookups <= 2 * 5000


def test_a_suffix_the_file_already_uses_is_skipped():
    raw = RawValues()
    for key in ("MEMO", "MEMO_2", "MEMO", "MEMO"):
        raw.add(key, key)
    assert raw.values == {"MEMO": "MEMO", "MEMO_2": "MEMO_2", "MEMO_3": "MEMO", "MEMO_4": "MEMO"}


def test_an_entry_keeps_at_most_max_raw_values_of_its_repeated_leaves():
    for generate, fmt in (CASES["ofx_repeated_leaves"], CASES["camt_repeated_leaves"]):
        row = parse(generate(64 * 1024), format=fmt).rows[0]
        assert len(row.raw) == limits.MAX_RAW_VALUES
    ofx_row = parse(CASES["ofx_repeated_leaves"][0](64 * 1024), format="ofx").rows[0]
    assert ofx_row.raw["MEMO"] == ofx_row.raw["MEMO_2"] == "again"
    assert ofx_row.description == "again"


def test_line_counter_counts_each_character_once_for_increasing_offsets():
    source = "a\nb\nc\n" * 1000
    counter = LineCounter(source, first_line=10)
    assert [counter.line(offset) for offset in (0, 2, 4, 6, 3000)] == [10, 11, 12, 13, 1510]
    assert counter.scanned == 3000
    assert counter.line(2) == 11  # going back counts again from the start
    assert counter.scanned == 3002


@pytest.mark.parametrize(
    ("module", "generate", "fmt"),
    [(camt, camt_many_entries, "camt053"), (swift, mt940_many_messages, "mt940")],
)
def test_entry_line_numbers_scan_the_text_once(monkeypatch, module, generate, fmt):
    counters: list[LineCounter] = []

    class Recording(LineCounter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            counters.append(self)

    monkeypatch.setattr(module, "LineCounter", Recording)
    data = generate(256 * 1024)
    statements = parse_all(data, format=fmt)
    rows = [row for statement in statements for row in statement.rows]
    assert len(rows) > 1000
    assert rows[1].row_number > rows[0].row_number  # each entry on its own line
    assert counters
    assert sum(c.scanned for c in counters) <= 2 * len(data)


def test_line_numbers_of_many_camt_entries_are_their_start_lines():
    data = camt_many_entries(16 * 1024)
    lines = data.decode().split("\n")
    rows = parse(data, format="camt053").rows
    for row in (rows[0], rows[7], rows[-1]):
        assert lines[row.row_number - 1].startswith("<Ntry>")
        assert f"<AcctSvcrRef>{row.provider_id}</AcctSvcrRef>" in lines[row.row_number - 1]


def test_ofx_nesting_deeper_than_the_limit_is_refused_with_its_line():
    with pytest.raises(ParseError) as refused:
        parse(ofx_deep(64 * 1024), format="ofx")
    assert refused.value.code == ErrorCode.INVALID_FILE
    assert f"nested more than {limits.MAX_NESTING} deep" in refused.value.reason
    assert refused.value.line is not None
    assert refused.value.line > limits.MAX_NESTING


def test_ofx_nesting_up_to_the_limit_is_read():
    depth = limits.MAX_NESTING - 8  # OFX, BANKMSGSRSV1, STMTTRNRS, STMTRS, BANKTRANLIST, STMTTRN, ...
    data = ofx_deep(1).replace(b"<A00000>\n<MEMO>deep\n</A00000>\n", _nested(depth))
    row = parse(data, format="ofx").rows[0]
    assert row.payee == "Shop 1"
    # raw keeps the path down to MAX_RAW_DEPTH levels and no deeper
    assert max(key.count(".") + 1 for key in row.raw) <= limits.MAX_RAW_DEPTH


def _nested(depth: int) -> bytes:
    opening = "".join(f"<B{i:03d}>" for i in range(depth))
    closing = "".join(f"</B{i:03d}>" for i in reversed(range(depth)))
    return (opening + "<MEMO>deep" + closing + "\n").encode()


def test_a_camt_entry_nested_past_the_limit_is_refused_and_one_within_it_is_read():
    with pytest.raises(ParseError) as refused:
        parse(camt_deep(256 * 1024), format="camt053")
    assert f"nested more than {limits.MAX_NESTING} deep" in refused.value.reason
    within = limits.MAX_NESTING - 10  # Document, BkToCstmrStmt, Stmt, Ntry… above the entry's own levels
    data = camt_deep(256 * 1024).decode()
    opening, closing = "<D><V>1</V>\n", "</D>"
    head, rest = data.split(opening, 1)
    tail = rest[rest.rindex(closing) + len(closing) :]
    row = parse((head + opening * within + closing * within + tail).encode(), format="camt053").rows[0]
    assert row.amount == -12.5
    assert row.raw["D.V"] == "1"
    # raw keeps the path down to MAX_RAW_DEPTH levels and no deeper
    assert max(key.count(".") + 1 for key in row.raw) == limits.MAX_RAW_DEPTH


def test_camt_raw_names_repeated_leaves_per_parent_and_keeps_the_first_of_repeated_parents():
    entry = (
        "<Ntry><Amt Ccy='EUR'>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-05</Dt></BookgDt>"
        "<NtryDtls><TxDtls><RmtInf><Ustrd>a</Ustrd><Ustrd>b</Ustrd></RmtInf></TxDtls>"
        "<TxDtls><RmtInf><Ustrd>c</Ustrd><Ustrd>d</Ustrd><Ustrd>e</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )
    data = camt_many_entries(1).decode()
    data = data[: data.index("<Ntry>")] + entry + data[data.rindex("</Ntry>") + len("</Ntry>") :]
    raw = parse(data.encode(), format="camt053").rows[0].raw
    assert raw["NtryDtls.TxDtls.RmtInf.Ustrd"] == "a"
    assert raw["NtryDtls.TxDtls.RmtInf.Ustrd_2"] == "b"
    assert raw["NtryDtls.TxDtls.RmtInf.Ustrd_3"] == "e"  # only the second TxDtls had a third
    assert raw["Amt@Ccy"] == "EUR"


def test_unclosed_cdata_on_one_line_is_refused_and_closed_cdata_is_text():
    with pytest.raises(ParseError) as refused:
        parse(CASES["ofx_one_line_cdata"][0](64 * 1024), format="ofx")
    assert "CDATA section is never closed" in refused.value.reason
    body = ofx._inline_cdata("<NAME><![CDATA[A<B & C]]><MEMO><![CDATA[x\ny]]>\n<X>", 1)
    assert body == "<NAME>A&lt;B & C<MEMO>x\ny\n<X>"
    assert "<![CDATA[" not in ofx._inline_cdata("<M><![CDATA[<![CDATA[]]>" * 1000, 1)


def test_a_header_of_blank_lines_and_broken_declarations_still_gives_the_charset():
    body = ofx_deep(1)[ofx_deep(1).index(b"<OFX>") :]
    data = b"OFXHEADER:100\n" + b"<?xml \n \n" * 5000 + b"CHARSET : 1252 \n" + body
    declared, _start = ofx._read_header(data)
    assert declared == "1252"


def test_qif_repeated_lines_are_joined_once():
    statement = parse(CASES["qif_repeated_field"][0](8 * 1024), format="qif")
    memo = statement.rows[0].raw["M"]
    assert memo.split("\n") == ["again"] * memo.count("again")
    assert memo.count("again") > 1000
