"""The page loop every runner shares: the next page of the log after a view's tracked
position, applied to the view in one transaction with its tracking record.

Order: each page is read with `notification_id > last tracked id`, and ids become
visible in commit order on both stores, so a reader that has seen id n never later
finds an id < n appear. On SQLite one writer at a time assigns a row's id inside the
writing transaction; on PostgreSQL the library takes LOCK TABLE ... EXCLUSIVE on the
events table in every insert transaction. Gaps (ids consumed by failed inserts) are
skipped harmlessly by `>`. The polling runner (polling.py), the supervised runner
(runner_postgres.py), `Views.catch_up` and rebuilds (rebuild.py) all go through here.
"""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.persistence import Tracking

from projections.log import LedgerLog
from projections.projection import ViewProjection
from projections.recorders import APPLICATION_NAME


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
