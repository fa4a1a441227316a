"""Enterprise states by replaying the event log: the reference every faster view must agree with.

It reads each enterprise's events and folds them, so it is exact and slow (every call
reads the whole log). Tests use it as the expectation for the status view; the report
commands fall back to it where no view is configured.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.status import EnterpriseState, fact_from_event, fold, live_facts

REGISTERED_TOPIC = "domain.enterprise:Enterprise.Registered"


class StatesSource(Protocol):
    """Anything that can say what every enterprise's state was on as_of, as known at known_at."""

    def states_at(self, as_of: date, known_at: datetime) -> list[tuple[UUID, EnterpriseState]]: ...


class ReplayedStates:
    """A StatesSource over an eventsourcing application's log (the Ledger), by full replay."""

    def __init__(self, app: Any, page: int = 1000) -> None:
        self.app = app
        self.page = page

    def enterprise_ids(self) -> list[UUID]:
        ids: list[UUID] = []
        start: int | None = None
        while True:
            page = self.app.recorder.select_notifications(start=start, limit=self.page, topics=[REGISTERED_TOPIC])
            ids.extend(n.originator_id for n in page)
            if len(page) < self.page:
                return ids
            start = page[-1].id + 1

    def states_at(self, as_of: date, known_at: datetime) -> list[tuple[UUID, EnterpriseState]]:
        result = []
        for eid in self.enterprise_ids():
            facts = live_facts([fact_from_event(e) for e in self.app.events.get(eid)], known_at)
            state = fold(facts, as_of)
            if state is not None:
                result.append((eid, state))
        return result
