"""Payee and description normalization: bank text in, a stable merchant key out.

Bank descriptions wrap the merchant in noise that changes from one
transaction to the next: the card processor ("SQ *", "TST*", "PAYPAL *"), the
kind of transaction ("POS Purchase", "Withdrawal from", "Magtape Debit"),
store numbers, references, the amount, the date and time, and the city and
state. Two functions strip it:

* :func:`clean_text` keeps every word that could tell a category (including
  "pos purchase" or "rent pmt") and drops only what varies per transaction;
  the learned model reads this.
* :func:`merchant_key` goes further and keeps the merchant alone
  ("kroger", "netflix.com", "4th avenue coffee"); the history matcher and the
  evaluation's group split use it, so it must be stable across the variants
  of one merchant.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"

# Order matters: dates and times before bare numbers, amounts before digit runs.
# Each pattern comes with what a text must hold for it to match: whether a digit, and one of some literal pieces
# (empty: none needed). Removing noise only puts spaces where text was, so a piece missing from a text is missing
# after every substitution too: skipping the pattern then changes nothing, and most texts need three of eleven.
_NOISE: tuple[tuple[regex.Pattern[str], bool, tuple[str, ...]], ...] = tuple(
    (regex.compile(p), digit, pieces)
    for p, digit, pieces in (
        (r"\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?)?\b", True, ("-",)),  # 2023-10-10, 2023-10-10T00:00:00
        (r"\b\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?/?", True, ("/", ".")),  # 10/11, 10/11/2023, 10/11/
        (r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?\b", True, (":",)),  # 12:34, 9:05 pm
        (rf"\b\d{{1,2}}\s*{_MONTHS}\b(?:\s*\d{{2,4}}\b)?", True, ()),  # 09 Nov, 9 november 2023
        (rf"\b{_MONTHS}\s*\d{{1,2}}\b(?:,?\s*\d{{4}}\b)?", True, ()),  # Nov 09, Nov 9, 2023
        (r"\(\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s*\)", False, ("(",)),  # ( NOV)
        (r"(?<![\w.])[-+]?\$?\d[\d ,]*[.,]\d{2}\b", True, (".", ",")),  # amounts: 14.99, 1 300.00, $5.00
        (r"#\s*\w*\d\w*", True, ("#",)),  # store and item numbers: #1234, # 53, #A12
        (r"\bcard\s+no\b\.?[\s*x\d]*", False, ("card",)),  # "CARD NO. 1234" (masked card numbers)
        (r"\b(?:x{2,}|\*{2,})\d+\b", True, ("xx", "**")),  # masked numbers: xxxx1234, ****1234
        (r"\(\s*\d*\s*\)", False, ("(",)),  # "(53)", "( )"
    )
)
_NOISE_PATTERNS: tuple[regex.Pattern[str], ...] = tuple(pattern for pattern, _digit, _pieces in _NOISE)
_DIGIT = regex.compile(r"\d")
# A token that carries a reference rather than a word: 3+ digits anywhere in it
# ("8147", "t-5627", "dcre603971", "hayward94541"), or letters and digits
# mixed in a long run ("hawmz79txr").
_REFERENCE_TOKEN = regex.compile(r"^(?=(?:\D*\d){3})\S+$|^(?=\S*\d)(?=\S*[a-z])[a-z0-9]{8,}$")
_TOKEN = regex.compile(r"[a-z0-9][a-z0-9&'.\-/]*[a-z0-9]|[a-z0-9]")

# Card processors and wallets that put their own name before the merchant's.
_PROCESSORS = frozenset(
    {
        "sq",
        "sqr",
        "tst",
        "toast",
        "pp",
        "paypal",
        "pypl",
        "yoco",
        "zapper",
        "zapper1",
        "payfast",
        "payd",
        "ikh",
        "snapscan",
        "clv",
        "sp",
        "dd",
        "doordash",
        "gglpay",
        "google",
        "apl",
        "applepay",
        "pos",
        "c",
        "ec",
        "in",
        "wpy",
        "stripe",
        "ppd",
    }
)

# Words that say what kind of transaction it is, seen at the start of the text.
# Longest first, stripped repeatedly ("debit pos purchase ...").
_LEADING_PHRASES: tuple[str, ...] = tuple(
    sorted(
        (
            "debit",
            "credit",
            "pos purchase (effec )",
            "pos purchase effec",
            "pos purchase",
            "pos debit",
            "pos",
            "purchase",
            "purchase authorized on",
            "card purchase",
            "debit card purchase",
            "checkcard",
            "check card",
            "visa purchase",
            "recurring card purchase",
            "recurring payment",
            "online purchase",
            "overseas purchase",
            "international purchase",
            "withdrawal from",
            "preauthorized withdrawal to",
            "preauthorized withdrawal",
            "preauthorized debit",
            "preapproved payment to",
            "preapproved payment",
            "subscription payment",
            "express checkout payment",
            "payment to",
            "payment from",
            "buyer payment",
            "paypal inst xfer",
            "paypal payment to",
            "paypal payment",
            "ach debit",
            "ach credit",
            "ach withdrawal",
            "ach payment",
            "electronic payment",
            "bill payment",
            "online payment",
            "magtape debit",
            "magtape credit",
            "eft debit order payment",
            "naedo debit order payment",
            "debit order payment",
            "internal debit order",
            "debicheck internal d/o",
            "fnb app payment to",
            "fnb app rtc pmt to",
            "fnb app",
            "banking app payment",
            "banking app",
            "digital payment dt",
            "acb debit",
        ),
        key=len,
        reverse=True,
    )
)

# Trailing words that name the kind of payment, not the payee ("aimco rent pmt"
# and "aimco" are one payee). Category words such as "rent" stay: they are
# part of how a household names the payee.
_TRAILING_GENERIC = frozenset(
    {
        "pmt",
        "pymt",
        "pymnt",
        "pymnts",
        "payment",
        "payments",
        "autopay",
        "auto",
        "ebill",
        "bill",
        "billing",
        "online",
        "web",
        "ach",
        "ppd",
        "inc",
        "inc.",
        "llc",
        "ltd",
        "pty",
        "co",
        "corp",
        "corp.",
        "com",
        "dir",
        "dep",
        "debit",
        "credit",
        "card",
        "purchase",
        "usa",
        "us",
        "gtza",
        "za",
        "rsa",
        "device",
        "branch",
        "notes",
    }
)

_US_STATES = frozenset(
    [
        "al",
        "ak",
        "az",
        "ar",
        "ca",
        "co",
        "ct",
        "de",
        "dc",
        "fl",
        "ga",
        "hi",
        "id",
        "il",
        "in",
        "ia",
        "ks",
        "ky",
        "la",
        "me",
        "md",
        "ma",
        "mi",
        "mn",
        "ms",
        "mo",
        "mt",
        "ne",
        "nv",
        "nh",
        "nj",
        "nm",
        "ny",
        "nc",
        "nd",
        "oh",
        "ok",
        "or",
        "pa",
        "ri",
        "sc",
        "sd",
        "tn",
        "tx",
        "ut",
        "vt",
        "va",
        "wa",
        "wv",
        "wi",
        "wy",
    ]
)

# Cities recognised as a location suffix ("walgreens - boston", "kroger seattle").
# Multi-word names are matched as a whole at the end of the text.
_CITIES: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(name.split())
            for name in (
                "new york",
                "brooklyn",
                "queens",
                "bronx",
                "manhattan",
                "los angeles",
                "san francisco",
                "san diego",
                "san jose",
                "oakland",
                "fremont",
                "hayward",
                "union city",
                "sacramento",
                "seattle",
                "portland",
                "boston",
                "chicago",
                "houston",
                "dallas",
                "austin",
                "san antonio",
                "phoenix",
                "denver",
                "las vegas",
                "miami",
                "orlando",
                "tampa",
                "atlanta",
                "charlotte",
                "raleigh",
                "nashville",
                "columbus",
                "philadelphia",
                "pittsburgh",
                "newark",
                "jersey city",
                "washington",
                "baltimore",
                "detroit",
                "minneapolis",
                "st louis",
                "kansas city",
                "salt lake city",
                "albuquerque",
                "tucson",
                "el paso",
                "indianapolis",
                "cleveland",
                "cincinnati",
                "milwaukee",
                "omaha",
                "new orleans",
                "jacksonville",
                "fort worth",
                "honolulu",
                "anchorage",
                "johannesburg",
                "cape town",
                "durban",
                "pretoria",
                "sandton",
                "midrand",
                "benoni",
                "braamfontein",
                "stellenbosch",
                "ballito",
                "rivonia",
                "parktown north",
                "morningside",
                "parkhurst",
                "gauteng",
                "amsterdam",
                "london",
                "dublin",
            )
        ),
        key=len,
        reverse=True,
    )
)


_CITIES_BY_LAST_WORD: dict[str, tuple[tuple[str, ...], ...]] = {}
for _city in _CITIES:
    _CITIES_BY_LAST_WORD[_city[-1]] = (*_CITIES_BY_LAST_WORD.get(_city[-1], ()), _city)


# Texts remembered by the cleaning functions: an import of 100k rows looks each text up from the history
# matcher and again from the model, so the caches hold a whole import (about 40 MB when full).
_CACHE_SIZE = 131_072


def _fold(text: str) -> str:
    """Lower-case, compatibility-normalize and strip accents."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _strip_noise(text: str) -> str:
    text = _fold(text)
    digits = _DIGIT.search(text) is not None
    for pattern, digit, pieces in _NOISE:
        if digit and not digits:
            continue
        for piece in pieces:
            if piece in text:
                break
        else:
            if pieces:
                continue
        text = pattern.sub(" ", text)
    return text


# A name glued to a reference or postcode: "discinsure4002840983", "hayward94541", "paddoc49".
_NAME_THEN_DIGITS = regex.compile(r"^([a-z][a-z&'\-]{2,}?)\d{2,}$")


def _tokens(text: str) -> list[str]:
    tokens = []
    for token in _TOKEN.findall(text):
        glued = _NAME_THEN_DIGITS.match(token)
        if glued:
            tokens.append(glued.group(1))
        elif not _REFERENCE_TOKEN.match(token):
            tokens.append(token)
    return tokens


def clean_text(*parts: str | None) -> str:
    """Payee/description text with the per-transaction noise removed, words kept.

    >>> clean_text("POS Purchase Engen Mitchell Park  * 07 Oct")
    'pos purchase engen mitchell park'
    """
    return _clean(parts[0] or "" if len(parts) == 1 else " ".join(p for p in parts if p))


def _clean(text: str) -> str:
    return _clean_stripped(_strip_noise(text))


# The steps after the noise is gone work on far fewer texts ("whole foods #1234" and "#5678" are one): remembered
# by what is left.
@functools.lru_cache(maxsize=_CACHE_SIZE)
def _clean_stripped(text: str) -> str:
    return " ".join(_tokens(text))


_LEADING = regex.compile(r"^(?:" + "|".join(regex.escape(p) for p in _LEADING_PHRASES) + r")(?![a-z0-9])[\s:*\-()]*")


def _strip_leading(text: str) -> str:
    while True:
        stripped = _LEADING.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def _split_processor(text: str) -> str:
    """Resolve "processor*merchant" and "merchant*reference" around the first star."""
    if "*" not in text:
        return text
    before, _, after = text.partition("*")
    before_words = before.split()
    after = after.strip(" *")
    if not before_words:
        return after
    if before_words[-1] in _PROCESSORS or len(before_words[-1]) <= 2:
        # "sq *blue bottle", "zapper1*atom gas", "c*dischem": keep what follows.
        kept = " ".join(before_words[:-1])
        return f"{kept} {after}".strip() if kept and kept not in _PROCESSORS else after
    # "amazon.com*hawmz79txr", "uber *trip", "vodacom*hakuna mata": the merchant comes first.
    return before


def _strip_location(words: list[str]) -> list[str]:
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[-1] in _TRAILING_GENERIC or (len(words[-1]) == 1 and words[-1].isalpha()):
            words = words[:-1]
            changed = True
            continue
        if words[-1] in _US_STATES and len(words) > 2:
            words = words[:-1]
            changed = True
            continue
        for city in _CITIES_BY_LAST_WORD.get(words[-1], ()):
            n = len(city)
            if len(words) > n and tuple(words[-n:]) == city:
                words = words[:-n]
                changed = True
                break
    return words


_DOMAIN = regex.compile(r"(?<![\w\-.])([a-z0-9][a-z0-9\-]*\.(?:com|net|org|io|co\.za|co\.uk|co|tv|app))\b(?:[/.]\S*)?")
_ADDRESS_START = regex.compile(r"(?<=[a-z&'.)])\s+\d{2,}\b.*$|\s+-\s.*$")


def merchant_key(*parts: str | None) -> str:
    """A stable key for the merchant or payee named in the text.

    >>> merchant_key("debit arby's 2727 main blvd hayward94541 ca usa")
    "arby's"
    >>> merchant_key("POS Purchase Zapper *Servest Par  * 12 Aug")
    'servest par'
    """
    return _merchant(parts[0] or "" if len(parts) == 1 else " ".join(p for p in parts if p))


def _merchant(raw: str) -> str:
    return _merchant_stripped(_strip_noise(raw))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _merchant_stripped(stripped: str) -> str:
    text = stripped
    # A store number or street address starts where a number follows the name.
    text = " ".join(text.split())
    text = _strip_leading(text)
    text = _split_processor(text)
    text = _strip_leading(text)
    text = _ADDRESS_START.sub("", text).strip()
    domain = _DOMAIN.search(text)
    if domain:
        # "apple.com/bill", "netflix.com amsterdam": the domain ends the name.
        text = text[: domain.start()] + domain.group(1)
    words = _strip_location(_tokens(text))
    key = " ".join(words).strip(" .-&'/")
    return key or _clean_stripped(stripped)
