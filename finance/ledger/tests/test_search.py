"""The search language (docs/search.md): every operator on one fixed ledger, through the API's ``q``, and the
refusals (with their columns) that keep a wrong query from silently matching nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from finance.ledger.inputs import Categorization, SplitInput
from finance.ledger.models import Transaction
from finance.ledger.search import MAX_LENGTH, MAX_TERMS, QueryError, compile_query
from finance.ledger.tests.factories import category, make_account, make_txn

URL = "/api/v1/transactions/"
BATCH = uuid.UUID("0193a000-0000-7000-8000-000000000001")


@pytest.fixture
def ledger(household: Any) -> dict[str, Transaction]:
    checking = make_account(household, "Checking", opening_balance=Decimal("5000"))
    card = make_account(household, "Rewards card", type="credit_card")
    today = timezone.localdate()
    made = {
        "amazon": make_txn(
            household,
            card,
            "expense",
            "149.99",
            date(2024, 3, 4),
            payee="Amazon",
            description="AMZN Mktp US",
            category=category(household, "Electronics"),
            tags=["gift"],
            reference_number="INV-204",
        ),
        "amazon_small": make_txn(
            household,
            card,
            "expense",
            "12.00",
            date(2024, 7, 1),
            payee="Amazon",
            description="Kindle book",
            category=category(household, "Books"),
        ),
        "groceries": make_txn(
            household,
            checking,
            "expense",
            "84.20",
            date(2025, 1, 15),
            payee="Whole Foods",
            category=category(household, "Groceries"),
            is_reconciled=True,
        ),
        "salary": make_txn(
            household,
            checking,
            "income",
            "3200",
            date(2025, 1, 31),
            payee="ACME Corp",
            category=category(household, "Salary"),
            notes="January pay",
        ),
        "split": make_txn(
            household,
            checking,
            "expense",
            "60",
            today - timedelta(days=10),
            payee="Target",
            splits=[
                SplitInput(category(household, "Groceries"), Decimal("40")),
                SplitInput(category(household, "Household goods"), Decimal("20")),
            ],
        ),
        "pending": make_txn(
            household,
            card,
            "expense",
            "5.50",
            today - timedelta(days=2),
            payee="Blue Bottle",
            description="coffee",
            is_pending=True,
            import_batch=BATCH,
            categorization=Categorization(source="rule", confidence=Decimal(1), rule=None, needs_review=False),
        ),
        "review": make_txn(
            household,
            checking,
            "expense",
            "200",
            today - timedelta(days=120),
            payee="Unknown shop",
            is_excluded=True,
            categorization=Categorization(source="model", confidence=Decimal("0.4"), rule=None, needs_review=True),
        ),
        "transfer": make_txn(
            household,
            checking,
            "transfer",
            "300",
            today - timedelta(days=5),
            transfer_account=card,
            description="Card payment",
        ),
    }
    return made


def found(client: Any, ledger: dict[str, Transaction], query: str) -> set[str]:
    response = client.get(URL, {"q": query})
    assert response.status_code == 200, response.content
    names = {str(txn.pk): name for name, txn in ledger.items()}
    return {names[row["id"]] for row in response.json()["results"]}


ALL = {"amazon", "amazon_small", "groceries", "salary", "split", "pending", "review", "transfer"}

CASES = [
    ("", ALL),
    ("amazon", {"amazon", "amazon_small"}),
    ("AMAZON kindle", {"amazon_small"}),  # words side by side: all must hold
    ('"whole foods"', {"groceries"}),
    ("january", {"salary"}),  # notes
    ("inv-204", {"amazon"}),  # reference number
    ("gift", {"amazon"}),  # a tag's name
    ("electronics", {"amazon"}),  # a category's name
    ("payee:amazon", {"amazon", "amazon_small"}),
    ("merchant:amaz", {"amazon", "amazon_small"}),  # an alias
    ('payee:is:"whole foods"', {"groceries"}),
    ("payee:is:whole", set()),  # exact, not contains
    ("payee:starts:blue", {"pending"}),
    ("payee:ends:corp", {"salary"}),
    ("description:mktp", {"amazon"}),
    ("notes:pay", {"salary"}),
    ("reference:INV", {"amazon"}),
    ("category:Food", {"groceries", "split"}),  # with subcategories, and a split's part
    ('category:"household goods"', {"split"}),
    ("category:Groceries", {"groceries", "split"}),
    ("tag:GIFT", {"amazon"}),
    ("account:card", {"amazon", "amazon_small", "pending", "transfer"}),  # either side of a transfer
    ('account:is:"rewards card"', {"amazon", "amazon_small", "pending", "transfer"}),
    ("type:income", {"salary"}),
    ("type:transfer", {"transfer"}),
    ("amount:>100", {"amazon", "salary", "review", "transfer"}),
    ("amount:>=200", {"salary", "review", "transfer"}),
    ("amount:<12", {"pending"}),
    ("amount:<=12", {"pending", "amazon_small"}),
    ("amount:84.20", {"groceries"}),
    ("amount:50..200", {"amazon", "groceries", "split", "review"}),
    ("amount:gt:3000", {"salary"}),
    ("amount:1,000..5,000", {"salary"}),
    ("date:2024", {"amazon", "amazon_small"}),
    ("date:2024-03", {"amazon"}),
    ("date:2025-01-31", {"salary"}),
    ("date:>2024-12-31 date:<2025-02", {"groceries", "salary"}),
    ("date:2024-03..2024-07", {"amazon", "amazon_small"}),
    ("date:last30d", {"split", "pending", "transfer"}),
    ("date:last1w", {"pending", "transfer"}),
    ("date:last6m", {"split", "pending", "review", "transfer"}),
    ("date:>=2025-01-31", {"salary", "split", "pending", "review", "transfer"}),
    ("is:pending", {"pending"}),
    ("is:excluded", {"review"}),
    ("is:reconciled", {"groceries"}),
    ("-is:reconciled date:last90d", {"split", "pending", "transfer"}),
    ("is:split", {"split"}),
    ("is:transfer", {"transfer"}),
    ("needs:review", {"review"}),
    ("source:rule", {"pending"}),
    (f"import:{BATCH}", {"pending"}),
    ("has:tags", {"amazon"}),
    ("has:notes", {"salary"}),
    ("has:reference", {"amazon"}),
    ("-has:category", {"pending", "review", "transfer"}),
    ("amazon OR target", {"amazon", "amazon_small", "split"}),
    ("payee:amazon -tag:gift", {"amazon_small"}),
    ("-(payee:amazon OR type:transfer) amount:>50", {"groceries", "salary", "split", "review"}),
    ("(type:income OR is:pending) OR needs:review", {"salary", "pending", "review"}),
    ("payee:amazon amount:>100 date:2024", {"amazon"}),  # "All Amazon purchases over $100 in 2024"
    ("7-eleven", set()),  # a hyphen inside a word is not a "not"
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q or "(empty)" for q, _ in CASES])
def test_every_operator_finds_exactly_its_rows(client_for: Any, ledger: dict[str, Transaction], query, expected):
    assert found(client_for, ledger, query) == expected


def test_the_query_combines_with_the_other_filters(client_for: Any, ledger: dict[str, Transaction]) -> None:
    response = client_for.get(URL, {"q": "amazon", "min_amount": "100"})
    assert [row["id"] for row in response.json()["results"]] == [str(ledger["amazon"].pk)]


def test_another_households_rows_are_never_found(client_for: Any, ledger: dict[str, Transaction]) -> None:
    from finance.users.tests.factories import MembershipFactory

    other = MembershipFactory().household
    make_txn(other, make_account(other, "Theirs"), "expense", "150", date(2024, 3, 4), payee="Amazon")
    assert found(client_for, ledger, "payee:amazon amount:>100") == {"amazon"}


ERRORS = [
    ("paye:amazon", 1, "Unknown operator “paye:”; did you mean “payee”?"),
    ("amazon categry:Food", 8, "did you mean “category”?"),
    ("payee: amazon", 1, "“payee:” needs a value right after the colon"),
    ("type:expens", 6, "did you mean “expense”?"),
    ("is:pendng", 4, "did you mean “pending”?"),
    ("amount:ten", 8, "“ten” is not an amount"),
    ("amount:lots:5", 8, "“amount” takes gt, gte, lt, lte or eq"),
    ("date:2024-13", 6, "is not a date"),
    ("date:yesterdayish", 6, "is not a date"),
    ("import:abc", 8, "takes the id of an import"),
    ("needs:coffee", 7, "“needs:” takes review"),
    ("payee:near:x", 7, "“payee” takes is, starts, ends or contains"),
    ("(amazon", 8, "ends too soon"),
    ("amazon)", 7, "“)” without its “(”"),
    ("amazon OR", 10, "ends too soon"),
    ("OR amazon", 1, "“OR” needs a term on each side"),
    ("amazon OR OR target", 11, "“OR” needs a term on each side"),
    ('""', 1, "An empty phrase matches nothing"),
    ('say "hello', 5, 'Unexpected “"”'),
]


@pytest.mark.parametrize(("query", "column", "words"), ERRORS, ids=[q for q, _, _ in ERRORS])
def test_a_wrong_query_is_a_400_on_q_that_points_at_the_column(
    client_for: Any, ledger: dict[str, Transaction], query: str, column: int, words: str
) -> None:
    with pytest.raises(QueryError) as raised:
        compile_query(query)
    assert raised.value.column == column
    assert words in raised.value.message

    response = client_for.get(URL, {"q": query})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("q", "invalid_query")
    assert f"(column {column})" in error["detail"]


def test_size_caps_refuse_before_any_work() -> None:
    with pytest.raises(QueryError, match="at most 500 characters"):
        compile_query("a" * (MAX_LENGTH + 1))
    with pytest.raises(QueryError, match=f"at most {MAX_TERMS} terms"):
        compile_query(" ".join(["word"] * (MAX_TERMS + 1)))
    assert compile_query(" ".join(["word"] * MAX_TERMS))  # at the cap: fine


def test_a_query_with_deep_nesting_or_long_words_is_parsed_linearly() -> None:
    # Hostile shapes a parser could choke on: parsed (or refused) at once.
    assert compile_query("(" * 100 + "a" + ")" * 100)
    assert compile_query("-" * 400 + "a")  # dashes before dashes are a word, not 400 nots
    assert compile_query("-(" * 50 + "a" + ")" * 50)
    assert compile_query("x" * 499)


# ---------------------------------------------------------------------------
# Facets: counts and totals of what a query selects


def _plain(rows: list[Transaction]) -> tuple[int, Decimal]:
    sign = {"income": 1, "expense": -1, "transfer": 0}
    return len(rows), sum((sign[t.type] * t.amount_in_base_currency for t in rows), Decimal(0))


@pytest.mark.parametrize("query", ["", "amazon", "date:last6m", "-type:transfer category:Food", "needs:review"])
def test_facets_equal_plain_counts_and_sums_of_the_rows(
    client_for: Any, ledger: dict[str, Transaction], query: str
) -> None:
    response = client_for.get(f"{URL}facets/", {"q": query})
    assert response.status_code == 200, response.content
    facets = response.json()
    # The plain way: the rows themselves, added up in Python.
    rows = list(Transaction.objects.filter(pk__in=[t.pk for t in ledger.values()]).filter(compile_query(query)))
    count, total = _plain(rows)
    assert (facets["count"], Decimal(facets["total"])) == (count, total)
    by_type: dict[str, list[Transaction]] = {}
    by_month: dict[str, list[Transaction]] = {}
    by_account: dict[str, list[Transaction]] = {}
    for t in rows:
        by_type.setdefault(t.type, []).append(t)
        by_month.setdefault(t.date.strftime("%Y-%m"), []).append(t)
        by_account.setdefault(str(t.account_id), []).append(t)
    for name, groups in (("type", by_type), ("month", by_month), ("account", by_account)):
        got = {f["value"]: (f["count"], Decimal(f["total"])) for f in facets[name]}
        assert got == {value: _plain(group) for value, group in groups.items()}, name
    assert [f["value"] for f in facets["month"]] == sorted(by_month)  # months in order
    for name in ("type", "account", "category", "tag", "month"):
        assert sum(f["count"] for f in facets[name]) <= count


def test_facets_name_accounts_categories_and_tags(client_for: Any, ledger: dict[str, Transaction]) -> None:
    facets = client_for.get(f"{URL}facets/", {"q": "payee:amazon"}).json()
    assert facets["count"] == 2
    assert Decimal(facets["total"]) == Decimal("-161.99")
    assert {(f["name"], f["count"]) for f in facets["category"]} == {("Electronics", 1), ("Books", 1)}
    assert [(f["name"], f["count"], f["total"]) for f in facets["tag"]] == [("gift", 1, "-149.99")]
    assert [(f["name"], f["count"]) for f in facets["account"]] == [("Rewards card", 2)]
    # A split transaction has no category of its own: it counts under null.
    split = client_for.get(f"{URL}facets/", {"q": "is:split"}).json()
    assert [(f["value"], f["name"], f["count"]) for f in split["category"]] == [(None, "", 1)]


def test_facets_take_the_other_filters_and_refuse_a_bad_query(client_for: Any, ledger: dict[str, Transaction]):
    assert client_for.get(f"{URL}facets/", {"q": "amazon", "min_amount": "100"}).json()["count"] == 1
    response = client_for.get(f"{URL}facets/", {"q": "paye:x"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "q"


def test_facets_are_a_few_grouped_queries_whatever_the_rows(
    client_for: Any, ledger: dict[str, Transaction], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):  # auth and scoping, then one query per facet and the overall count
        assert client_for.get(f"{URL}facets/").status_code == 200
