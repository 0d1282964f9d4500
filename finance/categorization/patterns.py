"""Which regular expressions a rule may hold: none that can take exponential or high-polynomial time.

:func:`slow_pattern` answers, when a rule is saved, why a pattern may backtrack catastrophically (or
``None``). Two checks:

1. **Its shape**, parsed as Python's ``re`` reads it (a pattern using syntax only the ``regex`` package
   knows skips this step):

   * a repetition that may repeat many times (unbounded, or ``MANY`` times or more) of something holding a
     repetition of varying length: ``(a+)+``, ``(\\w+\\s?)*``, ``(a{1,3})+``;
   * a repetition of three or more of something holding an unbounded one: ``(.*a){3}``;
   * an unbounded repetition of something of varying length holding alternatives that can start with the
     same character, or may be empty: ``(a|aa)+``, ``(\\d|\\d\\d)*``, ``(a|)+``;
   * three or more unbounded repetitions in a row that can take the same characters: ``\\d*\\d*\\d*x``.

   Possessive repetitions and atomic groups (``a++``, ``(?>a+)+``) never backtrack and pass. These rules
   refuse a few harmless patterns too (``(\\w+\\s)+``); the message says how to write them instead.
2. **A probe**: the compiled pattern runs on a few hostile texts (runs of its own characters, and of letters,
   digits and spaces, ``PROBE_LENGTH`` long, ending in a character that breaks the match) with
   ``PROBE_TIMEOUT`` each; one that runs out refuses the pattern.

What still gets through is held by the rules' time budget when they run (:class:`~.rules.Budget`).
"""

from __future__ import annotations

from typing import Any

import regex

try:  # the parser of Python's own ``re``: the only public-enough one (the ``regex`` package exposes none)
    import re._constants as sre  # type: ignore[import-not-found]
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - another Python: the probe alone checks
    sre = sre_parse = None

#: A repetition allowed at most this many times counts as "many" (``{10,}``, ``{1,50}``).
MANY = 10
#: Longest text a probe tries: the longest description a transaction has.
PROBE_LENGTH = 500
#: Time each probe may take, in seconds (a pattern of a sane shape takes microseconds).
PROBE_TIMEOUT = 0.05

_WIDE = "*"  # a first-character set that may hold anything


def slow_pattern(pattern: str, *, ignore_case: bool = True) -> str | None:
    """Why ``pattern`` may take too long on some text, or ``None`` when it is safe to run on every
    transaction. ``pattern`` must already compile with the ``regex`` package."""
    reason = _shape(pattern, ignore_case)
    if reason is not None:
        return reason
    return _probe(pattern, ignore_case)


# --- The shape ------------------------------------------------------------------------------------------


def _shape(pattern: str, ignore_case: bool) -> str | None:
    if sre_parse is None:
        return None
    try:
        tree = sre_parse.parse(pattern, sre.SRE_FLAG_IGNORECASE if ignore_case else 0)
    except (sre.error, RecursionError, OverflowError, ValueError, TypeError):
        return None  # syntax only the regex package reads: the probe decides
    return _walk(tree, ignore_case) or _adjacent_repeats(tree, ignore_case)


def _repeat_ops() -> tuple[Any, ...]:
    return (sre.MAX_REPEAT, sre.MIN_REPEAT)


def _walk(items: Any, ignore_case: bool) -> str | None:
    for op, av in items:
        if op in _repeat_ops():
            _low, high, body = av
            unbounded = high >= sre.MAXREPEAT
            if (unbounded or high >= MANY) and _holds_varying_repeat(body):
                return (
                    "nested repetition such as (a+)+ can take exponential time; repeat something of fixed "
                    "length, or make the inner repetition possessive (a++)"
                )
            if high >= 3 and _holds_unbounded_repeat(body):
                return (
                    "a repeated group holding an unbounded repetition, such as (.*a){3}, can take a very long "
                    "time; write the parts out or make the inner repetition possessive (.*+)"
                )
            if unbounded:
                reason = _overlapping_branches(body, ignore_case)
                if reason is not None:
                    return reason
            inner = _walk(body, ignore_case)
            if inner is not None:
                return inner
        elif op == sre.SUBPATTERN:
            inner = _walk(av[-1], ignore_case)
            if inner is not None:
                return inner
        elif op == sre.BRANCH:
            for branch in av[1]:
                inner = _walk(branch, ignore_case)
                if inner is not None:
                    return inner
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            inner = _walk(av[1], ignore_case)
            if inner is not None:
                return inner
        elif op == sre.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    inner = _walk(branch, ignore_case)
                    if inner is not None:
                        return inner
        # POSSESSIVE_REPEAT and ATOMIC_GROUP never backtrack into themselves: nothing below them counts.
    return None


def _children(op: Any, av: Any) -> list[Any]:
    """The sub-patterns below one item, through groups, branches and lookarounds (not atomic ones)."""
    if op in _repeat_ops():
        return [av[2]]
    if op == sre.SUBPATTERN:
        return [av[-1]]
    if op == sre.BRANCH:
        return list(av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    if op == sre.GROUPREF_EXISTS:
        return [branch for branch in av[1:] if branch is not None]
    return []


def _holds_varying_repeat(items: Any) -> bool:
    for op, av in items:
        if op in _repeat_ops():
            low, high, body = av
            if low != high and body.getwidth()[1] > 0:
                return True
        if any(_holds_varying_repeat(child) for child in _children(op, av)):
            return True
    return False


def _holds_unbounded_repeat(items: Any) -> bool:
    for op, av in items:
        if op in _repeat_ops() and av[1] >= sre.MAXREPEAT and av[2].getwidth()[1] > 0:
            return True
        if any(_holds_unbounded_repeat(child) for child in _children(op, av)):
            return True
    return False


def _overlapping_branches(items: Any, ignore_case: bool) -> str | None:
    """Alternatives anywhere in a repeated body of varying length that can start alike or be empty.

    Python's parser factors out a common start (``a|aa`` becomes ``a(?:|a)``), so an empty alternative is
    how most overlaps show."""
    low, high = items.getwidth()
    if low == high:
        return None  # the body always takes as many characters: each repeat starts at a known place
    return _branches_overlap(items, ignore_case)


def _branches_overlap(items: Any, ignore_case: bool) -> str | None:
    for op, av in items:
        if op == sre.BRANCH:
            firsts: list[set[str]] = []
            for branch in av[1]:
                if branch.getwidth()[0] == 0:
                    return (
                        "repeated alternatives that can start alike or match nothing, such as (a|aa)+ or (a|)+, "
                        "can take exponential time; make them start differently"
                    )
                first = _first(branch, ignore_case)
                if any(_WIDE in first or _WIDE in seen or first & seen for seen in firsts):
                    return (
                        "repeated alternatives that can start alike, such as (ab|a.)+, can take exponential time; "
                        "make them start differently"
                    )
                firsts.append(first)
        if op not in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP):
            for child in _children(op, av):
                reason = _branches_overlap(child, ignore_case)
                if reason is not None:
                    return reason
    return None


def _adjacent_repeats(items: Any, ignore_case: bool) -> str | None:
    """Three or more unbounded repetitions in a row (nothing required between them) that can take the same
    characters: ``\\d*\\d*\\d*x`` tries every way to share a run of digits between them."""
    run: list[set[str]] = []
    for op, av in items:
        if op in _repeat_ops() and av[1] >= sre.MAXREPEAT:
            first = _first(av[2], ignore_case)
            run = [seen for seen in run if _WIDE in first or _WIDE in seen or first & seen]
            run.append(first)
            if len(run) >= 3:
                return (
                    "several unbounded repetitions in a row over the same characters, such as \\d*\\d*\\d*, "
                    "can take a very long time; merge them into one"
                )
        elif op == sre.AT or (op not in (sre.POSSESSIVE_REPEAT, sre.ATOMIC_GROUP) and _nullable(op, av)):
            continue
        else:
            run = []
        for child in _children(op, av):
            reason = _adjacent_repeats(child, ignore_case)
            if reason is not None:
                return reason
    return None


def _nullable(op: Any, av: Any) -> bool:
    if op in _repeat_ops():
        return bool(av[0] == 0)
    if op == sre.SUBPATTERN:
        return bool(av[-1].getwidth()[0] == 0)
    return False


def _first(items: Any, ignore_case: bool) -> set[str]:
    """The characters a sub-pattern can start with (``{_WIDE}`` when it may be almost anything)."""
    for op, av in items:
        if op == sre.LITERAL:
            return _cased(chr(av), ignore_case)
        if op == sre.IN:
            return _class_first(av, ignore_case)
        if op == sre.SUBPATTERN:
            return _first(av[-1], ignore_case)
        if op == sre.BRANCH:
            return set().union(*(_first(branch, ignore_case) for branch in av[1]))
        if op in (*_repeat_ops(), sre.POSSESSIVE_REPEAT):
            if av[0] == 0:
                return {_WIDE}  # may be skipped: what follows could start it
            return _first(av[2], ignore_case)
        if op == sre.AT:
            continue  # ^, $, \b take no character
        return {_WIDE}
    return {_WIDE}


def _class_first(items: Any, ignore_case: bool) -> set[str]:
    chars: set[str] = set()
    for op, av in items:
        if op == sre.LITERAL:
            chars |= _cased(chr(av), ignore_case)
        elif op == sre.RANGE and av[1] - av[0] < 256:
            for code in range(av[0], av[1] + 1):
                chars |= _cased(chr(code), ignore_case)
        else:  # a negation, a category (\d, \w, \s), a wide range
            return {_WIDE}
    return chars


def _cased(char: str, ignore_case: bool) -> set[str]:
    return {char, char.lower(), char.upper()} if ignore_case else {char}


# --- The probe --------------------------------------------------------------------------------------------


def _probe(pattern: str, ignore_case: bool) -> str | None:
    flags = regex.VERSION1 | (regex.IGNORECASE if ignore_case else 0)
    compiled = regex.compile(pattern, flags)
    for text in _probe_texts(pattern):
        try:
            compiled.search(text, timeout=PROBE_TIMEOUT)
        except TimeoutError:
            sample = text[:12] + "…"
            return f"it takes too long on text such as {sample!r}; simplify the pattern"
    return None


def _probe_texts(pattern: str) -> list[str]:
    own = [c for c in dict.fromkeys(pattern) if c.isalnum() or c in " -_.,/&'"][:6]
    runs = list(dict.fromkeys([*own, "a", "0", " "]))
    breaker = next(c for c in "!~#%\x01" if c not in pattern)
    texts = [c * PROBE_LENGTH + breaker for c in runs]
    if own:
        mixed = "".join(own)
        texts.append((mixed * (PROBE_LENGTH // len(mixed) + 1))[:PROBE_LENGTH] + breaker)
    texts.append(("a " * PROBE_LENGTH)[:PROBE_LENGTH] + breaker)
    return texts
