"""Aggregates that mark a one-off operation as done, so running it again does nothing.

`DemoSeeded` lived in `application.demo` until the seeding code moved to `seeding/`;
stores seeded before that hold its old topic, which `register_moved_topics` maps here
for every process that decodes the log (the ledger, the projections).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic


class DemoSeeded(Aggregate):
    """Marks that the demo was seeded, and remembers its officials."""

    ID = uuid5(NAMESPACE_URL, "/zhijian/demo")

    @staticmethod
    def create_id() -> UUID:
        return DemoSeeded.ID

    @event("Seeded")
    def __init__(self, officials: dict[str, UUID], enterprises: int) -> None:
        self.officials = officials
        self.enterprises = enterprises


MOVED_TOPICS = {"application.demo:DemoSeeded": DemoSeeded}


def register_moved_topics() -> None:
    """Old topics resolve to where their classes live now (idempotent)."""
    for topic, cls in MOVED_TOPICS.items():
        register_topic(topic, cls)


class DemoDrawSeeded(Aggregate):
    """Marks that the demo's random inspection plan was seeded, and names it."""

    ID = uuid5(NAMESPACE_URL, "/zhijian/demo-draw")

    @staticmethod
    def create_id() -> UUID:
        return DemoDrawSeeded.ID

    @event("Seeded")
    def __init__(self, plan_id: UUID) -> None:
        self.plan_id = plan_id
