"""The order the product categorizes in: rules, then history, then the model (and the merchant directory),
else nothing.

:func:`categorize_many` is what an import or a new transaction calls with the
household's compiled rules, its history matcher and its model (or the base
model, its labels mapped with :mod:`finance.categorization.label_aliases`).
A suggestion at or above the threshold is applied; below it the transaction
goes to review with the suggestion and the model's alternatives.

With a merchant directory, a text that names a brand also gets the category of
the brand's kind of place (:mod:`finance.categorization.brand_categories`):
it stands beside the model's top category, and the more confident of the two
is the model step's suggestion (its source is ``model``; its explanation names
the brand). This is what a household with no history gets for brands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from finance.categorization.brand_categories import TAG_CATEGORIES, category_for_tags
from finance.categorization.classifier import AUTO_THRESHOLD, CategorizerModel, Item, Prediction
from finance.categorization.history import HistoryMatch, HistoryMatcher
from finance.categorization.merchants import BrandMatch, DirectoryView, tag_words
from finance.categorization.rules import Budget, CompiledRule, RuleOutcome, evaluate


class Source(StrEnum):
    RULE = "rule"
    HISTORY = "history"
    MODEL = "model"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class LabelSuggestion:
    """What the pipeline suggests for one transaction; ``category`` is a label as a rule, history or the model gives it.

    ``services.categorize_for`` turns it into a :class:`finance.categorization.services.Suggestion`, in the
    ledger's terms.
    """

    category: str | None
    confidence: float
    source: Source
    explanation: tuple[str, ...]
    # True when the category may be applied without review (confidence >= threshold).
    auto_apply: bool
    alternatives: tuple[Prediction, ...] = ()
    rules: RuleOutcome | None = None


def item_from(txn: Mapping[str, Any]) -> Item:
    """The model's view of a dict-like transaction (``payee``, ``description``, ``amount``, ``date``)."""
    amount = txn.get("amount")
    parsed: Decimal | None
    if amount is None or isinstance(amount, Decimal):
        parsed = amount
    else:
        try:
            parsed = Decimal(str(amount))
        except InvalidOperation:
            parsed = None
    when = txn.get("date")
    if isinstance(when, dt.datetime):
        when = when.date()
    elif isinstance(when, str):
        try:
            when = dt.date.fromisoformat(when[:10])
        except ValueError:
            when = None
    elif not isinstance(when, dt.date):
        when = None
    return Item(
        description=str(txn.get("description") or ""),
        payee=str(txn.get("payee") or ""),
        amount=parsed,
        date=when,
    )


def brand_explanation(match: BrandMatch, country: str | None, country_name: Callable[[str], str]) -> str:
    """ "Engen — a fuel brand in South Africa (OpenStreetMap)"."""
    # The kinds of place that say what it sells first (CVS is a chemist before a vending machine).
    tags = sorted(match.tags, key=lambda tag: tag not in TAG_CATEGORIES)
    kind = " and ".join(dict.fromkeys(tag_words(tag) for tag in tags[:2]))
    where = f" in {country_name(country)}" if country and country.lower() in match.brand.countries else ""
    return f"{match.brand.name} — a {kind} brand{where} (OpenStreetMap)"


def brand_prediction(
    match: BrandMatch | None,
    category_map: Callable[[str], str | None],
    *,
    country: str | None = None,
    country_name: Callable[[str], str] = str.upper,
) -> Prediction | None:
    """The category of the brand's kind of place, in the household's terms, or ``None``.

    Its confidence is the match's (how surely the text names the brand) times the tag's (how surely that kind
    of place means the category).
    """
    if match is None:
        return None
    found = category_for_tags(match.tags)
    if found is None:
        return None
    default, weight = found
    category = category_map(default)
    if category is None:
        return None
    return Prediction(category, round(match.confidence * weight, 4), (brand_explanation(match, country, country_name),))


#: A brand's category on its own stays below the auto-apply threshold: it leads the review's suggestions, and
#: is applied only when the model agrees. The kind of place says what a brand sells, not how a household files
#: it (Woolworths sells clothes and food; an "Apple" payment is more often a subscription than a computer).
BRAND_ALONE_MAX = 0.79


DIRECTORY_FEATURES = ("brand=", "osm=", "osm_group=")


def readable_brand_features(
    predictions: list[Prediction], directory: DirectoryView, item: Item, country_name: Callable[[str], str]
) -> list[Prediction]:
    """The model's reasons with its directory features (``brand=Q…``, ``osm=amenity=fuel``) said as a person
    reads them, once: "Engen — a fuel brand in South Africa (OpenStreetMap)"."""
    if not predictions or not any(r.startswith(DIRECTORY_FEATURES) for r in predictions[0].explanation):
        return predictions
    match = directory.best(item.payee, item.description)
    if match is None:
        return predictions
    said = brand_explanation(match, directory.country, country_name)
    reasons = [said if r.startswith(DIRECTORY_FEATURES) else r for r in predictions[0].explanation]
    top = predictions[0]._replace(explanation=tuple(dict.fromkeys(reasons)))
    return [top, *predictions[1:]]


def with_brand(predictions: Sequence[Prediction], brand: Prediction | None) -> list[Prediction]:
    """The model's predictions with the brand's beside them: agreeing, the top one keeps the higher confidence
    and names the brand too; else the brand's leads when it is more confident (at most
    :data:`BRAND_ALONE_MAX`)."""
    if brand is None:
        return list(predictions)
    brand = brand._replace(confidence=min(brand.confidence, BRAND_ALONE_MAX))
    top = predictions[0] if predictions else None
    if top is not None and top.category == brand.category:
        merged = Prediction(top.category, max(top.confidence, brand.confidence), (*brand.explanation, *top.explanation))
        return [merged, *predictions[1:]]
    if top is None or brand.confidence > top.confidence:
        return [brand, *(p for p in predictions if p.category != brand.category)]
    return [*predictions, brand] if all(p.category != brand.category for p in predictions) else list(predictions)


def combine(
    match: HistoryMatch | None,
    predictions: Sequence[Prediction],
    *,
    threshold: float = AUTO_THRESHOLD,
    rules: RuleOutcome | None = None,
) -> LabelSuggestion:
    """History and model together: the more confident one wins.

    When they agree the suggestion takes the higher of the two confidences, not
    more: the model has learned the same earlier transactions the history counts,
    so the two are not independent evidence (combining them as if they were
    auto-applied more wrong suggestions in the evaluation).
    """
    top = predictions[0] if predictions else None
    alternatives = tuple(predictions)
    if match is not None and top is not None and match.category == top.category:
        confidence = max(match.confidence, top.confidence)
        return LabelSuggestion(
            category=match.category,
            confidence=round(confidence, 4),
            source=Source.HISTORY,
            explanation=(match.explanation, *top.explanation),
            auto_apply=confidence >= threshold,
            alternatives=alternatives,
            rules=rules,
        )
    if match is not None and (top is None or match.confidence >= top.confidence):
        return LabelSuggestion(
            category=match.category,
            confidence=match.confidence,
            source=Source.HISTORY,
            explanation=(match.explanation,),
            auto_apply=match.confidence >= threshold,
            alternatives=alternatives,
            rules=rules,
        )
    if top is not None:
        return LabelSuggestion(
            category=top.category,
            confidence=top.confidence,
            source=Source.MODEL,
            explanation=top.explanation,
            auto_apply=top.confidence >= threshold,
            alternatives=alternatives,
            rules=rules,
        )
    return LabelSuggestion(
        category=None, confidence=0.0, source=Source.NONE, explanation=(), auto_apply=False, rules=rules
    )


def map_labels(predictions: Sequence[Prediction], label_map: Callable[[str], str | None]) -> list[Prediction]:
    """Model predictions renamed to the household's categories; labels it has no category for are dropped.

    With the base model, ``label_map`` is e.g.
    ``label_aliases.label_resolver(names)``.
    Two labels mapping to one category are merged (confidences added).
    """
    merged: dict[str, Prediction] = {}
    for prediction in predictions:
        category = label_map(prediction.category)
        if category is None:
            continue
        if category in merged:
            earlier = merged[category]
            merged[category] = Prediction(
                category, round(min(1.0, earlier.confidence + prediction.confidence), 4), earlier.explanation
            )
        else:
            merged[category] = Prediction(category, prediction.confidence, prediction.explanation)
    return sorted(merged.values(), key=lambda p: -p.confidence)


def categorize_many(
    txns: Sequence[Mapping[str, Any]],
    *,
    rules: Sequence[CompiledRule] = (),
    history: HistoryMatcher | None = None,
    model: CategorizerModel | None = None,
    label_map: Callable[[str], str | None] | None = None,
    threshold: float = AUTO_THRESHOLD,
    explain: bool = True,
    budget: Budget | None = None,
    outcomes: Sequence[RuleOutcome] | None = None,
    directory: DirectoryView | None = None,
    category_map: Callable[[str], str | None] | None = None,
    country_name: Callable[[str], str] = str.upper,
) -> list[LabelSuggestion]:
    """Suggest a category for each transaction: rules → history → model → none.

    ``label_map`` renames the model's labels to the household's categories (needed
    for the base model, see :func:`map_labels`); a household's own model needs none.
    ``explain=False`` leaves the model's reasons out (they are most of its per-item work).
    ``budget`` bounds the rules' regular expressions over the whole batch; a rule it exhausts counts for
    none of the transactions (those it fired on before are evaluated again without it). ``outcomes`` are the
    rules' outcomes when the caller ran them already (:func:`rule_outcomes`, over a larger batch whose parts
    come here one by one). ``directory`` is the merchant directory for the model's features and, with
    ``category_map`` (a default category name → the household's category, see
    :func:`finance.categorization.brand_categories.category_resolver`), for the brand's own suggestion.
    """
    if outcomes is None:
        outcomes = rule_outcomes(txns, rules=rules, budget=budget)
    # Only the transactions no rule categorized go to the model, in one batch.
    pending = [i for i, outcome in enumerate(outcomes) if outcome.category is None]
    items = []
    for i in pending:
        txn = txns[i]
        if outcomes[i].payee is not None:
            txn = {**txn, "payee": outcomes[i].payee}
        items.append(item_from(txn))
    predictions = (
        model.predict(items, explain=explain, directory=directory)
        if model is not None and items
        else [[] for _ in items]
    )
    if label_map is not None:
        predictions = [map_labels(preds, label_map) for preds in predictions]
    if directory is not None and explain:
        predictions = [
            readable_brand_features(preds, directory, item, country_name)
            for preds, item in zip(predictions, items, strict=True)
        ]
    if directory is not None and category_map is not None:
        brands: dict[tuple[str, str], Prediction | None] = {}  # a statement repeats its payees
        for n, item in enumerate(items):
            pair = (item.payee, item.description)
            if pair not in brands:
                brands[pair] = brand_prediction(
                    directory.best(item.payee, item.description),
                    category_map,
                    country=directory.country,
                    country_name=country_name,
                )
            predictions[n] = with_brand(predictions[n], brands[pair])
    results: list[LabelSuggestion | None] = [None] * len(txns)
    for i, outcome in enumerate(outcomes):
        if outcome.category is not None:
            rule_id = outcome.category_rule or ""
            results[i] = LabelSuggestion(
                category=outcome.category,
                confidence=1.0,
                source=Source.RULE,
                explanation=(f"rule {rule_id}",),
                auto_apply=True,
                rules=outcome,
            )
    matched: dict[tuple[str, str], HistoryMatch | None] = {}  # a statement repeats its payees
    for item, i, preds in zip(items, pending, predictions, strict=True):
        match = None
        if history is not None:
            pair = (item.payee, item.description)
            if pair in matched:
                match = matched[pair]
            else:
                match = matched[pair] = history.match(item.payee, item.description)
        results[i] = combine(match, preds, threshold=threshold, rules=outcomes[i])
    return [r for r in results if r is not None]


def rule_outcomes(
    txns: Sequence[Mapping[str, Any]], *, rules: Sequence[CompiledRule] = (), budget: Budget | None = None
) -> list[RuleOutcome]:
    """What the rules do to each transaction, with ``budget`` shared by all of them (see :func:`categorize_many`)."""
    if not rules:
        return [RuleOutcome() for _ in txns]
    outcomes = [evaluate(rules, txn, budget=budget) for txn in txns]
    if budget is not None:
        _without_exhausted(rules, txns, outcomes, budget)
    return outcomes


def _without_exhausted(
    rules: Sequence[CompiledRule], txns: Sequence[Mapping[str, Any]], outcomes: list[RuleOutcome], budget: Budget
) -> None:
    """Evaluate again, without the rules the budget exhausted, the transactions those rules fired on."""
    handled: set[str] = set()
    while gone := set(budget.exhausted) - handled:
        handled |= gone
        keep = [rule for rule in rules if rule.id not in budget.exhausted]
        for i, outcome in enumerate(outcomes):
            if gone.intersection(outcome.fired):
                outcomes[i] = evaluate(keep, txns[i], budget=budget)


def categorize(
    txn: Mapping[str, Any],
    *,
    rules: Sequence[CompiledRule] = (),
    history: HistoryMatcher | None = None,
    model: CategorizerModel | None = None,
    label_map: Callable[[str], str | None] | None = None,
    threshold: float = AUTO_THRESHOLD,
) -> LabelSuggestion:
    """One transaction; see :func:`categorize_many`."""
    return categorize_many([txn], rules=rules, history=history, model=model, label_map=label_map, threshold=threshold)[
        0
    ]
