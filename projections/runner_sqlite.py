"""A polling runner: SQLite has no subscriptions, so this reads pages of notifications
and feeds them to the same Projection classes as on PostgreSQL.

Order: each page is read with `notification_id > last tracked id`. SQLite has one
writer at a time and assigns a row's id inside the writing transaction, so ids become
visible in commit order: a reader that has seen id n will never later find an id < n
appear. Gaps (ids consumed by failed inserts) are skipped harmlessly by `>`. The same
`step` drives the PostgreSQL runner and rebuilds, where the library's LOCK TABLE ...
EXCLUSIVE on every insert transaction gives the same guarantee.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from eventsourcing.persistence import Tracking

from projections.log import LedgerLog
from projections.projection import ViewProjection
from projections.recorders import APPLICATION_NAME

log = logging.getLogger(__name__)


def step(events: LedgerLog, projection: ViewProjection, page: int = 500) -> int:
    """Processes the next page of events after the view's tracked position; returns how many."""
    items = events.page(projection.view.position(), page)
    projection.process_batch([(event, Tracking(APPLICATION_NAME, position)) for event, position in items])
    return len(items)


def catch_up(
    events: LedgerLog, projection: ViewProjection, page: int = 500, progress: Callable[[int], None] | None = None
) -> int:
    """Processes everything recorded so far, a page per transaction; returns how many events.

    `progress` is called with the position reached after each page.
    """
    total = 0
    while n := step(events, projection, page):
        total += n
        if progress is not None:
            progress(projection.view.position())
    return total


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
