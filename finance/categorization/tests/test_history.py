"""The history matcher: same payee, same category, with count and share."""

from __future__ import annotations

import pytest

from finance.categorization.history import HistoryMatcher, HistoryRecord


def _matcher(*rows: tuple[str, str]) -> HistoryMatcher:
    return HistoryMatcher.from_records(HistoryRecord(category=c, description=d) for d, c in rows)


def test_majority_category_among_earlier_transactions_of_the_payee() -> None:
    matcher = _matcher(
        ("POS Purchase Woolworths  * 17 Sep", "Groceries"),
        ("POS Purchase Woolworths  * 02 Oct", "Groceries"),
        ("POS Purchase Woolworths  * 19 Oct", "Clothing"),
        ("POS Purchase Woolworths  * 21 Oct", "Groceries"),
        ("POS Purchase Mr D Food  * 14 Oct", "Eating Out"),
    )
    match = matcher.match(None, "POS Purchase Woolworths  * 30 Nov")
    assert match is not None
    assert (match.category, match.count, match.total) == ("Groceries", 3, 4)
    assert match.share == 0.75
    assert match.confidence == pytest.approx(3 / 4.2, abs=1e-4)
    assert match.explanation == "same payee as 4 earlier transactions, 3 of them in Groceries"
    assert match.merchant_key == "woolworths"


def test_confidence_grows_with_the_number_of_agreeing_transactions() -> None:
    one = _matcher(("debit kroger 8147 seattle", "Groceries")).match("", "debit kroger 2051 boston")
    twelve = _matcher(*[(f"debit kroger {1000 + i} seattle", "Groceries") for i in range(12)]).match(
        "", "debit kroger 9999 denver"
    )
    assert one is not None
    assert twelve is not None
    assert one.confidence == pytest.approx(1 / 1.2, abs=1e-4)  # 0.8333: one agreeing transaction auto-applies
    assert twelve.confidence == pytest.approx(12 / 12.2, abs=1e-4)
    assert twelve.explanation == "same payee as 12 earlier transactions"
    assert one.explanation == "same payee as 1 earlier transaction"


def test_a_tie_goes_to_the_most_recently_used_category() -> None:
    matcher = _matcher(("Byc Debit", "Investments"), ("Byc Debit", "Savings Transfer"))
    match = matcher.match("", "Byc Debit ")
    assert match is not None
    assert (match.category, match.count, match.total) == ("Savings Transfer", 1, 2)
    matcher.add(HistoryRecord(category="Investments", description="Byc Debit"))
    again = matcher.match("", "Byc Debit")
    assert again is not None
    assert (again.category, again.count, again.total) == ("Investments", 2, 3)


def test_payee_is_preferred_over_description() -> None:
    matcher = HistoryMatcher.from_records(
        [HistoryRecord(category="Rent", payee="Aimco", description="online transfer ref 123")]
    )
    match = matcher.match("AIMCO RENT PMT", "something else entirely")
    assert match is not None
    assert match.category == "Rent"
    assert matcher.match(None, "online transfer ref 123") is None


def test_unknown_payee_falls_back_to_leading_words_with_lower_confidence() -> None:
    matcher = _matcher(
        ("POS Purchase Dischem Ballito  * 15 Sep", "Health and Medical"),
        ("POS Purchase Dischem Ballito  * 20 Sep", "Health and Medical"),
    )
    match = matcher.match("", "POS Purchase Dischem Ballito Lif  * 08 Oct")
    assert match is not None
    assert match.category == "Health and Medical"
    # "Ballito" is a town: the earlier transactions' key is "dischem".
    assert match.merchant_key == "dischem"
    assert match.confidence == pytest.approx(0.75 * 2 / 2.2, abs=1e-4)
    assert match.explanation == 'payee starting "dischem" like 2 earlier transactions'


def test_no_match_for_a_new_payee_or_weak_leading_word() -> None:
    matcher = _matcher(("The Banchan", "Eating Out"), ("Kroger", "Groceries"))
    assert matcher.match("", "Whole Foods Market") is None
    assert matcher.match("", "The Dead Rabbits") is None  # "the" alone names no payee
    assert len(matcher) == 2


def test_a_tie_among_leading_word_matches_goes_to_the_latest() -> None:
    matcher = _matcher(("Uber Eats", "Eating Out"), ("Uber Trip Help", "Transport"))
    match = matcher.match("", "Uber Rides")
    assert match is not None
    assert (match.category, match.count, match.total, match.merchant_key) == ("Transport", 1, 2, "uber")


def test_an_answer_is_remembered_per_payee_until_the_history_grows() -> None:
    matcher = _matcher(("Corner Deli 12", "Eating Out"))
    first = matcher.match("CORNER DELI #77")
    assert first is not None
    assert first.total == 1
    assert matcher.match("Corner Deli #9") is first  # the same key: answered once
    matcher.add(HistoryRecord(category="Groceries", description="Corner Deli #3"))
    matcher.add(HistoryRecord(category="Groceries", description="Corner Deli #4"))
    again = matcher.match("CORNER DELI #77")
    assert again is not None
    assert (again.category, again.count, again.total) == ("Groceries", 2, 3)
