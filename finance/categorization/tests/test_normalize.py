"""Merchant keys and cleaned text on real descriptions from the shared data sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.categorization import normalize
from finance.categorization.normalize import clean_text, merchant_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        # US set (lower-cased by its publisher), with processor prefixes, store numbers, addresses, cities
        ("debit kroger 8147 seattle", "kroger"),
        ("debit arby's 2727 main blvd hayward94541 ca usa", "arby's"),
        ("debit gold's gym 5082 broadway rd seattle -8624wa usa", "gold's gym"),
        ("debit target t-5627", "target"),
        ("debit paypal *wegmans yg0py6qyux", "wegmans"),
        ("debit tst*green market cafe - brooklyn", "green market cafe"),
        ("debit walgreens - san jose", "walgreens"),
        ("debit amazon.com*hawmz79txr", "amazon.com"),
        ("debit paypal inst xfer naan n curry", "naan n curry"),
        ("debit 24 hour fitness; billing", "24 hour fitness"),
        ("credit acme corp dir dep", "acme"),
        # South-African set: "POS Purchase", processors, dates and amounts inside the text
        ("POS Purchase Engen Mitchell Park  * 07 Oct", "engen mitchell park"),
        ("POS Purchase Zapper *Servest Par  * 12 Aug", "servest par"),
        ("POS PURCHASE (EFFEC ) C*Dischem Glen Marais KEMPT CARD NO. ", "dischem glen marais kempt"),
        ("POS Purchase 139.99 Apple.Com/Bi  * 18 Sep", "apple.com"),
        ("POS Purchase 13.83 Uber *Trip  * 30 Oct", "uber"),
        ("Recurring Card Purchase: Netflix.com Amsterdam (Card ) ", "netflix.com"),
        ("Magtape Debit Discinsure4002840983-", "discinsure"),
        ("Payment Received T ", "payment received"),
        # Card-processor formats seen in US statements
        ("SQ *BLUE BOTTLE COFFEE 12/03 SAN FRANCISCO CA", "blue bottle coffee"),
        ("TST* SOUP KITCHEN - BROOKLYN", "soup kitchen"),
        ("PAYPAL *NETFLIX.COM 402-935-7733", "netflix.com"),
        ("POS KROGER #123 CINCINNATI OH", "kroger"),
        ("WALMART #1234 10:32 PM", "walmart"),
        ("Starbucks 2023-10-10 #553", "starbucks"),
        ("Café Crème", "cafe creme"),
    ],
)
def test_merchant_key_strips_the_noise_around_the_merchant(raw: str, key: str) -> None:
    assert merchant_key(raw) == key


def test_variants_of_one_merchant_share_a_key() -> None:
    variants = [
        "POS Purchase 14.99 Apple.Com/Bil  * 18 Sep",
        "POS Purchase 109.99 Apple.Com/Bi  * 18 Nov",
        "debit apple.com/bill 5517 park ct las vegas -6352nv usa",
    ]
    assert {merchant_key(v) for v in variants} == {"apple.com"}
    assert merchant_key("Magtape Debit Discinsure-") == merchant_key("Magtape Debit Discinsure4002840983-")


def test_a_fee_about_a_merchant_is_not_the_merchant() -> None:
    fee = merchant_key("International Processing Recurring Card Purchase Fee: Netflix.com ")
    assert fee != merchant_key("Recurring Card Purchase: Netflix.com Amsterdam (Card ) ")
    assert fee.endswith("netflix.com")


def test_clean_text_keeps_words_and_drops_dates_amounts_and_references() -> None:
    assert clean_text("POS Purchase Engen Mitchell Park  * 07 Oct") == "pos purchase engen mitchell park"
    assert clean_text("#Service Fees #Int Pymt Fee-69.99 Apple") == "service fees int pymt fee apple"
    assert clean_text("Fx Transfers Debit R023Vf8St0 A ZAR (Proteccion)") == "fx transfers debit a zar proteccion"
    assert clean_text("Rent", None, "for March 2024-03-01") == "rent for march"


def test_empty_text_gives_an_empty_key() -> None:
    assert merchant_key("") == ""
    assert merchant_key("   ") == ""


# Pieces of the noise the patterns look for, glued in any order: dates, times, amounts, store and card numbers.
_NOISY = st.lists(
    st.sampled_from([*"ab xyz#*-/.:,()$+019\t٣É", "card", " no", "xx", "**", "jan", " nov ", "12", "pm"]),
    max_size=25,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_NOISY)
def test_skipping_noise_patterns_that_cannot_match_changes_nothing(text: str) -> None:
    """``_strip_noise`` runs a pattern only when the text holds what it needs; every pattern in order gives the same."""
    expected = normalize._fold(text)
    for pattern in normalize._NOISE_PATTERNS:
        expected = pattern.sub(" ", expected)
    assert normalize._strip_noise.__wrapped__(text) == expected


def test_texts_that_differ_only_in_noise_share_the_later_steps() -> None:
    normalize._merchant_stripped.cache_clear()
    keys = {merchant_key(f"WHOLE FOODS #{number}") for number in range(100, 160)}
    assert keys == {"whole foods"}
    assert normalize._merchant_stripped.cache_info().misses == 1
