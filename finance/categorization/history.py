"""Learn from history: the same payee as before gets the same category as before (CAT-2).

The matcher works over plain records (``services.history_for`` turns the
household's labeled transactions into :class:`HistoryRecord`), keyed by
:func:`finance.categorization.normalize.merchant_key`. For a new transaction
it answers the majority category among the household's earlier transactions
with the same key, with how many agreed and a confidence that grows with
both the share and the count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from finance.categorization.normalize import merchant_key

# Pseudo-count of "some other category" added to every payee's tally: one earlier
# transaction gives 1 / 1.2 = 0.83 (auto-categorized at the 0.8 threshold), two
# give 0.91, and 3 agreeing out of 4 give 0.71 (review). Chosen on the
# South-African household's cross-validation (docs/categorization.md).
DEFAULT_PRIOR_WEIGHT = 0.2
# A payee never seen before falls back to earlier payees that share its leading
# words ("dischem ballito lif" -> "dischem ballito", "uber rides" -> "uber"),
# with its confidence scaled down by this factor: on its own such a match stays
# below the auto-apply threshold (0.75 * 1 / 1.2 = 0.63 for one earlier payee).
PREFIX_FACTOR = 0.75
# Leading words too common to name a payee on their own.
_WEAK_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "for",
        "to",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "sa",
        "za",
        "us",
        "int",
        "international",
        "online",
        "payment",
        "card",
        "debit",
        "credit",
        "transfer",
        "fee",
        "fees",
        "cash",
        "atm",
        "app",
        "monthly",
        "service",
    ]
)


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One earlier, labeled transaction of the household."""

    category: str
    payee: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class HistoryMatch:
    """The majority category among earlier transactions with the same merchant key."""

    category: str
    confidence: float
    count: int
    total: int
    merchant_key: str
    explanation: str

    @property
    def share(self) -> float:
        return self.count / self.total


def history_key(payee: str | None, description: str | None = None) -> str:
    """The key a transaction is matched on: the payee's merchant key, else the description's."""
    if payee and payee.strip():
        return merchant_key(payee)
    return merchant_key(description or "")


def _prefixes(key: str) -> list[str]:
    """Leading runs of the key's words that can name a payee, shortest first, the key itself last."""
    words = key.split()
    if not words or words[0] in _WEAK_WORDS or len(words[0]) < 3:
        return [key] if key else []
    return [" ".join(words[:n]) for n in range(1, len(words) + 1)]


@dataclass
class HistoryMatcher:
    """Per-merchant category tallies, built from a household's labeled transactions."""

    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    _tallies: dict[str, Counter[str]] = field(default_factory=dict)
    # Tallies for every leading run of a key's words ("dischem", "dischem ballito", ...).
    _prefix_tallies: dict[str, Counter[str]] = field(default_factory=dict)
    # Last time each (key, category) was seen, so a tie goes to the most recent label.
    _last_seen: dict[tuple[str, str], int] = field(default_factory=dict)
    _prefix_last_seen: dict[tuple[str, str], int] = field(default_factory=dict)
    _seen: int = 0
    # The answer per key until the next ``add``: an import asks for a few hundred keys 100k times.
    _answers: dict[str, HistoryMatch | None] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_records(
        cls, records: Iterable[HistoryRecord], *, prior_weight: float = DEFAULT_PRIOR_WEIGHT
    ) -> HistoryMatcher:
        """Build a matcher from records in the order they happened (oldest first)."""
        matcher = cls(prior_weight=prior_weight)
        for record in records:
            matcher.add(record)
        return matcher

    def add(self, record: HistoryRecord) -> None:
        key = history_key(record.payee, record.description)
        if not key or not record.category:
            return
        self._answers.clear()
        self._tallies.setdefault(key, Counter())[record.category] += 1
        for prefix in _prefixes(key):
            self._prefix_tallies.setdefault(prefix, Counter())[record.category] += 1
            self._prefix_last_seen[(prefix, record.category)] = self._seen
        self._last_seen[(key, record.category)] = self._seen
        self._seen += 1

    def __len__(self) -> int:
        return self._seen

    def match(self, payee: str | None, description: str | None = None) -> HistoryMatch | None:
        """The majority category for this payee, or ``None`` when it has no history."""
        key = history_key(payee, description)
        try:
            return self._answers[key]
        except KeyError:
            answer = self._answers[key] = self._match(key)
            return answer

    def _match(self, key: str) -> HistoryMatch | None:
        tally = self._tallies.get(key)
        if tally:
            return self._answer(key, tally, self._last_seen, factor=1.0, how="same payee as")
        # Longest known leading run of words first; the full key is not among them.
        for prefix in reversed(_prefixes(key)[:-1]):
            tally = self._prefix_tallies.get(prefix)
            if tally:
                return self._answer(
                    prefix, tally, self._prefix_last_seen, factor=PREFIX_FACTOR, how=f'payee starting "{prefix}" like'
                )
        return None

    def _answer(
        self, key: str, tally: Counter[str], last_seen: dict[tuple[str, str], int], *, factor: float, how: str
    ) -> HistoryMatch:
        # Most transactions first; a tie goes to the category used most recently.
        category, count = max(tally.items(), key=lambda item: (item[1], last_seen.get((key, item[0]), -1)))
        total = sum(tally.values())
        confidence = factor * count / (total + self.prior_weight)
        noun = "transaction" if total == 1 else "transactions"
        explanation = f"{how} {total} earlier {noun}"
        if count != total:
            explanation += f", {count} of them in {category}"
        return HistoryMatch(
            category=category,
            confidence=round(confidence, 4),
            count=count,
            total=total,
            merchant_key=key,
            explanation=explanation,
        )
