"""Keyset conditions: the rows after a position in an ordering, in a form an index can start its scan at.

Spelled out as ``a < x OR (a = x AND (b < y OR …))`` the condition is right but no index can use it: at a
million transactions, PostgreSQL filtered 214,230 rows to find a page a year deep (1.27 s). As a row
comparison it is one index range (0.4 ms).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.lookups import Lookup


def rows_after(ordering: Sequence[str], position: Sequence[Any]) -> Lookup[Any] | Q:
    """Rows strictly after ``position`` in ``ordering``.

    One direction throughout: a row comparison, ``(a, b, c) < (x, y, z)`` (Django's composite-key lookups,
    spelled out on SQLite), which a B-tree index in that order starts its scan at. Mixed directions
    (``amount`` up, ties newest first): the comparison spelled out, led by ``a >= x`` so that an index on
    the first field still bounds the scan.
    """
    names = [name.lstrip("-") for name in ordering]
    descending = [name.startswith("-") for name in ordering]
    if len(set(descending)) == 1:
        lookup = TupleLessThan if descending[0] else TupleGreaterThan
        return lookup(Tuple(*(F(name) for name in names)), tuple(position))
    after = Q()
    for i, (name, down) in enumerate(zip(names, descending, strict=True)):
        same = dict(zip(names[:i], position[:i], strict=True))
        after |= Q(**same, **{f"{name}__{'lt' if down else 'gt'}": position[i]})
    return Q(**{f"{names[0]}__{'lte' if descending[0] else 'gte'}": position[0]}) & after
