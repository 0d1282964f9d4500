"""Reading amounts and dates as banks write them.

Detection looks at a whole column once (:func:`infer_decimal_separator`,
:func:`infer_date_format`) and returns a parser configured for it
(:func:`amount_parser`, :func:`date_parser`), so parsing each cell is a few
string operations and no regular-expression compilation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from finance.imports.reading.errors import MappingError


class InvalidValue(ValueError):
    """A cell that is not a valid amount or date."""


AmountParser = Callable[[str], Decimal]
DateParser = Callable[[str], dt.date]

# ---------------------------------------------------------------------------
# Amounts

_CURRENCY_SYMBOLS = "$€£¥₩₹₽₺₪₫฿₱₴₦₲₡₵₸"
_SPACES = " \u00a0\u202f\u2009\t"
_APOSTROPHES = "'\u2019\u00b4`"
_DIGITS = frozenset("0123456789")
_MINUS_SIGNS = "-\u2212\u2013"
_LEADING_CODE_RE = re.compile(r"^[^\W\d_]{1,4}\.?(?=[\s(+\-\u2212$€£¥])")
_TRAILING_CODE_RE = re.compile(r"(?<=[\s\d.,)])[^\W\d_]{1,4}\.?$")
_NUMBER_CORE_RE = re.compile(r"^(?:(?:\d+|\d{1,3}(?:[.,]\d{3})+)(?:[.,]\d+)?|[.,]\d+)$")
_GROUPED_3_RE = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def _strip_currency(text: str) -> tuple[str, bool | None]:
    """Remove currency symbols/codes and credit/debit suffixes; the bool is a CR/DR sign hint."""
    hint: bool | None = None
    upper = text.upper()
    if upper.endswith(("CR", "DR")) and len(text) > 2 and not text[-3].isalpha():
        hint = upper.endswith("DR")
        text = text[:-2]
    text = text.strip(_SPACES + _CURRENCY_SYMBOLS)
    if text and (text[0].isalpha() or text[-1].isalpha()):
        # ISO codes or short words around the number: "EUR 12,50", "12.50 CHF", "kr 10", "SFr. 3"
        text = _TRAILING_CODE_RE.sub("", _LEADING_CODE_RE.sub("", text)).strip(_SPACES + _CURRENCY_SYMBOLS)
    return text, hint


def _split_sign(text: str) -> tuple[str, bool]:
    """Remove sign markers: leading/trailing minus or plus, accounting parentheses."""
    negative = False
    text = text.strip(_SPACES)
    if text.startswith("(") and text.endswith(")"):
        negative = True
        text = text[1:-1].strip(_SPACES)
    if text and text[0] in _MINUS_SIGNS:
        negative = not negative
        text = text[1:]
    elif text.startswith("+"):
        text = text[1:]
    if text and text[-1] in _MINUS_SIGNS:
        negative = not negative
        text = text[:-1]
    elif text.endswith("+"):
        text = text[:-1]
    return text.strip(_SPACES), negative


def _normalize(text: str) -> tuple[str, bool]:
    """The digits-and-separators core of an amount and whether it is negative."""
    text, negative = _split_sign(text)
    text, hint = _strip_currency(text)
    # A sign may also stand between the currency and the digits: "$-5.00", "- $21.59", "-$76.00".
    text, inner_negative = _split_sign(text)
    negative = negative != inner_negative
    if hint is not None:
        negative = hint
    for char in _SPACES + _APOSTROPHES:
        if char in text:
            text = text.replace(char, "")
    return text, negative


def infer_decimal_separator(values: Iterable[str]) -> str | None:
    """``"."`` or ``","`` as the decimal separator of a column, ``None`` when nothing tells."""
    dot = comma = 0
    for value in values:
        core, _negative = _normalize(value)
        if not core:
            continue
        last_dot, last_comma = core.rfind("."), core.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            if last_dot > last_comma:
                dot += 1
            else:
                comma += 1
        elif last_dot >= 0 or last_comma >= 0:
            if _GROUPED_3_RE.match(core) and core.count(core[last_dot if last_dot >= 0 else last_comma]) >= 1:
                # "1,000" / "1.000": grouping or three decimals; only a repeated separator tells.
                sep = "." if last_dot >= 0 else ","
                if core.count(sep) > 1:
                    if sep == ".":
                        comma += 1
                    else:
                        dot += 1
                continue
            if last_dot >= 0:
                dot += 1
            else:
                comma += 1
    if dot == comma == 0:
        return None
    return "." if dot >= comma else ","


def amount_parser(decimal_separator: str | None = ".") -> AmountParser:
    """A parser for amounts written with ``decimal_separator`` (``None``: decide per value)."""
    if decimal_separator not in (".", ",", None):
        raise ValueError(f"decimal separator must be '.' or ',', not {decimal_separator!r}")

    if decimal_separator is None:
        fast = None
    else:
        group = "," if decimal_separator == "." else "."
        # The common case, "-1.234,56" or "1234.56", without the general normalization.
        fast = re.compile(
            rf"^([+-]?)(\d{{1,3}}(?:{re.escape(group)}\d{{3}})+|\d+)(?:{re.escape(decimal_separator)}(\d+))?$"
        )

    def parse(text: str) -> Decimal:
        if fast is not None and (match := fast.match(text)) is not None:
            sign, whole, fraction = match.groups()
            if len(whole) > 3:
                whole = whole.replace(group, "")
            return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")
        return slow(text)

    def slow(text: str) -> Decimal:
        core, negative = _normalize(text)
        if not core or not _DIGITS.intersection(core) or not _NUMBER_CORE_RE.match(core):
            raise InvalidValue(f"{text!r} is not an amount")
        sep = decimal_separator
        if sep is None:
            last_dot, last_comma = core.rfind("."), core.rfind(",")
            sep = "." if last_dot > last_comma else ","
            if _GROUPED_3_RE.match(core) and (core.count(".") + core.count(",")) >= 1 and last_dot != last_comma:
                sep = "." if "," in core else ","
        group = "," if sep == "." else "."
        if group in core:
            if core.rfind(group) > core.rfind(sep) >= 0 or (sep not in core and not _GROUPED_3_RE.match(core)):
                raise InvalidValue(f"{text!r} is not an amount (decimal separator {sep!r})")
            core = core.replace(group, "")
        if core.count(sep) > 1:
            raise InvalidValue(f"{text!r} is not an amount")
        if sep == ",":
            core = core.replace(",", ".")
        try:
            value = Decimal(core)
        except InvalidOperation:
            raise InvalidValue(f"{text!r} is not an amount") from None
        return -value if negative else value

    return parse


def looks_like_amount(text: str) -> bool:
    core, _negative = _normalize(text)
    return bool(core) and bool(_DIGITS.intersection(core)) and bool(_NUMBER_CORE_RE.match(core))


def decimal_places(text: str) -> int | None:
    """How many digits follow the last separator, ``None`` if there is none."""
    core, _negative = _normalize(text)
    position = max(core.rfind("."), core.rfind(","))
    return None if position < 0 else len(core) - position - 1


# ---------------------------------------------------------------------------
# Dates

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janv", "janvier", "januar", "jän", "ene", "enero", "gen"),
            ("feb", "february", "fev", "févr", "fevr", "février", "februar", "febr"),
            ("mar", "march", "mars", "mär", "märz", "maerz", "marz", "marzo"),
            ("apr", "april", "avr", "avril", "abr", "abril"),
            ("may", "mai", "mayo", "mag"),
            ("jun", "june", "juin", "juni", "junio", "giu"),
            ("jul", "july", "juil", "juillet", "juli", "julio", "lug"),
            ("aug", "august", "août", "aout", "ago", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre", "set"),
            ("oct", "october", "octobre", "okt", "oktober", "octubre", "ott"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "déc", "décembre", "decembre", "dez", "dezember", "dic", "diciembre"),
        ),
        start=1,
    )
    for name in names
}


def expand_year(year: int, digits: int) -> int:
    """Two-digit (and one-digit) years: 69-99 are 1900s, 0-68 are 2000s, as ``strptime``'s ``%y``."""
    if digits >= 3:
        return year
    return 1900 + year if year >= 69 else 2000 + year


@dataclass(frozen=True, slots=True)
class DateFormat:
    """A date layout written as ``strptime`` directives, e.g. ``%d.%m.%Y`` or ``%d %b %Y``.

    Supported directives: ``%d``, ``%m``, ``%Y``, ``%y`` and ``%b``/``%B``
    (month names, English and the common European ones). Day and month may
    have one or two digits. Anything after the date (a time, an OFX time
    zone bracket) is ignored.
    """

    pattern: str

    def compile(self) -> DateParser:
        return _compile_date_format(self.pattern)


_DIRECTIVE_RE = re.compile(r"%([dmYybB])")
_VALID_DIRECTIVE_SETS = ({"d", "m", "Y"}, {"d", "m", "y"}, {"d", "b", "Y"}, {"d", "b", "y"})


def _compile_date_format(pattern: str) -> DateParser:
    parts = _DIRECTIVE_RE.split(pattern)
    order = parts[1::2]
    normalized = ["b" if directive == "B" else directive for directive in order]
    if len(normalized) != 3 or set(normalized) not in _VALID_DIRECTIVE_SETS:
        raise ValueError(f"date format {pattern!r} needs one day, one month and one year directive (%d %m/%b %Y/%y)")
    literals = parts[0::2]
    if any("%" in literal for literal in literals):
        raise ValueError(f"date format {pattern!r} has an unsupported directive")
    # "%Y%m%d": no separators between the directives, so every field has a fixed width.
    compact = all(literal == "" for literal in literals[1:-1])
    regex = ["^"]
    for index, literal in enumerate(literals):
        if literal.strip():
            regex.append(r"\s*".join(re.escape(piece) for piece in literal.split(" ")))
        elif literal:
            regex.append(r"\s+")
        if index < len(order):
            directive = order[index]
            if directive == "Y":
                regex.append(r"(\d{4})")
            elif directive in "bB":
                regex.append(r"([^\W\d_]{3,10})\.?")
            else:
                regex.append(r"(\d{2})" if compact else r"(\d{1,2})")
    regex.append(r"(?=$|[\sT\[+\-:,]|\d{2}:|\d{4,})")
    compiled = re.compile("".join(regex))
    cache: dict[str, dt.date] = {}

    def parse(text: str) -> dt.date:
        # Statements repeat the same dates many times: remember the last few thousand.
        known = cache.get(text)
        if known is not None:
            return known
        value = read(text)
        if len(cache) > 4096:
            cache.clear()
        cache[text] = value
        return value

    def read(text: str) -> dt.date:
        match = compiled.match(text.strip())
        if match is None:
            raise InvalidValue(f"{text!r} does not match the date format {pattern!r}")
        day = month = year = 0
        for directive, value in zip(order, match.groups(), strict=True):
            if directive == "d":
                day = int(value)
            elif directive == "m":
                month = int(value)
            elif directive == "Y":
                year = int(value)
            elif directive == "y":
                year = expand_year(int(value), len(value))
            else:
                name = value.lower()
                month = MONTHS.get(name) or MONTHS.get(name[:3], 0)
                if not month:
                    raise InvalidValue(f"{value!r} in {text!r} is not a month name")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise InvalidValue(f"{text!r} is not a valid date") from None

    return parse


def date_parser(pattern: str) -> DateParser:
    """A fast parser for dates in ``pattern`` (see :class:`DateFormat`)."""
    return _compile_date_format(pattern)


def validate_date_format(pattern: str, field: str = "date_format") -> None:
    try:
        _compile_date_format(pattern)
    except ValueError as exc:
        raise MappingError([{"field": field, "detail": str(exc)}]) from None


@dataclass(frozen=True, slots=True)
class DateGuess:
    """The date format of a column, how sure detection is, and why."""

    pattern: str
    confidence: float
    matched: float
    ambiguous: bool = False
    reason: str = ""


_SHAPE_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?=$|[\sT])")
_SHAPE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?=$|\d{2,}|[\sT\[.])")
_SHAPE_NUMERIC = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{1,4})(?=$|[\sT,])")
_SHAPE_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})([-\s/.])\s*([^\W\d_]{3,10})\.?\2\s*(\d{1,4})(?=$|[\sT,])")
_SHAPE_MONTH_NAME_DAY = re.compile(r"^([^\W\d_]{3,10})\.?\s+(\d{1,2}),?\s+(\d{4})(?=$|[\sT,])")


def _year_directive(year_text: str) -> str:
    return "%Y" if len(year_text) == 4 else "%y"


def infer_date_format(values: Iterable[str], *, prefer_day_first: bool | None = None) -> DateGuess | None:
    """The date format that reads the most values of a column, or ``None`` if few are dates.

    Numeric day/month order is settled by the whole column: any first number
    above 12 means day-first, any second number above 12 means month-first.
    When no value tells, ``prefer_day_first`` decides (callers pass hints such
    as a decimal comma) and the guess is marked ``ambiguous``.
    """
    counts: dict[str, int] = {}
    first_over_12 = second_over_12 = 0
    total = 0
    for value in values:
        text = value.strip()
        if not text:
            continue
        total += 1
        if match := _SHAPE_YMD.match(text):
            if 1 <= int(match.group(3)) <= 12 and 1 <= int(match.group(4)) <= 31:
                sep = match.group(2)
                key = f"%Y{sep}%m{sep}%d"
                counts[key] = counts.get(key, 0) + 1
        elif match := _SHAPE_COMPACT.match(text):
            if 1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(3)) <= 31 and int(match.group(1)) > 1800:
                counts["%Y%m%d"] = counts.get("%Y%m%d", 0) + 1
        elif match := _SHAPE_NUMERIC.match(text):
            first, sep, second, year = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
            if len(year) == 3 or not (1 <= first <= 31 and 1 <= second <= 31):
                continue
            if first > 12 and second > 12:
                continue
            if first > 12:
                first_over_12 += 1
            elif second > 12:
                second_over_12 += 1
            key = f"NUM{sep}{_year_directive(year)}"
            counts[key] = counts.get(key, 0) + 1
        elif match := _SHAPE_DAY_MONTH_NAME.match(text):
            if match.group(3).lower() in MONTHS or match.group(3).lower()[:3] in MONTHS:
                sep = match.group(2)
                key = f"%d{sep}%b{sep}{_year_directive(match.group(4))}"
                counts[key] = counts.get(key, 0) + 1
        elif (match := _SHAPE_MONTH_NAME_DAY.match(text)) and (
            match.group(1).lower() in MONTHS or match.group(1).lower()[:3] in MONTHS
        ):
            key = "%b %d, %Y" if "," in text[: match.end()] else "%b %d %Y"
            counts[key] = counts.get(key, 0) + 1
    if not total or not counts:
        return None
    key, hits = max(counts.items(), key=lambda item: item[1])
    matched = hits / total
    if matched < 0.5:
        return None
    if not key.startswith("NUM"):
        return DateGuess(key, round(0.95 * matched, 2), matched, reason="unambiguous layout")
    sep, year = key[3], key[4:]
    if first_over_12 and second_over_12:
        # Both orders occur: not one date column (or a broken one); read the majority.
        day_first = first_over_12 >= second_over_12
        return DateGuess(
            _numeric_pattern(day_first, sep, year),
            0.3,
            matched,
            ambiguous=True,
            reason="values disagree on day/month order",
        )
    if first_over_12:
        return DateGuess(_numeric_pattern(True, sep, year), round(0.95 * matched, 2), matched, reason="a day above 12")
    if second_over_12:
        return DateGuess(
            _numeric_pattern(False, sep, year), round(0.95 * matched, 2), matched, reason="a day above 12 second"
        )
    day_first = prefer_day_first if prefer_day_first is not None else sep == "."
    return DateGuess(
        _numeric_pattern(day_first, sep, year),
        0.5,
        matched,
        ambiguous=True,
        reason="no day above 12: day/month order guessed",
    )


def _numeric_pattern(day_first: bool, sep: str, year: str) -> str:
    return f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"


# ---------------------------------------------------------------------------
# OFX date-times: YYYYMMDD[HHMMSS[.XXX]][[+-]H[:TZ]]

_OFX_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})")


def parse_ofx_date(text: str) -> dt.date:
    """The calendar date an OFX date-time names, as the bank wrote it.

    The time and the ``[-5:EST]`` zone are ignored on purpose: converting to
    UTC would move late-evening bookings to the next day.
    """
    match = _OFX_DATE_RE.match(text)
    if match is None:
        raise InvalidValue(f"{text!r} is not an OFX date")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidValue(f"{text!r} is not a valid date") from None
