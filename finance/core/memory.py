"""Pausing Python's cyclic garbage collector while a bulk operation builds many objects that stay alive.

An import of 100k rows holds a few million Python objects (the parsed rows, their values, the analysis) while
it allocates more. Every ~70,000 allocations the collector runs, and whenever the survivors have grown by a
quarter it walks every object in the process: over one analysis that was 40 % of its CPU time (the
categorization of the bench file took 4.4 s of CPU with the collector, 2.3 s without). None of it is garbage
the collector is needed for: reference counting frees what the import drops, and the few reference cycles made
meanwhile are collected by the first automatic collection after the pause.

The collector is process-wide: while an import runs, other threads' cycles wait too (for seconds, not
longer). Pauses are counted, so nested and concurrent ones end when the last one does, and the collector is
only turned back on if it was on before the first.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with automatic garbage collection off (usable as a decorator)."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
