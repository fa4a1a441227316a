"""run_beside: one function here, another on a second read on another thread, both results or nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from projections.recorders import run_beside

STUCK_AFTER = 120.0  # seconds: when a run that never overlaps is called stuck


@contextmanager
def opened(tx: Any, log: list[str]) -> Iterator[Any]:
    log.append("opened")
    yield tx
    log.append("closed")


def test_there_runs_on_another_thread_while_here_runs_and_both_results_come_back():
    there_started = threading.Event()
    log: list[str] = []

    def here() -> tuple[str, bool]:
        # Waits for `there` to start: it can only start while `here` runs if it runs on another thread. The
        # wait's limit only stops a broken run from hanging; nothing here measures time.
        return threading.current_thread().name, there_started.wait(STUCK_AFTER)

    def there(tx: str) -> tuple[str, str]:
        there_started.set()
        return tx, threading.current_thread().name

    result = run_beside(opened("tx-2", log), here, there)
    assert result == ((threading.current_thread().name, True), ("tx-2", "read-beside"))
    assert log == ["opened", "closed"]


def test_without_a_second_read_nothing_runs():
    calls: list[str] = []
    result = run_beside(opened(None, []), lambda: calls.append("here"), lambda tx: calls.append("there"))
    assert result is None and calls == []


def test_an_error_beside_is_raised_here_after_both_are_done_and_the_read_is_closed():
    log: list[str] = []

    def there(tx: Any) -> None:
        raise LookupError("beside")

    with pytest.raises(LookupError, match="beside"):
        run_beside(opened("tx", log), lambda: log.append("here done"), there)
    assert log == ["opened", "here done", "closed"]
