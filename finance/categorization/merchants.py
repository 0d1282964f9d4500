"""The merchant directory: which brand a bank text names, and what kind of place it is.

The knowledge is upstream open data, not ours: the OpenStreetMap
**name-suggestion-index** (NSI, BSD-3-Clause) lists about 19,000 brands with
their OSM tags (``amenity=fuel``, ``shop=supermarket``), alternative names
(``matchNames``) and where they operate (``locationSet``), and
**country-coder** (ISC) says which countries the NSI's regions hold (``150``
is Europe, ``018`` Southern Africa). ``manage.py build_merchant_directory``
reads both from ``node_modules`` (the project's npm step installs them) and
writes a compact artifact with :func:`build` and :func:`write`;
:class:`MerchantDirectory` loads it and :meth:`MerchantDirectory.match` finds
brands in a transaction's text.

Matching works on normalized words (:func:`normalize_name`): case, accents,
apostrophes and punctuation do not count, ``&`` is ``and``, and a name of
several words also matches written as one (``Dis-Chem`` is ``dis chem`` and
``dischem``; ``Pick n Pay`` is ``picknpay``). The longest name wins where
names overlap; a text may name two brands. Names the NSI calls generic
(``genericWords`` and each category's ``exclude.generic``: "fuel", "shop",
"pharmacy") are never brand names. A brand counts only in the countries its
``locationSet`` covers when the household's country is known.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from finance.categorization.normalize import clean_text

# The artifact's layout and what the build keeps (2: names in other scripts have no keys).
FORMAT = 2
#: Words in the longest brand name the matcher looks for (longer names are rare and still match by their start).
MAX_NAME_WORDS = 6
#: A name written as one word from several (``dischem``) must be at least this long to count.
MIN_JOINED_LENGTH = 5
#: Everywhere (the UN M49 code for the world).
WORLD = "001"
#: The brand's ``locationSet`` names an area this build cannot place in a country (a point, a custom shape).
SOMEWHERE = "?"

#: NSI categories of places one pays at; the others (advertising totems, pipelines, fire hydrants) are not.
MERCHANT_KEYS = frozenset({"amenity", "shop", "office", "tourism", "leisure", "healthcare", "craft", "club"})
#: An alternative name (``matchNames``) of one word counts for less: Mobil's include "mobile".
ALTERNATIVE_NAME_WEIGHT = 0.7

_APOSTROPHES = regex.compile(r"['’`´]")
_NOT_WORD = regex.compile(r"[^a-z0-9]+")
_LETTER = regex.compile(r"[a-z]")


# A letter that accents do not explain (Greek, Cyrillic, CJK; also Ł and Ø, which NFKD leaves whole).
_OTHER_SCRIPT = regex.compile(r"[^\P{L}a-z]")


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """A brand name or a bank text as the directory compares them.

    >>> normalize_name("McDonald's")
    'mcdonalds'
    >>> normalize_name("Marks & Spencer")
    'marks and spencer'
    >>> normalize_name("DIS-CHEM Ballito")
    'dis chem ballito'
    >>> normalize_name("Café Nero")
    'cafe nero'
    """
    text = _APOSTROPHES.sub("", _folded(text)).replace("&", " and ")
    return _NOT_WORD.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Brand:
    """One brand of the directory."""

    name: str
    wikidata: str
    # OSM main tags, "key=value" (a brand in two NSI categories has two: 7-Eleven is fuel and convenience).
    tags: tuple[str, ...]
    # Lower-case ISO 3166-1 alpha-2 codes; WORLD for everywhere, SOMEWHERE for an area placed in no country.
    countries: frozenset[str]
    excluded: frozenset[str] = frozenset()

    def operates_in(self, country: str | None) -> bool:
        """Whether the brand is in ``country`` (any country when ``None``)."""
        if country is None:
            return True
        country = country.lower()
        if country in self.excluded:
            return False
        return WORLD in self.countries or country in self.countries


@dataclass(frozen=True, slots=True)
class BrandMatch:
    """A brand found in a text."""

    brand: Brand
    # The normalized words of the text that named it ("engen", "pick n pay").
    text: str
    confidence: float

    @property
    def tags(self) -> tuple[str, ...]:
        return self.brand.tags


# ---------------------------------------------------------------------------
# Building the artifact from the packages


def _regions(borders: Mapping[str, Any]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """From country-coder's ``borders.json``: each group code (M49 region, ``EU``, a Wikidata id) → the
    countries in it, and each other code a feature answers to (``gb-eng``, ``Q21``) → its country."""
    members: dict[str, set[str]] = {}
    alias: dict[str, str] = {}
    for feature in borders.get("features", []):
        props = feature.get("properties", {})
        code = (props.get("iso1A2") or "").lower()
        country = (props.get("country") or code).lower()
        if not country:
            continue
        names = [code, (props.get("iso1A3") or "").lower(), (props.get("iso1N3") or "")]
        names += [(props.get("wikidata") or "").lower()]
        names += [a.lower() for a in props.get("aliases", [])]
        for name in filter(None, names):
            alias.setdefault(name, country)
        for group in props.get("groups", []):
            members.setdefault(str(group).lower(), set()).add(country)
    return members, alias


def _subdivision(code: str) -> str:
    """The country part of ``us-ca`` or ``us-ny.geojson``; "" for anything else."""
    return code[:2] if len(code) > 3 and code[2] == "-" else ""


def _countries(codes: Iterable[Any], members: Mapping[str, set[str]], alias: Mapping[str, str]) -> set[str]:
    """The countries of a ``locationSet`` list; an area this cannot place becomes :data:`SOMEWHERE`."""
    found: set[str] = set()
    for code in codes:
        if not isinstance(code, str):  # a [lon, lat(, radius)] point
            found.add(SOMEWHERE)
            continue
        code = code.lower()
        if code == WORLD:
            found.add(WORLD)
        elif code in members:
            found |= members[code]
        elif code in alias:
            found.add(alias[code])
        elif _subdivision(code) in alias:  # a subdivision (us-ca) or a custom area named after one (us-ny.geojson)
            found.add(alias[code[:2]])
        else:
            found.add(SOMEWHERE)
    return found


def _compile_all(patterns: Iterable[str]) -> list[regex.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(regex.compile(pattern, regex.IGNORECASE))
        except regex.error:
            continue  # written for JavaScript; one this engine cannot read is skipped, not guessed at
    return compiled


def _names(item: Mapping[str, Any]) -> Iterator[tuple[str, bool]]:
    """The names of an NSI item, each with whether it is one of its own (not an alternative ``matchName``)."""
    tags = item.get("tags", {})
    yield item.get("displayName", ""), True
    for key in ("brand", "name", "brand:en", "name:en", "short_name", "official_name"):
        yield tags.get(key, ""), True
    for name in item.get("matchNames", []):
        yield name, False


def _keys(raw: str) -> Iterator[str]:
    """The directory keys of one name: its words, and several words written as one. A name written (even in
    part) in another script has none: bank texts are Latin, and "ΔΕΗ blue" without its Greek is "blue"."""
    if _OTHER_SCRIPT.search(_folded(raw)):
        return
    name = normalize_name(raw)
    if len(name) < 2 or not _LETTER.search(name):
        return
    yield name
    words = name.split()
    if len(words) > 1:
        joined = "".join(words)
        if len(joined) >= MIN_JOINED_LENGTH:
            yield joined
        if "and" in words:  # "Marks & Spencer" is also written "Marks Spencer"
            yield " ".join(w for w in words if w != "and")


def build(
    nsi: Mapping[str, Any],
    *,
    generic_words: Sequence[str],
    match_groups: Mapping[str, Sequence[str]],
    borders: Mapping[str, Any],
    notice: str,
    source: Mapping[str, str],
) -> dict[str, Any]:
    """The artifact's content: brands, normalized names → brands, OSM match groups, where it came from."""
    members, alias = _regions(borders)
    members[WORLD] = {WORLD}
    generic = _compile_all(generic_words)
    # By Wikidata id (or NSI id) and name: one brand in several NSI categories (Shell: fuel, convenience, car
    # wash) is one entry; one company's brands of different names and countries (First National Bank,
    # First National Bank (Ghana)) stay apart, so the country decides which one a text names.
    brands: dict[str, dict[str, Any]] = {}
    keys: dict[str, dict[str, bool]] = {}  # key -> brand -> whether one of the brand's own names
    for path, category in nsi.get("nsi", {}).items():
        parts = path.split("/")
        if parts[0] != "brands" or len(parts) != 3 or parts[1] not in MERCHANT_KEYS:
            continue
        tag = f"{parts[1]}={parts[2]}"
        excluded_names = generic + _compile_all(category.get("properties", {}).get("exclude", {}).get("generic", []))
        for item in category.get("items", []):
            tags = item.get("tags", {})
            wikidata = tags.get("brand:wikidata") or ""
            name = item.get("displayName") or tags.get("brand") or tags.get("name") or ""
            if not name or not (wikidata or item.get("id")):
                continue
            ident = f"{wikidata or item['id']}|{name}"
            location = item.get("locationSet", {})
            brand = brands.setdefault(
                ident,
                {
                    "name": name,
                    "wikidata": wikidata,
                    "tags": [],
                    "countries": set(),
                    "excluded": None,
                },
            )
            if tag not in brand["tags"]:
                brand["tags"].append(tag)
            brand["countries"] |= _countries(location.get("include", [WORLD]), members, alias)
            excluded = _countries(location.get("exclude", []), members, alias) - {SOMEWHERE, WORLD}
            # A brand listed twice is excluded only where both of its entries exclude it.
            brand["excluded"] = excluded if brand["excluded"] is None else brand["excluded"] & excluded
            for raw, own in _names(item):
                if not raw or any(p.search(raw.casefold()) for p in excluded_names):
                    continue
                for key in _keys(raw):
                    if not any(p.search(key) for p in excluded_names):
                        named = keys.setdefault(key, {})
                        named[ident] = named.get(ident, False) or own
    with_names = {ident for idents in keys.values() for ident in idents}
    order = sorted(ident for ident in brands if ident in with_names)  # a brand all of whose names are generic: none
    position = {ident: n for n, ident in enumerate(order)}
    group_of: dict[str, list[str]] = {}
    for group, paths in match_groups.items():
        for path in paths:
            group_of.setdefault(path.replace("/", "="), []).append(group)
    return {
        "format": FORMAT,
        "source": dict(source),
        "built_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        "notice": notice,
        "brands": [
            [
                brands[ident]["name"],
                brands[ident]["wikidata"],
                brands[ident]["tags"],
                sorted(brands[ident]["countries"]),
                sorted(brands[ident]["excluded"] or ()),
            ]
            for ident in order
        ],
        # A brand's position, or -1 - position when the key is only an alternative name of it.
        "keys": {
            key: sorted(position[ident] if own else -1 - position[ident] for ident, own in named.items())
            for key, named in sorted(keys.items())
        },
        "groups": {tag: sorted(groups) for tag, groups in sorted(group_of.items())},
    }


def write(content: Mapping[str, Any], path: Path) -> None:
    """Write the artifact (gzipped JSON) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".tmp")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=9) as out:
        json.dump(content, out, separators=(",", ":"), ensure_ascii=False)
    partial.replace(path)


class DirectoryLoadError(Exception):
    """The artifact is missing, unreadable or of another format."""


# ---------------------------------------------------------------------------
# The directory


class MerchantDirectory:
    """Brands by normalized name; :meth:`match` finds them in a text."""

    def __init__(self, content: Mapping[str, Any]) -> None:
        if content.get("format") != FORMAT:
            raise DirectoryLoadError(f"not a format-{FORMAT} merchant directory; rebuild it")
        self.source: dict[str, str] = dict(content.get("source", {}))
        self.notice: str = content.get("notice", "")
        self.brands = [
            Brand(name, wikidata, tuple(tags), frozenset(countries), frozenset(excluded))
            for name, wikidata, tags, countries, excluded in content["brands"]
        ]
        # key -> (brand position, whether one of its own names)
        self._keys: dict[str, tuple[tuple[int, bool], ...]] = {
            key: tuple((i, True) if i >= 0 else (-1 - i, False) for i in ids) for key, ids in content["keys"].items()
        }
        self.groups: dict[str, tuple[str, ...]] = {tag: tuple(g) for tag, g in content.get("groups", {}).items()}

    @property
    def version(self) -> str:
        """The name-suggestion-index package's version."""
        return self.source.get("version", "")

    @property
    def ident(self) -> str:
        """What a model trained with this directory records: the package's version and the build's format."""
        return f"{self.version}/{FORMAT}"

    @classmethod
    def load(cls, path: Path) -> MerchantDirectory:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as stream:
                content = json.load(stream)
        except FileNotFoundError as exc:
            raise DirectoryLoadError(f"no merchant directory at {path}") from exc
        except (OSError, ValueError, EOFError) as exc:
            raise DirectoryLoadError(f"{path} is not readable: {exc}") from exc
        if not isinstance(content, dict):
            raise DirectoryLoadError(f"{path} is not a merchant directory")
        try:
            return cls(content)
        except (KeyError, TypeError, ValueError) as exc:
            raise DirectoryLoadError(f"{path} is not a merchant directory: {exc}") from exc

    def __len__(self) -> int:
        return len(self.brands)

    def brands_named(self, name: str, country: str | None = None) -> list[Brand]:
        """The brands a name (any spelling) stands for in ``country``."""
        brands = [self.brands[i] for i, _own in self._keys.get(normalize_name(name), ())]
        return [b for b in brands if b.operates_in(country)]

    def match(self, *texts: str, country: str | None = None) -> list[BrandMatch]:
        """The brands the texts name, longest name first; names do not overlap within a text.

        Each text (a payee, a description) is searched on its own, so no name spans two of them. A name
        that stands for several brands in ``country`` gives the likeliest (:meth:`_scored`), with a lower
        confidence unless all of them are of one kind (the same OSM tags).
        """
        found: list[tuple[int, int, BrandMatch]] = []
        seen: set[str] = set()
        for text in texts:
            for match in self._match_one(normalize_name(text), country):
                if match.brand.name not in seen:
                    seen.add(match.brand.name)
                    found.append((-len(match.text), len(found), match))
        return [match for _length, _n, match in sorted(found, key=lambda f: (f[0], f[1]))]

    def _match_one(self, text: str, country: str | None) -> Iterator[BrandMatch]:
        words = text.split()
        # (-chars, start, end, key, [(brand, whether one of its own names)])
        candidates: list[tuple[int, int, int, str, list[tuple[Brand, bool]]]] = []
        for start in range(len(words)):
            for end in range(min(len(words), start + MAX_NAME_WORDS), start, -1):
                span = words[start:end]
                for key in (" ".join(span), "".join(span)) if end - start > 1 else (span[0],):
                    ids = self._keys.get(key)
                    if not ids:
                        continue
                    brands = [(self.brands[i], own) for i, own in ids if self.brands[i].operates_in(country)]
                    if brands:
                        candidates.append((-len(key), start, end, key, brands))
        taken = [False] * len(words)
        for _chars, start, end, key, brands in sorted(candidates, key=lambda c: (c[0], c[1])):
            if any(taken[start:end]):
                continue
            for n in range(start, end):
                taken[n] = True
            yield self._scored(key, end - start, brands, country)

    def _scored(self, key: str, words: int, named: list[tuple[Brand, bool]], country: str | None) -> BrandMatch:
        """How sure a name is to mean the brand: long and several-word names more than short ones, a brand's
        own name more than an alternative spelling, a brand of the household's own country more than one of
        everywhere, a name of one kind of place more than one several kinds of brands share."""
        # Own names before alternatives, the household's country's brands before the world's.
        local = country.lower() if country else None
        named = sorted(named, key=lambda bo: (not bo[1], local not in bo[0].countries))
        best, own = named[0]
        length = len(key.replace(" ", ""))
        confidence = 0.95 if words > 1 or length >= 7 else 0.85 if length >= 5 else 0.7 if length >= 4 else 0.5
        if not own and words == 1:
            confidence *= ALTERNATIVE_NAME_WEIGHT
        if local in best.countries:
            confidence = min(0.99, confidence + 0.04)
        # Brands whose own display name this is (McDonald's) decide, before those that merely carry it
        # (McDonald's PlayPlace, brand "McDonald's").
        ordered = [brand for brand, _own in named]
        exact = [b for b in ordered if key in _keys_of_display(b.name)] or ordered
        if best not in exact:
            best = exact[0]
        if len({b.tags for b in exact}) > 1:
            confidence *= 0.6
        return BrandMatch(best, key, round(confidence, 3))


@functools.lru_cache(maxsize=65536)
def _keys_of_display(name: str) -> frozenset[str]:
    return frozenset(_keys(name))


# ---------------------------------------------------------------------------
# What the categorizer reads


def tag_words(tag: str) -> str:
    """``amenity=fast_food`` → ``fast food``: a tag as a person reads it."""
    return tag.partition("=")[2].replace("_", " ")


@dataclass(frozen=True, slots=True)
class DirectoryView:
    """The directory as one household sees it: brands of its country only (all of them when it has none).

    A text is matched once: its answers are kept by its cleaned form (``clean_text``: no dates, amounts or
    references), which an import's 100k rows share by the hundred.
    """

    directory: MerchantDirectory
    country: str | None = None
    _found: dict[str, list[BrandMatch]] = field(default_factory=dict, compare=False, repr=False)

    def matches(self, payee: str, description: str) -> list[BrandMatch]:
        text = clean_text(payee, description)
        found = self._found.get(text)
        if found is None:
            if len(self._found) > 100_000:
                self._found.clear()
            found = self._found[text] = self.directory.match(text, country=self.country)
        return found

    def features(self, payee: str, description: str) -> dict[str, float]:
        """The model's features of a text: ``brand=`` its Wikidata id or name, ``osm=`` each OSM tag and
        ``osm_group=`` each NSI match group (kinds of places that are often one another), weighted by the
        match's confidence."""
        features: dict[str, float] = {}
        for match in self.matches(payee, description)[:2]:
            weight = match.confidence
            features[f"brand={match.brand.wikidata or match.brand.name}"] = weight
            for tag in match.tags:
                features[f"osm={tag}"] = max(weight, features.get(f"osm={tag}", 0.0))
                for group in self.directory.groups.get(tag, ()):
                    features[f"osm_group={group}"] = max(weight, features.get(f"osm_group={group}", 0.0))
        return features

    def best(self, payee: str, description: str) -> BrandMatch | None:
        found = self.matches(payee, description)
        return found[0] if found else None
