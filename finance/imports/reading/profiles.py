"""What a column's values look like (dates, amounts, signs, currency codes, markers, text), and what columns say
about each other (a running balance, debit/credit markers, a money-out and a money-in column).

:func:`column_profile` reads a sampled column once; the detectors of :mod:`.detection` decide on these figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from finance.core.money import iso_currencies
from finance.imports.reading.mapping import (
    DEFAULT_CREDIT_MARKERS,
    DEFAULT_DEBIT_MARKERS,
    PENDING_MARKERS,
    POSTED_MARKERS,
)
from finance.imports.reading.values import (
    InvalidValue,
    amount_parser,
    decimal_places,
    infer_date_format,
    looks_like_amount,
)


@dataclass
class Profile:
    """One column of the sample and what its values look like (``filled`` is the share of non-empty cells; the
    other shares are of those)."""

    index: int
    values: list[str]
    total: int
    filled: float = 0.0
    date_pattern: str | None = None
    date_matched: float = 0.0
    date_ambiguous: bool = False
    date_confidence: float = 0.0
    date_reason: str = ""
    amount_frac: float = 0.0
    negatives: int = 0
    two_decimals: float = 0.0
    integers_only: bool = False
    constant: bool = False
    currency_frac: float = 0.0
    marker_frac: float = 0.0
    status_frac: float = 0.0
    text_score: float = 0.0
    nonzero: list[bool] = field(default_factory=list)


def column_profile(index: int, column: list[str], *, prefer_day_first: bool | None) -> Profile:
    values = [value.strip() for value in column]
    filled_values = [value for value in values if value]
    profile = Profile(index=index, values=values, total=len(values))
    if not filled_values:
        return profile
    count = len(filled_values)
    profile.filled = count / len(values)
    profile.constant = len(set(filled_values)) == 1 and count > 2
    guess = infer_date_format(filled_values, prefer_day_first=prefer_day_first)
    if guess is not None:
        profile.date_pattern = guess.pattern
        profile.date_matched = guess.matched
        profile.date_ambiguous = guess.ambiguous
        profile.date_confidence = guess.confidence
        profile.date_reason = guess.reason
    amounts = [value for value in filled_values if looks_like_amount(value)]
    profile.amount_frac = len(amounts) / count
    if amounts:
        profile.two_decimals = sum(1 for value in amounts if decimal_places(value) == 2) / len(amounts)
        profile.negatives = sum(1 for value in amounts if _is_negative(value))
        profile.integers_only = all(decimal_places(value) is None for value in amounts)
    codes = iso_currencies()
    profile.currency_frac = sum(1 for value in filled_values if value.upper() in codes) / count
    markers = set(DEFAULT_DEBIT_MARKERS + DEFAULT_CREDIT_MARKERS) - {"-", "+", "in", "out", "s", "h"}
    profile.marker_frac = sum(1 for value in filled_values if value.lower() in markers) / count
    profile.status_frac = sum(1 for value in filled_values if value.lower() in PENDING_MARKERS | POSTED_MARKERS) / count
    collapsed = [" ".join(value.split()) for value in filled_values]
    letters = sum(sum(1 for char in value if char.isalpha()) for value in collapsed)
    characters = sum(len(value) for value in collapsed) or 1
    average = characters / count
    profile.text_score = 0.0 if profile.constant else average * (letters / characters) * profile.filled
    profile.nonzero = [bool(value) and _nonzero_amount(value) for value in values]
    return profile


def _is_negative(value: str) -> bool:
    stripped = value.strip()
    return stripped.startswith(("-", "(", "\u2212")) or stripped.endswith("-") or "-$" in stripped or "- " in stripped


def _nonzero_amount(value: str) -> bool:
    try:
        return amount_parser(None)(value) != 0
    except InvalidValue:
        return False


def is_amount_column(profile: Profile) -> bool:
    if profile.filled == 0 or profile.amount_frac < 0.9 or profile.date_matched >= 0.8:
        return False
    if profile.integers_only:
        # IDs, check numbers and quantities are whole numbers; amounts nearly never all are... unless
        # every value is large and round, as in some exports: accept when negative values occur.
        lengths = [len(value.lstrip("+-")) for value in profile.values if value]
        if any(length >= 7 for length in lengths) or not profile.negatives:
            return False
    return True


def mostly_dates(values: list[str]) -> bool:
    guess = infer_date_format(value for value in values if value.strip())
    return guess is not None and guess.matched >= 0.8


def looks_money(values: list[str]) -> bool:
    filled = [value for value in values if value.strip()]
    if not filled:
        return False
    amounts = [value for value in filled if looks_like_amount(value)]
    if len(amounts) < 0.9 * len(filled):
        return False
    return any(decimal_places(value) is not None for value in amounts)


def parsed_amounts(values: Sequence[str], decimal: str) -> list[Decimal | None]:
    parse = amount_parser(decimal)
    result: list[Decimal | None] = []
    for value in values:
        try:
            result.append(parse(value) if value.strip() else None)
        except InvalidValue:
            result.append(None)
    return result


# ---------------------------------------------------------------------------
# What columns say about each other: which way money moved


def balance_vote(amounts: Sequence[Decimal | None], balances: Sequence[Decimal | None]) -> int | None:
    """+1 if the balances move with the amounts, -1 if against them, ``None`` if they do not tell."""
    normal = inverted = compared = 0
    for i in range(1, min(len(amounts), len(balances))):
        before, after = balances[i - 1], balances[i]
        if before is None or after is None or amounts[i] is None or amounts[i - 1] is None:
            continue
        compared += 1
        delta = after - before
        current, previous = amounts[i], amounts[i - 1]
        assert current is not None
        assert previous is not None
        if delta == current or -delta == previous:
            normal += 1
        elif delta == -current or -delta == -previous:
            inverted += 1
    if compared < 2 or max(normal, inverted) < 0.6 * compared:
        return None
    return 1 if normal >= inverted else -1


def find_balance_column(
    profiles: list[Profile], amounts: Sequence[Decimal | None], taken: set[int], decimal: str
) -> tuple[int, int] | None:
    for profile in profiles:
        if profile.index in taken or profile.amount_frac < 0.9 or profile.filled < 0.9:
            continue
        vote = balance_vote(amounts, parsed_amounts(profile.values, decimal))
        if vote is not None:
            return profile.index, vote
    return None


def direction_vote(amounts: Sequence[Decimal | None], markers: Sequence[str]) -> int:
    debit = {m.lower() for m in DEFAULT_DEBIT_MARKERS}
    credit = {m.lower() for m in DEFAULT_CREDIT_MARKERS}
    normal = inverted = 0
    for amount, marker in zip(amounts, markers, strict=False):
        if amount is None or amount == 0:
            continue
        word = marker.strip().lower()
        if word in debit:
            normal, inverted = (normal + 1, inverted) if amount < 0 else (normal, inverted + 1)
        elif word in credit:
            normal, inverted = (normal + 1, inverted) if amount > 0 else (normal, inverted + 1)
    if inverted > 2 * normal and inverted >= 2:
        return -1
    return 1


def find_debit_credit_pair(profiles: list[Profile], taken: set[int]) -> tuple[int, int, str] | None:
    """Two sparse amount columns that are never both non-zero on a row: money out, money in."""
    candidates = [
        p for p in profiles if p.index not in taken and p.filled > 0 and p.amount_frac >= 0.9 and p.date_matched < 0.8
    ]
    for first, second in itertools.pairwise(candidates):
        if second.index != first.index + 1:
            continue
        rows = len(first.nonzero)
        both = sum(1 for a, b in zip(first.nonzero, second.nonzero, strict=True) if a and b)
        either = sum(1 for a, b in zip(first.nonzero, second.nonzero, strict=True) if a or b)
        if both or not any(first.nonzero) or not any(second.nonzero) or either < 0.8 * rows:
            continue
        if first.integers_only and second.integers_only:
            continue
        first_negative = first.negatives and not second.negatives
        second_negative = second.negatives and not first.negatives
        if second_negative:
            return second.index, first.index, "the second of two amount columns holds the negative amounts"
        why = "two amount columns never filled on the same row: money out first, then money in"
        if first_negative:
            why = "the first of two amount columns holds the negative amounts"
        return first.index, second.index, why
    return None
