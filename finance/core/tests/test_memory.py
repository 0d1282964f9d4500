"""Pausing the garbage collector for bulk work: off inside, back as it was after, however the block ends."""

from __future__ import annotations

import gc
import threading

import pytest

from finance.core.memory import collector_paused


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_when_the_block_raises() -> None:
    with pytest.raises(ValueError, match="half-way"), collector_paused():
        raise ValueError("half-way")
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost() -> None:
    @collector_paused()
    def inner() -> bool:
        return gc.isenabled()

    with collector_paused():
        assert inner() is False
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last() -> None:
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            started.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        started.wait(5)
    assert not gc.isenabled()  # the other thread's pause still holds
    release.set()
    thread.join(5)
    assert gc.isenabled()
