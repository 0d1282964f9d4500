"""The search language over a household's transactions (docs/search.md): a query in, one ``Q`` out.

``compile_query("amazon amount:>100 date:2024 -tag:refund")`` parses the text with a real grammar (``lark``,
LALR) and builds one Django ``Q`` the API's and the web app's transaction lists filter by. A query that cannot
mean anything is refused with :class:`QueryError` (its ``column``, 1-based, and the nearest operator for a
misspelt one); nothing silently matches nothing.

Terms: free words and "quoted phrases" (in payee, description, notes, reference, category or tag names),
``field:value`` and ``field:op:value``, ``-`` before a term or a group for not, ``OR`` between terms (terms side
by side must all hold), parentheses. The operators are in :data:`FIELDS`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import lark
import regex
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from finance.ledger.models import CategorizationSource, Category, Split, TransactionTag, TransactionType

#: Longest query accepted (characters) and most terms in one: a query is parsed per request.
MAX_LENGTH = 500
MAX_TERMS = 30
#: A category named in ``category:`` matches categories this many levels below it too.
CATEGORY_DEPTH = 6

GRAMMAR = r"""
?start: expr?
?expr: and_expr (_OR and_expr)*      -> any_of
?and_expr: unary+                    -> all_of
?unary: NEG unary                    -> negated
      | atom
?atom: "(" expr ")"
     | FIELD OP? value               -> field_term
     | value                         -> word
value: WORD | PHRASE

_OR.3: /OR(?=[\s(]|$)/
NEG.3: /-(?=[^\s-])/
FIELD.2: /[A-Za-z_]+:(?=[^\s)])/
OP.2: /[A-Za-z]+:(?=[^\s)])/
PHRASE: /"[^"]*"/
WORD: /[^\s()"]+/
%ignore /\s+/
"""

_PARSER = lark.Lark(GRAMMAR, parser="lalr", maybe_placeholders=False, propagate_positions=True)


class QueryError(ValueError):
    """A query that cannot mean anything: ``message`` says why, ``column`` (1-based) where."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class _Field:
    build: Callable[..., Q]
    # A short description for the error that lists the operators.
    about: str


def _text(field: str) -> Callable[..., Q]:
    lookups = {None: "icontains", "contains": "icontains", "is": "iexact", "starts": "istartswith", "ends": "iendswith"}

    def build(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
        lookup = lookups.get(op)
        if lookup is None:
            raise QueryError(f"“{field}” takes is, starts, ends or contains, not “{op}”", op_column or column)
        return Q(**{f"{field}__{lookup}": value})

    return build


def _no_op(name: str, op: str | None, column: int) -> None:
    if op is not None:
        raise QueryError(f"“{name}:” takes a value, not an operator “{op}:”", column)


def _category(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("category", op, op_column or column)
    # The category and those below it, by name in any case (the outer queryset holds one household's rows).
    named = Q()
    path = "name__iexact"
    for _level in range(CATEGORY_DEPTH + 1):
        named |= Q(**{path: value})
        path = "parent__" + path
    ids = Category.objects.filter(named).values("pk")
    in_split = Split.objects.filter(transaction_id=OuterRef("pk"), category_id__in=ids)
    return Q(category_id__in=ids) | Q(Exists(in_split))


def _tag(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("tag", op, op_column or column)
    return Q(Exists(TransactionTag.objects.filter(transaction_id=OuterRef("pk"), tag__name__iexact=value)))


def _account(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    lookup = {None: "icontains", "is": "iexact", "contains": "icontains"}.get(op)
    if lookup is None:
        raise QueryError(f"“account” takes is or contains, not “{op}”", op_column or column)
    return Q(**{f"account__name__{lookup}": value}) | Q(**{f"transfer_account__name__{lookup}": value})


def _choice(name: str, field: str, choices: dict[str, Any]) -> Callable[..., Q]:
    def build(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
        _no_op(name, op, column)
        key = value.lower()
        if key not in choices:
            raise QueryError(f"“{name}:” is one of {', '.join(sorted(choices))}{_nearest(key, choices)}", column)
        return Q(**{field: choices[key]})

    return build


_FLAGS = {"pending": "is_pending", "excluded": "is_excluded", "reconciled": "is_reconciled"}


def _is(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("is", op, op_column or column)
    key = value.lower()
    if key == "split":
        return Q(Exists(Split.objects.filter(transaction_id=OuterRef("pk"))))
    if key == "transfer":
        return Q(type=TransactionType.TRANSFER)
    if key not in _FLAGS:
        choices = [*_FLAGS, "split", "transfer"]
        raise QueryError(f"“is:” is one of {', '.join(sorted(choices))}{_nearest(key, choices)}", column)
    return Q(**{_FLAGS[key]: True})


def _has(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("has", op, op_column or column)
    key = value.lower()
    if key == "category":
        return Q(category__isnull=False) | Q(Exists(Split.objects.filter(transaction_id=OuterRef("pk"))))
    if key == "tags":
        return Q(Exists(TransactionTag.objects.filter(transaction_id=OuterRef("pk"))))
    if key in ("notes", "payee", "description", "reference"):
        field = "reference_number" if key == "reference" else key
        return ~Q(**{field: ""})
    choices = ["category", "tags", "notes", "payee", "description", "reference"]
    raise QueryError(f"“has:” is one of {', '.join(choices)}{_nearest(key, choices)}", column)


def _needs(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("needs", op, op_column or column)
    if value.lower() != "review":
        raise QueryError("“needs:” takes review", column)
    return Q(needs_review=True)


def _import(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    _no_op("import", op, op_column or column)
    try:
        return Q(import_batch=uuid.UUID(value))
    except ValueError:
        raise QueryError("“import:” takes the id of an import", column) from None


_COMPARE = regex.compile(r"^(>=|<=|>|<|=)?(.+)$")
_LOOKUPS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte", "=": "exact", None: "exact"}
_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}


def _compared(name: str, value: str, op: str | None, column: int) -> str:
    """``gt:100`` written as ``>100``: the word operators of ``amount:`` and ``date:`` as their signs."""
    if op is None:
        return value
    if op not in _OPS:
        raise QueryError(f"“{name}” takes gt, gte, lt, lte or eq, not “{op}”", column)
    return _OPS[op] + value


def _decimal(text: str, column: int) -> Decimal:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise QueryError(f"“{text}” is not an amount", column) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise QueryError(f"“{text}” is not an amount", column)
    return abs(number)


def _amount(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    """Amounts as the ledger stores them (positive; the type says which way). ``amount:gt:100`` is
    ``amount:>100``; ``50..200`` is inclusive."""
    value = _compared("amount", value, op, op_column or column)
    low, dots, high = value.partition("..")
    if dots:
        return Q(amount__gte=_decimal(low, column), amount__lte=_decimal(high, column))
    match = _COMPARE.match(value)
    assert match is not None
    return Q(**{f"amount__{_LOOKUPS[match.group(1)]}": _decimal(match.group(2), column)})


_LAST = regex.compile(r"^last(\d{1,4})([dwmy])$")
_YEAR = regex.compile(r"^\d{4}$")
_MONTH = regex.compile(r"^(\d{4})-(\d{1,2})$")


def _period(text: str, column: int) -> tuple[dt.date, dt.date]:
    """The first and last day ``text`` names: 2024, 2024-03, 2024-03-01, today, last90d, last6m, last1y."""
    today = timezone.localdate()
    try:
        if text == "today":
            return today, today
        if match := _LAST.match(text):
            n, unit = int(match.group(1)), match.group(2)
            days = {"d": 1, "w": 7}.get(unit)
            if days is not None:
                return today - dt.timedelta(days=n * days - 1), today
            months = n * (12 if unit == "y" else 1)
            year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
            start_day = min(today.day, calendar.monthrange(year, month + 1)[1])
            return dt.date(year, month + 1, start_day) + dt.timedelta(days=1), today
        if _YEAR.match(text):
            return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        if match := _MONTH.match(text):
            year, month = int(match.group(1)), int(match.group(2))
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
        day = dt.date.fromisoformat(text)
        return day, day
    except ValueError:
        pass
    raise QueryError(
        f"“{text}” is not a date: write 2024, 2024-03, 2024-03-01, today or last90d (d, w, m or y)", column
    )


def _date(value: str, op: str | None, column: int, op_column: int = 0) -> Q:
    value = _compared("date", value, op, op_column or column)
    low, dots, high = value.partition("..")
    if dots:
        return Q(date__gte=_period(low, column)[0], date__lte=_period(high, column)[1])
    match = _COMPARE.match(value)
    assert match is not None
    sign, rest = match.group(1), match.group(2)
    first, last = _period(rest, column)
    return {
        None: Q(date__gte=first, date__lte=last),
        "=": Q(date__gte=first, date__lte=last),
        ">": Q(date__gt=last),
        ">=": Q(date__gte=first),
        "<": Q(date__lt=first),
        "<=": Q(date__lte=last),
    }[sign]


_SOURCES = {s.value: s.value for s in CategorizationSource}

FIELDS: dict[str, _Field] = {
    "payee": _Field(_text("payee"), "payee:amazon, payee:is:Amazon"),
    "description": _Field(_text("description"), 'description:"card purchase"'),
    "notes": _Field(_text("notes"), "notes:gift"),
    "reference": _Field(_text("reference_number"), "reference:INV-204"),
    "category": _Field(_category, 'category:Groceries, category:"Dining out" (and its subcategories)'),
    "tag": _Field(_tag, "tag:vacation"),
    "account": _Field(_account, "account:checking, account:is:Checking"),
    "type": _Field(_choice("type", "type", {t.value: t.value for t in TransactionType}), "type:expense"),
    "amount": _Field(_amount, "amount:>100, amount:50..200, amount:gte:100"),
    "date": _Field(_date, "date:2024, date:2024-03, date:>2024-03-01, date:last90d, date:2024-01..2024-06"),
    "is": _Field(_is, "is:pending, is:excluded, is:reconciled, is:split, is:transfer"),
    "has": _Field(_has, "has:tags, has:notes, has:category"),
    "needs": _Field(_needs, "needs:review"),
    "source": _Field(_choice("source", "categorization_source", _SOURCES), "source:rule|model|history|user"),
    "import": _Field(_import, "import:<id of an import>"),
}
ALIASES = {
    "merchant": "payee",
    "desc": "description",
    "note": "notes",
    "ref": "reference",
    "cat": "category",
    "tags": "tag",
    "acct": "account",
    "on": "date",
}


def _nearest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean “{close[0]}”?" if close else ""


def _free(text: str) -> Q:
    """A word or phrase anywhere a person would look: payee, description, notes, reference, category, tag."""
    tags = TransactionTag.objects.filter(transaction_id=OuterRef("pk"), tag__name__icontains=text)
    return (
        Q(payee__icontains=text)
        | Q(description__icontains=text)
        | Q(notes__icontains=text)
        | Q(reference_number__icontains=text)
        | Q(category__name__icontains=text)
        | Q(Exists(tags))
    )


def _value(tree: Any) -> tuple[str, int]:
    token = tree.children[0]
    text = str(token)
    if token.type == "PHRASE":
        text = text[1:-1]
    return text, token.column


class _Compiler:
    def __init__(self) -> None:
        self.terms = 0

    def compile(self, tree: Any) -> Q:
        if isinstance(tree, lark.Token):  # pragma: no cover - the grammar wraps every token
            raise QueryError("Unexpected text", tree.column or 1)
        kind = tree.data
        if kind == "any_of":
            parts = [self.compile(child) for child in tree.children]
            result = parts[0]
            for part in parts[1:]:
                result |= part
            return result
        if kind == "all_of":
            result = Q()
            for child in tree.children:
                result &= self.compile(child)
            return result
        if kind == "negated":
            return ~self.compile(tree.children[1])
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"A query has at most {MAX_TERMS} terms", tree.meta.column)
        if kind == "word":
            text, column = _value(tree.children[0])
            if not text.strip():
                raise QueryError("An empty phrase matches nothing", column)
            if tree.children[0].children[0].type == "WORD" and text == "OR":
                raise QueryError('“OR” needs a term on each side (search for the word itself as "OR")', column)
            if tree.children[0].children[0].type == "WORD" and regex.fullmatch(r"[A-Za-z_]+:+", text):
                name = ALIASES.get(text.rstrip(":").lower(), text.rstrip(":").lower())
                if name in FIELDS:
                    raise QueryError(f"“{name}:” needs a value right after the colon", column)
                raise QueryError(f"Unknown operator “{name}:”{_nearest(name, [*FIELDS, *ALIASES])}", column)
            return _free(text)
        if kind == "field_term":
            return self._field(tree)
        raise QueryError("Unexpected text", tree.meta.column)  # pragma: no cover

    def _field(self, tree: Any) -> Q:
        field_token, *middle, value_tree = tree.children
        name = str(field_token)[:-1].lower()
        column = field_token.column
        name = ALIASES.get(name, name)
        field = FIELDS.get(name)
        if field is None:
            hint = _nearest(name, [*FIELDS, *ALIASES]) or f' (to search for it, quote it: "{name}:…")'
            raise QueryError(f"Unknown operator “{name}:”{hint}", column)
        text, value_column = _value(value_tree)
        op = str(middle[0])[:-1].lower() if middle else None
        if not text:
            raise QueryError(f"“{name}:” needs a value", value_column)
        return field.build(text, op, value_column, middle[0].column if middle else 0)


def compile_query(text: str) -> Q:
    """The ``Q`` of a query; an empty query is ``Q()`` (everything). Raises :class:`QueryError`."""
    if len(text) > MAX_LENGTH:
        raise QueryError(f"A query has at most {MAX_LENGTH} characters", MAX_LENGTH + 1)
    if not text.strip():
        return Q()
    try:
        tree = _PARSER.parse(text)
    except lark.exceptions.UnexpectedEOF:
        raise QueryError(
            "The query ends too soon: a “(” is not closed, or “OR” or “-” has nothing after it", len(text) + 1
        ) from None
    except lark.exceptions.UnexpectedCharacters as exc:
        raise QueryError(f"Unexpected “{text[exc.pos_in_stream or 0]}”", exc.column) from None
    except lark.exceptions.UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            raise QueryError(
                "The query ends too soon: a “(” is not closed, or “OR” or “-” has nothing after it", len(text) + 1
            ) from None
        what = {"RPAR": "“)” without its “(”", "_OR": "“OR” needs a term on each side"}.get(
            token.type, f"“{token}” here"
        )
        raise QueryError(f"Unexpected {what}", token.column) from None
    if isinstance(tree, lark.Token) or (not tree.children and tree.data == "start"):
        return Q()
    return _Compiler().compile(tree)
