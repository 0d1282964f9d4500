"""Categorization writes and the pipeline the ledger and imports call.

* Rules: :func:`rule_create`, :func:`rule_update`, :func:`rule_delete` (validated with
  :func:`finance.categorization.rules.validate_rule`) and :func:`rule_apply`, which runs one
  rule over the household's existing transactions through the ledger's services.
* :func:`categorize_for` runs rules → history → model → none over a batch of new transactions
  of one household and returns one :class:`Suggestion` per item.
* Every run of the rules has a time budget (:func:`rules_budget`); a rule that exhausts it is turned off
  with :func:`rules_exhausted` (audit event, ``RuleDisabled`` domain event).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.core import get_global
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.categorization import pipeline
from finance.categorization.brand_categories import category_resolver
from finance.categorization.classifier import CategorizerModel, Example, ModelLoadError, train
from finance.categorization.errors import ErrorCode
from finance.categorization.events import RuleDisabled
from finance.categorization.history import HistoryMatcher, HistoryRecord
from finance.categorization.label_aliases import label_resolver
from finance.categorization.merchants import DirectoryLoadError, DirectoryView, MerchantDirectory
from finance.categorization.models import DisabledReason, Rule
from finance.categorization.normalize import merchant_key
from finance.categorization.rules import (
    ActionType,
    Budget,
    CompiledRule,
    RuleOutcome,
    RuleValidationError,
    evaluate,
    parse_rule,
)
from finance.core import events
from finance.core.exceptions import Conflict, FieldError, Issue
from finance.households.models import WRITE_ROLES, Household, Membership, Role
from finance.households.services import require_role
from finance.ledger import services as ledger
from finance.ledger.inputs import Categorization, TransactionInput
from finance.ledger.models import CategorizationSource, Category, Transaction, TransactionType
from finance.users.models import User

logger = logging.getLogger(__name__)

# Transactions one apply call may change; beyond this the rule is applied to new transactions only.
APPLY_LIMIT = 2000
HISTORY_LIMIT = 20000
SMALL_BATCH = 20  # up to this many items, history reads only rows that can share their merchants
RULE_FIELDS = ("name", "priority", "is_active", "match", "stop_processing", "conditions", "actions")
#: Most rules a household may have: every one runs on every new transaction.
MAX_RULES = 200


# ---------------------------------------------------------------------------
# Rules


def _pure(data: Mapping[str, Any], rule_id: str = "") -> dict[str, Any]:
    """The stored rule in the shape ``rules.parse_rule`` reads (``{action, value}`` → ``{type, value}``)."""
    actions = data.get("actions")
    return {
        "id": rule_id,
        "name": data.get("name", ""),
        "priority": data.get("priority", 0),
        "match": data.get("match", "all"),
        "stop_processing": data.get("stop_processing", False),
        "active": data.get("is_active", True),
        "conditions": data.get("conditions"),
        "actions": [
            {"type": a.get("action"), "value": a.get("value")} if isinstance(a, Mapping) else a
            for a in (actions if isinstance(actions, list) else [])
        ]
        if isinstance(actions, list)
        else actions,
    }


def _api_path(path: str) -> str:
    """``conditions[0].value`` → ``conditions.0.value``; an action's ``type`` is the API's ``action``."""
    path = path.replace("[", ".").replace("]", "")
    if path.startswith("actions.") and path.endswith(".type"):
        path = path[: -len("type")] + "action"
    return path


def _validate(household: Household, data: Mapping[str, Any]) -> None:
    errors: dict[str, list[Issue]] = {}
    try:
        parse_rule(_pure(data))
    except RuleValidationError as exc:
        for path, message in exc.errors.items():
            errors[_api_path(path)] = [Issue(message, exc.codes.get(path, ErrorCode.INVALID))]
    for i, action in enumerate(data.get("actions") or []):
        if not isinstance(action, Mapping) or action.get("action") != ActionType.SET_CATEGORY:
            continue
        value = action.get("value")
        try:
            category_id = uuid.UUID(str(value))
        except ValueError:
            errors[f"actions.{i}.value"] = [Issue("Must be the id of a category.", ErrorCode.INVALID)]
            continue
        if not Category.objects.filter(household=household, pk=category_id).exists():
            errors[f"actions.{i}.value"] = [Issue("Not found in this household.", ErrorCode.DOES_NOT_EXIST)]
    if errors:
        raise FieldError.of(errors)


@transaction.atomic
def rule_create(*, household: Household, actor: User | None, **values: Any) -> Rule:
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    data = {name: values[name] for name in RULE_FIELDS if name in values}
    if not str(data.get("name", "")).strip():
        raise FieldError("name", "This field is required.", code=ErrorCode.REQUIRED)
    if Rule.objects.filter(household=household).count() >= MAX_RULES:
        raise Conflict(
            f"This household has {MAX_RULES} rules, the most it may have; delete one first.", code=ErrorCode.TOO_MANY
        )
    _validate(household, data)
    return Rule.objects.create(household=household, **data)


@transaction.atomic
def rule_update(*, rule: Rule, actor: User | None, **changes: Any) -> Rule:
    require_role(household=rule.household, actor=actor, roles=WRITE_ROLES)
    data = {name: getattr(rule, name) for name in RULE_FIELDS}
    data.update({name: changes[name] for name in RULE_FIELDS if name in changes})
    if not str(data.get("name", "")).strip():
        raise FieldError("name", "This field is required.", code=ErrorCode.REQUIRED)
    _validate(rule.household, data)
    for name, value in data.items():
        setattr(rule, name, value)
    if changes.get("is_active"):  # a person turns it on again: what the system said no longer stands
        rule.disabled_reason, rule.disabled_at = "", None
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: User | None) -> None:
    require_role(household=rule.household, actor=actor, roles=WRITE_ROLES)
    rule.delete()


def parsed_rules(rules: Sequence[Rule]) -> list[CompiledRule]:
    """Stored rules compiled for evaluation; one that no longer validates is skipped (and logged).

    Not ``strict``: a rule saved before the checks of slow patterns runs, held by the run's budget."""
    parsed = []
    for rule in rules:
        try:
            parsed.append(parse_rule(_pure(_rule_data(rule), str(rule.pk)), strict=False))
        except RuleValidationError as exc:
            logger.warning("rule %s does not validate any more: %s", rule.pk, exc)
    return parsed


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def _signed(kind: str, amount: Any) -> Decimal | None:
    if amount is None:
        return None
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return -value if kind == TransactionType.EXPENSE else value


def txn_record(txn: Transaction) -> dict[str, Any]:
    """A stored transaction as the pure categorizer reads it (amount signed: expenses negative)."""
    return {
        "payee": txn.payee,
        "description": txn.description,
        "notes": txn.notes,
        "amount": _signed(txn.type, txn.amount),
        "date": txn.date,
        "account": txn.account.name,
        "type": txn.type,
    }


@dataclass(frozen=True, slots=True)
class ApplyResult:
    matched: int
    changed: int
    dry_run: bool
    transaction_ids: list[uuid.UUID]


def rule_apply(*, rule: Rule, actor: User | None, dry_run: bool = True) -> ApplyResult:
    """Run one rule over the household's income and expense transactions; all changes or none.

    A category set by a person (source ``user``) and split transactions keep their categories;
    the rule's other actions still apply to them. Each change goes through
    ``transaction_update`` so balances and aggregates stay exact; at most ``APPLY_LIMIT``
    transactions may change in one call (``409`` beyond). The run has a time budget
    (:func:`rules_budget`, growing with each transaction read): a rule that exhausts it is turned off
    (that stays) and the call is refused (``409``, ``rule_disabled``), nothing applied.
    """
    household = rule.household
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    budget = rules_budget(0)
    try:
        with transaction.atomic():
            return _rule_apply(rule=rule, actor=actor, dry_run=dry_run, budget=budget)
    except _OutOfTime:
        with transaction.atomic():
            rules_exhausted(household=household, budget=budget)
        raise Conflict(
            f"The rule “{rule.name}” took too long and was turned off; simplify its conditions, then turn it on again.",
            code=ErrorCode.RULE_DISABLED,
        ) from None


class _OutOfTime(Exception):
    """The rule being applied exhausted its budget: stop before anything is written."""


def _rule_apply(*, rule: Rule, actor: User | None, dry_run: bool, budget: Budget) -> ApplyResult:
    household = rule.household
    compiled = parse_rule(_pure({**_rule_data(rule), "is_active": True}, str(rule.pk)), strict=False)
    per_transaction = _per_transaction_seconds()
    categories = {str(c.pk): c for c in Category.objects.filter(household=household)}
    txns = (
        Transaction.objects.filter(household=household, type__in=[TransactionType.INCOME, TransactionType.EXPENSE])
        .select_related("account", "category", "household")
        .prefetch_related("tags", "splits")
        .order_by("date", "created_at", "id")
    )
    matched = 0
    planned: list[tuple[Transaction, dict[str, Any]]] = []
    for txn in txns:
        budget.left += per_transaction
        outcome = evaluate([compiled], txn_record(txn), budget=budget)
        if budget.exhausted:
            raise _OutOfTime
        if not outcome.fired:
            continue
        matched += 1
        changes: dict[str, Any] = {}
        categorization: dict[str, Any] = {
            "source": txn.categorization_source,
            "confidence": txn.categorization_confidence,
            "rule": txn.categorization_rule,
            "needs_review": txn.needs_review,
        }
        category = categories.get(outcome.category or "")
        if (
            category is not None
            and category.type == txn.type
            and txn.categorization_source != CategorizationSource.USER
            and not list(txn.splits.all())
            and txn.category_id != category.pk
        ):
            changes["category"] = category
            categorization.update(source=CategorizationSource.RULE, confidence=Decimal(1), rule=rule.pk)
            categorization["needs_review"] = False
        if outcome.payee is not None and outcome.payee != txn.payee:
            changes["payee"] = outcome.payee
        names = [t.name for t in txn.tags.all()]
        tags = with_rule_tags(names, outcome.tags)
        if len(tags) > len(names):
            changes["tags"] = tags
        if outcome.reviewed and txn.needs_review:
            categorization["needs_review"] = False
        if outcome.excluded and not txn.is_excluded:
            changes["is_excluded"] = True
        if categorization["needs_review"] != txn.needs_review or "category" in changes:
            changes["categorization"] = Categorization(**categorization)
        if changes:
            planned.append((txn, changes))
    if len(planned) > APPLY_LIMIT:
        raise Conflict(f"This rule would change {len(planned)} transactions; at most {APPLY_LIMIT} at a time.")
    if not dry_run:
        for txn, changes in planned:
            ledger.transaction_update(txn=txn, actor=actor, changes=TransactionInput(**changes))
    return ApplyResult(
        matched=matched, changed=len(planned), dry_run=dry_run, transaction_ids=[t.pk for t, _ in planned]
    )


# ---------------------------------------------------------------------------
# The time rules may take


def _per_transaction_seconds() -> float:
    return int(settings.RULES_TIME_PER_TRANSACTION_US) / 1_000_000


def rules_budget(transactions: int) -> Budget:
    """The time budget of one run of the rules over ``transactions`` transactions: ``RULES_TIME_BUDGET_MS``
    plus ``RULES_TIME_PER_TRANSACTION_US`` for each (a run that reads its transactions one by one adds the
    allowance as it goes)."""
    return Budget(int(settings.RULES_TIME_BUDGET_MS) / 1000 + transactions * _per_transaction_seconds())


def rules_exhausted(*, household: Household, budget: Budget) -> list[Rule]:
    """Turn off the rules ``budget`` exhausted and tell: the rule shows why (``disabled_reason``,
    ``disabled_at``), the audit log records it and ``RuleDisabled`` is published. Returns the rules turned off
    (a rule already off is left as it is)."""
    if not budget.exhausted:
        return []
    now = timezone.now()
    ids = [uuid.UUID(rule_id) for rule_id in budget.exhausted]
    turned_off = []
    for rule in Rule.objects.select_for_update().filter(household=household, pk__in=ids, is_active=True):
        why = budget.exhausted[str(rule.pk)]
        rule.is_active = False
        rule.disabled_reason = DisabledReason(why.value)
        rule.disabled_at = now
        rule.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])
        spent_ms = round(budget.spent_by(str(rule.pk)) * 1000)
        budget_ms = round(budget.seconds * 1000)
        audit_record(
            action=AuditAction.RULE_DISABLE,
            actor=None,
            household=household,
            target=rule,
            changes={"reason": why.value, "spent_ms": spent_ms, "budget_ms": budget_ms},
        )
        events.publish(
            RuleDisabled(
                household_id=household.pk,
                rule_id=rule.pk,
                rule_name=rule.name,
                reason=why.value,
                spent_ms=spent_ms,
                budget_ms=budget_ms,
            )
        )
        logger.warning("rule %s of household %s turned off: %s", rule.pk, household.pk, why.value)
        turned_off.append(rule)
    return turned_off


def with_rule_tags(names: list[str], added: Sequence[str]) -> list[str]:
    """A transaction's tag ``names`` and then the rules' tags it lacks (in any case), as far as a transaction
    has room for (``ledger.services.MAX_TAGS``): rules add tags, they do not make a write fail."""
    have = {name.strip().lower() for name in names if name.strip()}
    extra: list[str] = []
    for tag in added:
        key = tag.strip().lower()
        if key and key not in have and len(have) < ledger.MAX_TAGS:
            have.add(key)
            extra.append(tag)
    return [*names, *extra]


def suggested_rule(txn: Transaction) -> dict[str, Any] | None:
    """A rule body for the transaction's payee → its category, for the client to offer (POST /rules/)."""
    if txn.category_id is None:
        return None
    key = merchant_key(txn.payee or txn.description or "")
    if not key:
        return None
    return {
        "name": f"{key} → {txn.category.name}" if txn.category else key,
        "priority": 100,
        "is_active": True,
        "match": "all",
        "stop_processing": False,
        "conditions": [{"field": "payee" if txn.payee else "description", "operator": "contains", "value": key}],
        "actions": [{"action": ActionType.SET_CATEGORY.value, "value": str(txn.category_id)}],
    }


# ---------------------------------------------------------------------------
# The pipeline


@dataclass(frozen=True, slots=True)
class Alternative:
    category_id: uuid.UUID
    confidence: Decimal
    explanation: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the pipeline suggests for one transaction, in the ledger's terms."""

    category_id: uuid.UUID | None
    source: str  # a CategorizationSource value, or "" when nothing was suggested
    confidence: Decimal | None
    needs_review: bool
    rule_id: uuid.UUID | None = None
    explanation: str = ""
    alternatives: tuple[Alternative, ...] = ()
    payee: str | None = None
    tags: tuple[str, ...] = ()
    reviewed: bool = False
    excluded: bool = False

    @property
    def auto_apply(self) -> bool:
        return self.category_id is not None and not self.needs_review


def _read_model(path: Path) -> CategorizerModel | None:
    try:
        return CategorizerModel.load(path)
    except (ModelLoadError, OSError, ValueError, EOFError) as exc:
        logger.warning("categorizer model %s not usable: %s", path, exc)
        return None


def _read_directory(path: Path) -> MerchantDirectory | None:
    try:
        return MerchantDirectory.load(path)
    except DirectoryLoadError as exc:
        logger.warning("merchant directory %s not usable: %s", path, exc)
        return None


@functools.lru_cache(maxsize=16)
def _read(reader: Callable[[Path], Any], path: str, mtime: float) -> Any:
    """An artifact read once per version of its file (``mtime``): a rebuilt file is read again."""
    return reader(Path(path))


def _artifact_at(path: Path, reader: Callable[[Path], Any]) -> Any:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _read(reader, str(path), mtime)


def household_model_path(household_id: uuid.UUID) -> Path:
    return Path(settings.CATEGORIZATION_MODEL_DIR) / f"household-{household_id}.joblib"


def _model_at(path: Path) -> CategorizerModel | None:
    model: CategorizerModel | None = _artifact_at(path, _read_model)
    return model


def model_for(household: Household) -> tuple[CategorizerModel | None, bool]:
    """The household's own model, else the base model; ``(model, is_base)``; ``None`` when neither exists."""
    own = _model_at(household_model_path(household.pk))
    if own is not None:
        return own, False
    return _model_at(Path(settings.BASE_CATEGORIZER_PATH)), True


def merchant_directory() -> MerchantDirectory | None:
    """The merchant directory (``MERCHANT_DIRECTORY_PATH``), or ``None`` when it was not built."""
    directory: MerchantDirectory | None = _artifact_at(Path(settings.MERCHANT_DIRECTORY_PATH), _read_directory)
    return directory


@functools.cache
def _currency_countries() -> dict[str, str]:
    """Currency → the country that issues it: the one country using it as tender today (CLDR, through
    Babel), else the country its ISO 4217 code is named after when that country uses it (USD is also
    Ecuador's and Panama's: United States). A union's currency (EUR, XOF, XCD) says nothing of which country."""
    users: dict[str, set[str]] = {}
    for territory, currencies in get_global("territory_currencies").items():
        for code, _start, end, tender in currencies:
            if end is None and tender and len(territory) == 2 and territory.isalpha() and territory != "EU":
                users.setdefault(code, set()).add(territory.lower())
    found = {}
    for code, places in users.items():
        named_after = code[:2].lower()
        if len(places) == 1:
            found[code] = next(iter(places))
        elif named_after in places and not code.startswith("X"):
            found[code] = named_after
    return found


def household_country(household: Household) -> str | None:
    """The household's country for the merchant directory: the one most of its members gave in their
    profile (the owner's breaks a tie), else the country of its base currency when one country uses it.
    One query."""
    rows = list(Membership.objects.filter(household=household).values_list("user__country", "role"))
    counted = Counter(country.lower() for country, _role in rows if country)
    if counted:
        best = max(counted.values())
        tied = [country for country, n in counted.items() if n == best]
        owners = [country.lower() for country, role in rows if country and role == Role.OWNER]
        return next((c for c in owners if c in tied), sorted(tied)[0])
    return _currency_countries().get(str(household.base_currency).upper())


def directory_for(household: Household) -> DirectoryView | None:
    """The merchant directory as the household sees it (its country's brands), or ``None`` without one."""
    directory = merchant_directory()
    return DirectoryView(directory, household_country(household)) if directory is not None else None


@functools.cache
def country_name(code: str) -> str:
    """ "za" → "South Africa" (English: explanations are in the language the model's features are)."""
    return str(Locale("en").territories.get(code.upper(), code.upper()))


def _narrowing(items: Sequence[Mapping[str, Any]]) -> Q | None:
    """For a few items (one API create), only earlier rows that can share their merchant.

    A merchant key's first word appears in the raw payee or description of every row with
    that key, so this keeps every row the history matcher could use while reading a handful
    instead of the household's whole history on each create.
    """
    if len(items) > SMALL_BATCH:
        return None
    words = set()
    for item in items:
        for text in (item.get("payee") or "", item.get("description") or ""):
            key = merchant_key(str(text))
            if key:
                words.add(key.split()[0])
    if not words:
        return Q(pk__in=[])
    query = Q()
    for word in sorted(words):
        query |= Q(payee__icontains=word) | Q(description__icontains=word)
    return query


def history_for(household: Household, *, exclude: Sequence[uuid.UUID] = (), narrow: Q | None = None) -> HistoryMatcher:
    """The household's categorized income and expense transactions, oldest first, as a history matcher."""
    rows = (
        Transaction.objects.filter(narrow or Q(), household=household, category__isnull=False)
        .exclude(type=TransactionType.TRANSFER)
        .exclude(pk__in=list(exclude))
        .order_by("-date", "-created_at")
        .values_list("category_id", "payee", "description")[:HISTORY_LIMIT]
    )
    records = [HistoryRecord(str(cid), payee or "", description or "") for cid, payee, description in rows]
    return HistoryMatcher.from_records(reversed(records))


def categorize_for(
    household: Household,
    items: Sequence[Mapping[str, Any]],
    *,
    exclude: Sequence[uuid.UUID] = (),
    detail: bool = True,
) -> list[Suggestion]:
    """One :class:`Suggestion` per item: the household's active rules → history → model → none.

    An item holds ``type`` (income/expense), ``amount`` (positive, as stored), ``date``,
    ``payee``, ``description``, ``notes`` and ``account`` (its name). Only categories of the
    item's type are suggested. ``exclude`` leaves transactions out of the history (those being
    reviewed). A model file that is missing or unreadable skips the model step.

    ``detail=False`` leaves out the explanation and the alternatives, for an import's
    100k rows that keep only the category, its source and confidence, and the review flag
    (those are the same either way).
    """
    if not items:
        return []
    categorizer = Categorizer.prepare(household, items, exclude=exclude)
    records = categorizer.records(items)
    outcomes = categorizer.run_rules(records)
    return categorizer.suggest(items, records, outcomes, detail=detail)


@dataclass
class Categorizer:
    """What :func:`categorize_for` reads once for a batch, to suggest for its items in any number of parts.

    An import prepares it, runs the rules over all its rows (their time budget is the batch's, and a rule it
    exhausts counts for none of them), and then asks for the suggestions of its rows part by part while the
    rows already suggested are being written: each item's suggestion depends on nothing else of its part.
    """

    household: Household
    threshold: float
    type_of: dict[str, str]
    name_of: dict[str, str]
    by_name: dict[tuple[str, str], uuid.UUID]
    rule_names: dict[str, str]
    rules: list[CompiledRule]
    history: HistoryMatcher
    model: CategorizerModel | None
    label_map: Any
    directory: DirectoryView | None = None
    # Default category → the household's, for the brand's own suggestion (a household without a model of its own).
    category_map: Any = None

    @classmethod
    def prepare(
        cls, household: Household, items: Sequence[Mapping[str, Any]], *, exclude: Sequence[uuid.UUID] = ()
    ) -> Categorizer:
        """Everything the batch ``items`` needs from the database (a few items read only the history they can
        match)."""
        categories = list(Category.objects.filter(household=household).values_list("id", "name", "type"))
        by_name: dict[tuple[str, str], uuid.UUID] = {}
        for cid, name, kind in categories:
            by_name.setdefault((kind, name), cid)
        stored_rules = list(Rule.objects.filter(household=household, is_active=True))
        model, is_base = model_for(household)
        names = sorted({name for _cid, name, _kind in categories})
        directory = directory_for(household)
        return cls(
            household=household,
            threshold=float(settings.CATEGORIZATION_AUTO_THRESHOLD),
            type_of={str(cid): kind for cid, _name, kind in categories},
            name_of={str(cid): name for cid, name, _kind in categories},
            by_name=by_name,
            rule_names={str(rule.pk): rule.name for rule in stored_rules},
            rules=parsed_rules(stored_rules),
            history=history_for(household, exclude=exclude, narrow=_narrowing(items)),
            model=model,
            label_map=label_resolver(names) if model is not None and is_base else None,
            directory=directory,
            category_map=category_resolver(names) if directory is not None and (model is None or is_base) else None,
        )

    def records(self, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The items as the pipeline reads them: amounts signed, an account name."""
        return [
            {**item, "amount": _signed(str(item.get("type")), item.get("amount")), "account": item.get("account") or ""}
            for item in items
        ]

    def run_rules(self, records: Sequence[Mapping[str, Any]]) -> list[RuleOutcome]:
        """The rules' outcomes for the whole batch, within its time budget; a rule it exhausts is turned off."""
        budget = rules_budget(len(records))
        outcomes = pipeline.rule_outcomes(records, rules=self.rules, budget=budget)
        rules_exhausted(household=self.household, budget=budget)
        return outcomes

    def suggest(
        self,
        items: Sequence[Mapping[str, Any]],
        records: Sequence[Mapping[str, Any]],
        outcomes: Sequence[RuleOutcome],
        *,
        detail: bool = True,
    ) -> list[Suggestion]:
        """The suggestions of ``items`` (or a part of the batch), given their records and rule outcomes."""
        threshold = self.threshold
        raw = pipeline.categorize_many(
            records,
            rules=self.rules,
            history=self.history,
            model=self.model,
            label_map=self.label_map,
            threshold=threshold,
            explain=detail,
            outcomes=outcomes,
            directory=self.directory,
            category_map=self.category_map,
            country_name=country_name,
        )
        type_of, name_of, by_name, rule_names = self.type_of, self.name_of, self.by_name, self.rule_names
        ids = {key: uuid.UUID(key) for key in type_of}
        decimals: dict[float, Decimal] = {}  # a batch's confidences repeat: each is turned into a Decimal once
        review_below = Decimal(str(threshold))

        def to_id(category: str | None, kind: str) -> uuid.UUID | None:
            """History and rules give category ids; the model gives names."""
            if category is None:
                return None
            if category in type_of:
                return ids[category] if type_of[category] == kind else None
            return by_name.get((kind, category))

        def as_decimal(confidence: float) -> Decimal:
            value = decimals.get(confidence)
            if value is None:
                value = decimals[confidence] = Decimal(str(round(confidence, 4)))
            return value

        found = []
        for item, suggestion in zip(items, raw, strict=True):
            kind = str(item.get("type"))
            outcome = suggestion.rules
            category_id = to_id(suggestion.category, kind)
            alternatives = []
            top: Alternative | None = None
            if detail or category_id is None:  # without detail, only a stand-in for a category of the other type
                seen = {category_id}
                for prediction in suggestion.alternatives:
                    alt = to_id(prediction.category, kind)
                    if alt is not None and alt not in seen:
                        seen.add(alt)
                        alternatives.append(
                            Alternative(alt, as_decimal(prediction.confidence), "; ".join(prediction.explanation))
                        )
                        if not detail:
                            break
            if category_id is None:
                source, confidence, rule_id = "", None, None
                top = alternatives[0] if alternatives else None
            else:
                source = suggestion.source.value
                confidence = as_decimal(suggestion.confidence)
                rule_id = (
                    uuid.UUID(outcome.category_rule) if source == "rule" and outcome and outcome.category_rule else None
                )
            explanation = "; ".join(suggestion.explanation) if category_id is not None and detail else ""
            if explanation and source == "history":
                # History counts category ids; the person reads names.
                explanation = explanation.replace(str(category_id), name_of[str(category_id)])
            if explanation and rule_id is not None and str(rule_id) in rule_names:
                # Rules are named by their ids in the pipeline; people know them by name.
                explanation = explanation.replace(str(rule_id), f"“{rule_names[str(rule_id)]}”")
            if category_id is None and top is not None:
                # The top guess was for a category of the other type: the next one stands in.
                category_id, confidence, source, explanation = top.category_id, top.confidence, "model", top.explanation
                alternatives = alternatives[1:]
            needs_review = category_id is None or confidence is None or confidence < review_below
            found.append(
                Suggestion(
                    category_id=category_id,
                    source=source,
                    confidence=confidence,
                    needs_review=needs_review,
                    rule_id=rule_id,
                    explanation=explanation,
                    alternatives=tuple(alternatives[:3]),
                    payee=outcome.payee if outcome is not None else None,
                    tags=tuple(outcome.tags) if outcome is not None else (),
                    reviewed=bool(outcome and outcome.reviewed),
                    excluded=bool(outcome and outcome.excluded),
                )
            )
        return found


def categorized(household: Household, data: TransactionInput) -> TransactionInput:
    """A new transaction the caller gave no category, as the categorizer shapes it before it is written
    (``finance.ledger.extensions.suggest_categorization``).

    An auto-applied suggestion sets the category; a weaker one leaves it empty and marks the
    transaction ``needs_review`` (the review queue shows the suggestions). Rule actions (renamed
    payee, tags, excluded) apply too.
    """
    given = data.given()
    account = given.get("account")
    item = {
        "type": given.get("type"),
        "amount": given.get("amount") if isinstance(given.get("amount"), Decimal) else None,
        "date": given.get("date"),
        "payee": given.get("payee") or "",
        "description": given.get("description") or "",
        "notes": given.get("notes") or "",
        "account": account.name if account is not None else "",
    }
    suggestion = categorize_for(household, [item])[0]
    added: dict[str, Any] = {}
    if suggestion.payee is not None:
        added["payee"] = suggestion.payee
    if suggestion.tags:
        added["tags"] = with_rule_tags(list(given.get("tags") or []), suggestion.tags)
    if suggestion.excluded:
        added["is_excluded"] = True
    if suggestion.auto_apply and suggestion.category_id is not None:
        added["category"] = Category.objects.get(pk=suggestion.category_id)
    added["categorization"] = Categorization(
        source=suggestion.source,
        confidence=suggestion.confidence,
        rule=suggestion.rule_id,
        needs_review=suggestion.needs_review and not suggestion.reviewed,
    )
    return data.with_values(**added)


# ---------------------------------------------------------------------------
# The household's own model (CAT-4)

MIN_TRAINING_EXAMPLES = 10
CORRECTIONS_KEY = "categorization:corrections:{}"


def train_household_model(*, household: Household) -> CategorizerModel | None:
    """Train the household's model on its categorized incomes and expenses and save it.

    Returns ``None`` (and writes nothing) with fewer than ``MIN_TRAINING_EXAMPLES`` examples or
    fewer than two categories. The file is replaced atomically; the next categorization uses it.
    """
    rows = (
        Transaction.objects.filter(household=household, category__isnull=False)
        .exclude(type=TransactionType.TRANSFER)
        .order_by("-date", "-created_at")
        .values_list("type", "amount", "date", "payee", "description", "category__name")[:HISTORY_LIMIT]
    )
    examples = [
        Example(description or "", payee or "", _signed(kind, amount), on, category=name)
        for kind, amount, on, payee, description, name in rows
    ]
    if len(examples) < MIN_TRAINING_EXAMPLES or len({e.category for e in examples}) < 2:
        return None
    model = train(examples, version=f"household-{household.pk}", directory=directory_for(household))
    path = household_model_path(household.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".joblib.tmp")
    model.save(partial)
    partial.replace(path)
    return model


def correction_recorded(*, household_id: uuid.UUID) -> bool:
    """Count a person's category correction; every ``CATEGORIZATION_RETRAIN_AFTER``-th schedules retraining.

    Returns whether retraining was scheduled (after the current database transaction commits).
    """
    from django.core.cache import cache

    from finance.categorization import tasks

    key = CORRECTIONS_KEY.format(household_id)
    cache.add(key, 0, timeout=None)
    count = cache.incr(key)
    if count < int(settings.CATEGORIZATION_RETRAIN_AFTER):
        return False
    cache.set(key, 0, timeout=None)
    transaction.on_commit(lambda: tasks.retrain_household_model.delay(str(household_id)))
    return True


# ---------------------------------------------------------------------------
# The review queue


@dataclass(frozen=True, slots=True)
class ReviewChoice:
    """One suggested category for a transaction in the review queue, and why."""

    category_id: uuid.UUID
    confidence: Decimal | None
    source: str
    explanation: str


def review_item(txn: Transaction) -> dict[str, Any]:
    """A stored transaction as :func:`categorize_for` reads it."""
    return {
        "type": txn.type,
        "amount": txn.amount,
        "date": txn.date,
        "payee": txn.payee,
        "description": txn.description,
        "notes": txn.notes,
        "account": txn.account.name,
    }


def review_choices(suggestion: Suggestion) -> list[ReviewChoice]:
    """The suggestion and its alternatives: at most three, best first."""
    found = []
    if suggestion.category_id is not None:
        found.append(
            ReviewChoice(suggestion.category_id, suggestion.confidence, suggestion.source, suggestion.explanation)
        )
    found.extend(
        ReviewChoice(alt.category_id, alt.confidence, "model", alt.explanation) for alt in suggestion.alternatives
    )
    return found[:3]


def review_suggestions(household: Household, txns: Sequence[Transaction]) -> list[list[ReviewChoice]]:
    """The top three categories for each transaction under review (recomputed now), in one pipeline run."""
    suggestions = categorize_for(household, [review_item(t) for t in txns], exclude=[t.pk for t in txns])
    return [review_choices(s) for s in suggestions]


@transaction.atomic
def review_resolve(*, txn: Transaction, actor: User | None, category: Category | None = None) -> Transaction:
    """Settle a transaction under review: ``category`` (the person's choice) or else the top suggestion.

    The category becomes the person's (source ``user``) and ``needs_review`` is cleared, even when
    the category was already the one set. Counts as a correction for retraining.
    """
    require_role(household=txn.household, actor=actor, roles=WRITE_ROLES)
    if category is None:
        choices = review_suggestions(txn.household, [txn])[0]
        if not choices:
            raise FieldError(
                "category", "There is no suggestion to accept; choose a category.", code=ErrorCode.NO_SUGGESTION
            )
        category = Category.objects.get(household=txn.household, pk=choices[0].category_id)
    confirmed = category == txn.category
    updated = ledger.transaction_update(
        txn=txn,
        actor=actor,
        changes=TransactionInput(
            category=category,
            categorization=Categorization(
                source=CategorizationSource.USER, confidence=Decimal(1), rule=None, needs_review=False
            ),
        ),
    )
    if confirmed:  # a changed category was counted by transaction_update already
        correction_recorded(household_id=txn.household_id)
    return updated
