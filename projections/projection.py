"""The views as the library's Projection classes, fed by either runner.

Each event's view writes and its tracking record go in one transaction, the tracking
record first: a stale runner (one that lost the race to a rebuild's switch-over) fails
on it before touching any table, and is restarted from the tracked position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from projections.accountability_view import apply_accountability_page
from projections.recorders import Tx, ViewRecorder
from projections.status_view import apply_status_page


class ViewProjection(Projection[ViewRecorder]):
    # Records a page of (event, log position) pairs, in log order, in one transaction's Tx.
    apply_page: Callable[[Tx, Sequence[tuple[Any, int]]], None]

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([(domain_event, tracking)])

    def process_batch(self, items: Sequence[tuple[Any, Tracking]]) -> None:
        """Applies events in notification order, in one transaction with the last one's tracking."""
        if not items:
            return
        with self.view.write() as tx:
            self.view.track(tx, items[-1][1])
            type(self).apply_page(tx, [(event, tracking.notification_id) for event, tracking in items])


class StatusProjection(ViewProjection):
    name = "view_status"
    apply_page = staticmethod(apply_status_page)


class AccountabilityProjection(ViewProjection):
    name = "view_accountability"
    apply_page = staticmethod(apply_accountability_page)
