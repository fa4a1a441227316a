"""run_beside: one function here, another on a second read on another thread, both results or nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from projections.recorders import run_beside


@contextmanager
def opened(tx: Any, log: list[str]) -> Iterator[Any]:
    log.append("opened")
    yield tx
    log.append("closed")


def test_both_run_at_once_on_two_threads_and_both_results_come_back():
    both_started = threading.Barrier(2, timeout=5)  # each side waits for the other: they must overlap
    log: list[str] = []

    def here() -> str:
        both_started.wait()
        return threading.current_thread().name

    def there(tx: str) -> tuple[str, str]:
        both_started.wait()
        return tx, threading.current_thread().name

    result = run_beside(opened("tx-2", log), here, there)
    assert result == (threading.current_thread().name, ("tx-2", "read-beside"))
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
