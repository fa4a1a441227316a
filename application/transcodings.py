"""Transcodings for the types our events carry beyond JSON's own.

Every process that decodes these events (the application, the projections) registers
the same set through `register_transcodings`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.markers import register_moved_topics
from application.snapshots import register_snapshot_transcodings
from domain.actor import Actor


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, str]:
        return obj.as_dict()

    def decode(self, data: Any) -> Actor:
        return Actor.from_dict(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    # Enum members are stored as their string values by the aggregates themselves
    # (our enums subclass str, which JSON encodes before any transcoding is asked),
    # so no per-enum transcoding is needed; see domain/enterprise.py.
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())
    register_snapshot_transcodings(transcoder)
    register_moved_topics()
