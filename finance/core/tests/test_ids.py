"""Time-ordered keys for rows written in bulk."""

from __future__ import annotations

import time
import uuid

from finance.core.ids import ordered_ids


def test_keys_are_version_7_unique_and_increasing() -> None:
    ids = ordered_ids(5000)
    assert all(isinstance(key, uuid.UUID) for key in ids)
    assert {(key.version, key.variant) for key in ids} == {(7, uuid.RFC_4122)}
    assert len(set(ids)) == 5000
    assert ids == sorted(ids)


def test_they_start_with_the_time_and_later_calls_sort_after() -> None:
    before = time.time_ns() // 1_000_000
    first = ordered_ids(3)
    time.sleep(0.002)
    second = ordered_ids(3)
    assert before <= first[0].int >> 80 <= time.time_ns() // 1_000_000
    assert max(first) < min(second)
    assert ordered_ids(0) == []
