"""The ledger's event log as the projections read it: same name, same transcodings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from application.transcodings import register_transcodings
from projections.recorders import APPLICATION_NAME


class LedgerLog(Application[UUID]):
    """Reads (never writes) the Ledger's stored events."""

    name = APPLICATION_NAME

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def page(self, after: int, limit: int) -> list[tuple[Any, int]]:
        """Up to `limit` decoded events with notification id > after, in id order."""
        notifications = self.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
        return [(self.mapper.to_domain_event(n), n.id) for n in notifications]

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0
