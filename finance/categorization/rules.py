"""Categorization rules over plain, dict-like transactions (CAT-1).

A rule has conditions (field, operator, value), a match mode (``all`` or
``any``), a priority, a stop-processing flag and actions. The ledger stores
rules as plain data; :func:`parse_rule` validates that data once, when a rule
is saved, returning field-level errors (``{"conditions[0].value": "invalid
regex: ..."}``) and compiling regular expressions, and :func:`evaluate` runs
compiled rules against one transaction.

Evaluation order: active rules in ascending ``priority`` (ties keep the given
order). Each rule that fires applies its actions in order to a working copy
of the transaction, so a later rule sees an earlier rule's renamed payee and
may set a different category; a rule with ``stop_processing`` ends the run.
User regular expressions are checked when a rule is saved (:mod:`.patterns`: no shape that backtracks
catastrophically, and a probe on hostile text), at most ``MAX_REGEX_CONDITIONS`` a rule, and run with a time
limit (the ``regex`` package's ``timeout``). A run of the rules over many transactions shares one
:class:`Budget`: a rule whose search runs out of time, or that spends most of a budget that runs out, is
*exhausted* (skipped for the rest of the run, counted as "no match", named in :attr:`Budget.exhausted`) and its
caller turns it off. Without a budget a search that runs out counts as "no match" and is reported in
:attr:`RuleOutcome.errors`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar, cast

import regex

from finance.categorization.patterns import slow_pattern

# Time one user regular expression may run against one field value, in seconds.
REGEX_TIMEOUT = 0.05
MAX_PATTERN_LENGTH = 500
#: Longest text a condition compares with (contains, equals, ...) and longest item of a one_of list.
MAX_VALUE_LENGTH = 500
MAX_CONDITIONS = 20
#: Most regular-expression conditions one rule may have (each runs on every new transaction).
MAX_REGEX_CONDITIONS = 5
#: Most items of a one_of list.
MAX_ONE_OF = 100
MAX_ACTIONS = 20


class Field(StrEnum):
    PAYEE = "payee"
    DESCRIPTION = "description"
    NOTES = "notes"
    AMOUNT = "amount"
    ACCOUNT = "account"
    TYPE = "type"
    DAY_OF_MONTH = "day_of_month"


class Operator(StrEnum):
    CONTAINS = "contains"
    EQUALS = "equals"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    REGEX = "regex"
    ONE_OF = "one_of"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"
    BETWEEN = "between"


class MatchMode(StrEnum):
    ALL = "all"
    ANY = "any"


class ActionType(StrEnum):
    SET_CATEGORY = "set_category"
    ADD_TAG = "add_tag"
    SET_PAYEE = "set_payee"
    MARK_REVIEWED = "mark_reviewed"
    EXCLUDE = "exclude"


TEXT_FIELDS = frozenset({Field.PAYEE, Field.DESCRIPTION, Field.NOTES, Field.ACCOUNT, Field.TYPE})
NUMBER_FIELDS = frozenset({Field.AMOUNT, Field.DAY_OF_MONTH})
TEXT_OPERATORS = frozenset(
    {Operator.CONTAINS, Operator.EQUALS, Operator.STARTS_WITH, Operator.ENDS_WITH, Operator.REGEX, Operator.ONE_OF}
)
NUMBER_OPERATORS = frozenset(
    {Operator.EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN, Operator.BETWEEN, Operator.ONE_OF}
)
VALUELESS_ACTIONS = frozenset({ActionType.MARK_REVIEWED, ActionType.EXCLUDE})

E = TypeVar("E", bound=StrEnum)

ConditionValue = str | Decimal | int | tuple[str, ...] | tuple[Decimal, ...] | tuple[int, ...]


class RuleValidationError(ValueError):
    """Rule data that cannot be saved; ``errors`` maps a field path to its message, ``codes`` a field path to
    its code when it is not ``invalid`` (``too_many``, ``slow_pattern``)."""

    def __init__(self, errors: dict[str, str], codes: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.codes = codes or {}


# Codes of RuleValidationError besides "invalid" (the categorization app's ErrorCode has them).
TOO_MANY = "too_many"
SLOW_PATTERN = "slow_pattern"


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on one field. ``value`` is already parsed to the field's type."""

    field: Field
    operator: Operator
    value: ConditionValue
    case_sensitive: bool = False
    pattern: regex.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Action:
    type: ActionType
    value: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule's data validated and compiled by :func:`parse_rule`, as :func:`evaluate` runs it.

    The rules a household stores are :class:`finance.categorization.models.Rule` rows.
    """

    id: str
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    match: MatchMode = MatchMode.ALL
    priority: int = 0
    stop_processing: bool = False
    active: bool = True
    name: str = ""


@dataclass(frozen=True, slots=True)
class RuleError:
    rule_id: str
    message: str


@dataclass(slots=True)
class RuleOutcome:
    """What the rules did to one transaction."""

    category: str | None = None
    payee: str | None = None
    tags: list[str] = field(default_factory=list)
    reviewed: bool = False
    excluded: bool = False
    fired: list[str] = field(default_factory=list)
    applied: list[tuple[str, Action]] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)

    @property
    def category_rule(self) -> str | None:
        """The id of the rule whose category stands, for the explanation shown to the user."""
        for rule_id, action in reversed(self.applied):
            if action.type is ActionType.SET_CATEGORY:
                return rule_id
        return None


# ---------------------------------------------------------------------------
# Validation and parsing (rule save time)


class _Errors(dict[str, str]):
    """Field path → message, and the paths whose code is not ``invalid``."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: dict[str, str] = {}

    def coded(self, path: str, message: str, code: str) -> None:
        self[path] = message
        self.codes[path] = code


def _coded(errors: dict[str, str], path: str, message: str, code: str) -> None:
    if isinstance(errors, _Errors):
        errors.coded(path, message, code)
    else:
        errors[path] = message


def _parse_enum(enum: type[E], raw: Any, path: str, errors: dict[str, str]) -> E | None:
    try:
        return enum(raw)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        errors[path] = f"must be one of: {choices}"
        return None


def _parse_number(field_: Field, raw: Any, path: str, errors: dict[str, str]) -> Decimal | int | None:
    if isinstance(raw, bool) or raw is None or isinstance(raw, list | tuple | dict):
        errors[path] = "must be a number"
        return None
    if field_ is Field.DAY_OF_MONTH:
        try:
            day = int(str(raw))
        except ValueError:
            errors[path] = "must be a whole number from 1 to 31"
            return None
        if not 1 <= day <= 31:
            errors[path] = "must be a whole number from 1 to 31"
            return None
        return day
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        errors[path] = "must be a number"
        return None
    if not amount.is_finite():
        errors[path] = "must be a finite number"
        return None
    return amount


def _parse_text(raw: Any, path: str, errors: dict[str, str], *, longest: int | None = MAX_VALUE_LENGTH) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        errors[path] = "must be non-empty text"
        return None
    if longest is not None and len(raw) > longest:
        errors[path] = f"must be at most {longest} characters"
        return None
    return raw


def _compile_regex(
    raw: str, case_sensitive: bool, path: str, errors: dict[str, str], *, strict: bool
) -> regex.Pattern[str] | None:
    if len(raw) > MAX_PATTERN_LENGTH:
        errors[path] = f"invalid regex: longer than {MAX_PATTERN_LENGTH} characters"
        return None
    flags = regex.VERSION1 if case_sensitive else regex.VERSION1 | regex.IGNORECASE
    try:
        compiled = regex.compile(raw, flags)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        errors[path] = f"invalid regex: {exc}"
        return None
    if strict:
        reason = slow_pattern(raw, ignore_case=not case_sensitive)
        if reason is not None:
            _coded(errors, path, f"too slow: {reason}", SLOW_PATTERN)
            return None
    return compiled


def _parse_condition(raw: Any, path: str, errors: dict[str, str], *, strict: bool = True) -> Condition | None:
    if not isinstance(raw, Mapping):
        errors[path] = "must be an object with field, operator and value"
        return None
    before = len(errors)
    field_ = _parse_enum(Field, raw.get("field"), f"{path}.field", errors)
    operator = _parse_enum(Operator, raw.get("operator"), f"{path}.operator", errors)
    case_sensitive = bool(raw.get("case_sensitive", False))
    if field_ is None or operator is None:
        return None
    allowed = NUMBER_OPERATORS if field_ in NUMBER_FIELDS else TEXT_OPERATORS
    if operator not in allowed:
        names = ", ".join(sorted(op.value for op in allowed))
        errors[f"{path}.operator"] = f"{operator.value!r} does not apply to {field_.value}; use one of: {names}"
        return None
    value_path = f"{path}.value"
    raw_value = raw.get("value")
    value: ConditionValue | None = None
    pattern = None
    if operator is Operator.ONE_OF:
        if not isinstance(raw_value, list | tuple) or not raw_value:
            errors[value_path] = "must be a non-empty list"
            return None
        if strict and len(raw_value) > MAX_ONE_OF:
            _coded(errors, value_path, f"at most {MAX_ONE_OF} items", TOO_MANY)
            return None
        items: list[Any] = []
        for i, item in enumerate(raw_value):
            parsed = (
                _parse_number(field_, item, f"{value_path}[{i}]", errors)
                if field_ in NUMBER_FIELDS
                else _parse_text(item, f"{value_path}[{i}]", errors, longest=MAX_VALUE_LENGTH if strict else None)
            )
            items.append(parsed)
        value = tuple(items)
    elif operator is Operator.BETWEEN:
        if not isinstance(raw_value, list | tuple) or len(raw_value) != 2:
            errors[value_path] = "must be a list of two numbers: [low, high]"
            return None
        low = _parse_number(field_, raw_value[0], f"{value_path}[0]", errors)
        high = _parse_number(field_, raw_value[1], f"{value_path}[1]", errors)
        if low is not None and high is not None:
            if low > high:
                errors[value_path] = "the low end must not be above the high end"
            else:
                value = (low, high)  # type: ignore[assignment]
    elif field_ in NUMBER_FIELDS:
        value = _parse_number(field_, raw_value, value_path, errors)
    else:
        regex_value = operator is Operator.REGEX
        longest = MAX_VALUE_LENGTH if strict and not regex_value else None
        text = _parse_text(raw_value, value_path, errors, longest=longest)
        if text is not None and regex_value:
            pattern = _compile_regex(text, case_sensitive, value_path, errors, strict=strict)
        value = text
    if len(errors) > before or value is None:
        return None
    if isinstance(value, str) and not case_sensitive:
        value = value.casefold()
    elif isinstance(value, tuple) and not case_sensitive:
        value = tuple(v.casefold() if isinstance(v, str) else v for v in value)  # type: ignore[assignment]
    return Condition(field=field_, operator=operator, value=value, case_sensitive=case_sensitive, pattern=pattern)


def _parse_action(raw: Any, path: str, errors: dict[str, str]) -> Action | None:
    if not isinstance(raw, Mapping):
        errors[path] = "must be an object with type and value"
        return None
    action_type = _parse_enum(ActionType, raw.get("type"), f"{path}.type", errors)
    if action_type is None:
        return None
    if action_type in VALUELESS_ACTIONS:
        return Action(type=action_type)
    value = _parse_text(raw.get("value"), f"{path}.value", errors)
    return None if value is None else Action(type=action_type, value=value.strip())


def validate_rule(data: Mapping[str, Any]) -> dict[str, str]:
    """Field-level errors in rule data; empty when it can be saved."""
    try:
        parse_rule(data)
    except RuleValidationError as exc:
        return exc.errors
    return {}


def parse_rule(data: Mapping[str, Any], *, strict: bool = True) -> CompiledRule:
    """Validate rule data and compile it; raises :class:`RuleValidationError`.

    ``data`` holds ``id``, ``conditions`` (list of ``{field, operator, value,
    case_sensitive?}``), ``actions`` (list of ``{type, value?}``) and optionally
    ``match`` (``all``/``any``), ``priority``, ``stop_processing``, ``active``, ``name``.

    ``strict`` (saving a rule) also refuses slow patterns and more than ``MAX_REGEX_CONDITIONS``; a stored
    rule is compiled for a run with ``strict=False`` (checked when it was saved; a rule saved before these
    checks existed is held by the run's :class:`Budget`).
    """
    errors = _Errors()
    match = _parse_enum(MatchMode, data.get("match", MatchMode.ALL.value), "match", errors)
    priority = data.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        errors["priority"] = "must be a whole number"
    raw_conditions = data.get("conditions")
    if not isinstance(raw_conditions, list | tuple) or not raw_conditions:
        errors["conditions"] = "must be a non-empty list"
        raw_conditions = []
    elif len(raw_conditions) > MAX_CONDITIONS:
        errors.coded("conditions", f"at most {MAX_CONDITIONS} conditions", TOO_MANY)
        raw_conditions = []  # refused whole: not worth checking each
    elif strict:
        regexes = sum(1 for c in raw_conditions if isinstance(c, Mapping) and c.get("operator") == Operator.REGEX)
        if regexes > MAX_REGEX_CONDITIONS:
            errors.coded("conditions", f"at most {MAX_REGEX_CONDITIONS} regex conditions", TOO_MANY)
            raw_conditions = []
    raw_actions = data.get("actions")
    if not isinstance(raw_actions, list | tuple) or not raw_actions:
        errors["actions"] = "must be a non-empty list"
        raw_actions = []
    elif len(raw_actions) > MAX_ACTIONS:
        errors.coded("actions", f"at most {MAX_ACTIONS} actions", TOO_MANY)
        raw_actions = []
    conditions = [_parse_condition(c, f"conditions[{i}]", errors, strict=strict) for i, c in enumerate(raw_conditions)]
    actions = [_parse_action(a, f"actions[{i}]", errors) for i, a in enumerate(raw_actions)]
    if errors:
        raise RuleValidationError(dict(errors), dict(errors.codes))
    assert match is not None
    return CompiledRule(
        id=str(data.get("id", "")),
        name=str(data.get("name", "")),
        conditions=tuple(c for c in conditions if c is not None),
        actions=tuple(a for a in actions if a is not None),
        match=match,
        priority=int(priority),
        stop_processing=bool(data.get("stop_processing", False)),
        active=bool(data.get("active", True)),
    )


# ---------------------------------------------------------------------------
# Evaluation


class _RegexTimeout(Exception):
    pass


class Exhausted(StrEnum):
    """Why a rule stopped running in a :class:`Budget` (and was turned off)."""

    #: One of its regular expressions ran out of ``REGEX_TIMEOUT`` on one transaction.
    SLOW_CONDITION = "slow_condition"
    #: The run's budget ran out, and this rule had spent the most of it.
    TIME_BUDGET = "time_budget"


class Budget:
    """The time the rules of one run (a new transaction, an edit, a review page, an import's analysis, a rule
    applied to existing transactions) may spend in regular expressions, in seconds.

    Each search may take at most ``REGEX_TIMEOUT`` and at most what is left. A rule whose search runs out of
    either is *exhausted*: skipped for the rest of the run (counted as "no match") and listed in
    :attr:`exhausted` with why, for the caller to turn it off. When what is left runs out, the rule that has
    spent the most is exhausted and what it spent is given back, so one slow rule does not take the others with
    it. ``clock`` is what time is measured with; :attr:`searches` counts the searches run.
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.seconds = seconds
        self.left = seconds
        self.clock = clock
        self.spent: dict[str, float] = {}  # what each running rule spent (given back when it is exhausted)
        self.charged: dict[str, float] = {}  # what each rule spent in all
        self.exhausted: dict[str, Exhausted] = {}
        self.searches = 0

    def spent_by(self, rule_id: str) -> float:
        """All the time ``rule_id`` spent in this run, in seconds."""
        return self.charged.get(rule_id, 0.0)

    def search(self, rule_id: str, pattern: regex.Pattern[str], text: str) -> bool:
        """Whether ``pattern`` is found in ``text``; raises :class:`_RuleExhausted` when ``rule_id`` is out."""
        if rule_id in self.exhausted:
            raise _RuleExhausted
        while self.left <= 0:
            self._exhaust_costliest(rule_id)
        self.searches += 1
        timeout = min(REGEX_TIMEOUT, self.left)
        started = self.clock()
        try:
            found = pattern.search(text, timeout=timeout) is not None
        except TimeoutError:
            self._charge(rule_id, self.clock() - started)
            if timeout >= REGEX_TIMEOUT:  # slow on this one transaction, whatever the budget
                self._exhaust(rule_id, Exhausted.SLOW_CONDITION)
                raise _RuleExhausted from None
            # The budget ran out during this search: the costliest rule goes (this one, or it searches again).
            self.left = min(self.left, 0.0)
            return self.search(rule_id, pattern, text)
        self._charge(rule_id, self.clock() - started)
        return found

    def _charge(self, rule_id: str, seconds: float) -> None:
        self.left -= seconds
        self.spent[rule_id] = self.spent.get(rule_id, 0.0) + seconds
        self.charged[rule_id] = self.charged.get(rule_id, 0.0) + seconds

    def _exhaust(self, rule_id: str, why: Exhausted) -> None:
        self.exhausted[rule_id] = why
        self.left += self.spent.pop(rule_id, 0.0)

    def _exhaust_costliest(self, rule_id: str) -> None:
        """Nothing is left: exhaust the running rule that spent the most, giving its time back; raise when
        that is ``rule_id`` (the one about to search). Called until something is left, it ends there."""
        running = {rid: spent for rid, spent in self.spent.items() if rid not in self.exhausted}
        running.setdefault(rule_id, 0.0)
        costliest = max(running, key=running.__getitem__)
        self._exhaust(costliest, Exhausted.TIME_BUDGET)
        if costliest == rule_id:
            raise _RuleExhausted


class _RuleExhausted(Exception):
    pass


def _text_of(txn: Mapping[str, Any], field_: Field) -> str | None:
    value = txn.get(field_.value)
    if value is None:
        return None
    return str(value)


def _number_of(txn: Mapping[str, Any], field_: Field) -> Decimal | int | None:
    if field_ is Field.DAY_OF_MONTH:
        when = txn.get("date")
        if isinstance(when, dt.date):
            return when.day
        if isinstance(when, str):
            try:
                return dt.date.fromisoformat(when[:10]).day
            except ValueError:
                return None
        return None
    raw = txn.get(field_.value)
    if raw is None or isinstance(raw, bool):
        return None
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _matches(condition: Condition, txn: Mapping[str, Any], search: Callable[[regex.Pattern[str], str], bool]) -> bool:
    op = condition.operator
    if condition.field in NUMBER_FIELDS:
        number = _number_of(txn, condition.field)
        if number is None:
            return False
        if op is Operator.BETWEEN:
            low, high = cast(tuple[Decimal | int, Decimal | int], condition.value)
            return bool(low <= number <= high)
        if op is Operator.ONE_OF:
            return number in cast(tuple[Decimal | int, ...], condition.value)
        bound = cast(Decimal | int, condition.value)
        if op is Operator.GREATER_THAN:
            return number > bound
        if op is Operator.LESS_THAN:
            return number < bound
        return number == bound
    text = _text_of(txn, condition.field)
    if text is None:
        return False
    if op is Operator.REGEX:
        assert condition.pattern is not None
        return search(condition.pattern, text)
    if not condition.case_sensitive:
        text = text.casefold()
    text = text.strip()
    if op is Operator.ONE_OF:
        return text in cast(tuple[str, ...], condition.value)
    value = cast(str, condition.value)
    if op is Operator.CONTAINS:
        return value in text
    if op is Operator.STARTS_WITH:
        return text.startswith(value)
    if op is Operator.ENDS_WITH:
        return text.endswith(value)
    return text == value


def _rule_fires(
    rule: CompiledRule, txn: Mapping[str, Any], timeout: float, errors: list[RuleError], budget: Budget | None
) -> bool:
    def search(pattern: regex.Pattern[str], text: str) -> bool:
        if budget is not None:
            return budget.search(rule.id, pattern, text)
        try:
            return pattern.search(text, timeout=timeout) is not None
        except TimeoutError as exc:
            raise _RegexTimeout from exc

    results = []
    for index, condition in enumerate(rule.conditions):
        try:
            matched = _matches(condition, txn, search)
        except _RegexTimeout:
            errors.append(RuleError(rule.id, f"conditions[{index}]: regex timed out after {timeout}s"))
            matched = False
        except _RuleExhausted:
            assert budget is not None
            why = budget.exhausted.get(rule.id, Exhausted.TIME_BUDGET)
            errors.append(RuleError(rule.id, f"conditions[{index}]: stopped ({why.value})"))
            return False
        if rule.match is MatchMode.ANY and matched:
            return True
        if rule.match is MatchMode.ALL and not matched:
            return False
        results.append(matched)
    return rule.match is MatchMode.ALL and all(results)


def ordered(rules: Iterable[CompiledRule]) -> list[CompiledRule]:
    """Active rules in the order they run: ascending priority, ties in the given order."""
    return sorted((r for r in rules if r.active), key=lambda r: r.priority)


def evaluate(
    rules: Sequence[CompiledRule],
    txn: Mapping[str, Any],
    *,
    regex_timeout: float = REGEX_TIMEOUT,
    budget: Budget | None = None,
) -> RuleOutcome:
    """Run ``rules`` against one transaction (a mapping with ``payee``, ``description``,
    ``notes``, ``amount``, ``account``, ``type``, ``date``); the input is not modified.

    With a ``budget`` (shared by every transaction of one run) its searches are timed against it and a rule it
    exhausted is skipped; without one each search has ``regex_timeout``."""
    working = dict(txn)
    outcome = RuleOutcome()
    for rule in ordered(rules):
        if budget is not None and rule.id in budget.exhausted:
            continue
        if not _rule_fires(rule, working, regex_timeout, outcome.errors, budget):
            continue
        outcome.fired.append(rule.id)
        for action in rule.actions:
            outcome.applied.append((rule.id, action))
            if action.type is ActionType.SET_CATEGORY:
                outcome.category = action.value
            elif action.type is ActionType.ADD_TAG:
                assert action.value is not None
                if action.value not in outcome.tags:
                    outcome.tags.append(action.value)
            elif action.type is ActionType.SET_PAYEE:
                outcome.payee = action.value
                working["payee"] = action.value
            elif action.type is ActionType.MARK_REVIEWED:
                outcome.reviewed = True
            elif action.type is ActionType.EXCLUDE:
                outcome.excluded = True
        if rule.stop_processing:
            break
    return outcome
