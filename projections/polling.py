"""The polling runner: SQLite has no subscriptions, so a background thread reads the
log a page at a time (pages.py) and feeds every view's projection, sleeping when idle.
"""

from __future__ import annotations

import logging
import threading

from projections.log import LedgerLog
from projections.pages import step
from projections.projection import ViewProjection

log = logging.getLogger(__name__)


class PollingRunner:
    """Runs projections in a background thread until stopped; errors are logged and retried."""

    def __init__(
        self, events: LedgerLog, projections: list[ViewProjection], interval: float = 0.15, page: int = 500
    ) -> None:
        self.events, self.projections, self.interval, self.page = events, projections, interval, page
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self._run, name="zhijian-projections", daemon=True)

    def start(self) -> PollingRunner:
        self.thread.start()
        return self

    def _run(self) -> None:
        backoff = self.interval
        while not self.stopping.is_set():
            try:
                busy = sum(step(self.events, p, self.page) for p in self.projections)
                backoff = self.interval
            except Exception:
                log.exception("projection step failed; retrying from the tracked position")
                busy, backoff = 0, min(backoff * 2, 5.0)
            if not busy:
                self.wake.wait(backoff)
                self.wake.clear()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)
