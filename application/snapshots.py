"""Snapshots whose state comes back exactly as it was taken.

The library's snapshot stores an aggregate's `__dict__` as JSON, and JSON loses what our
aggregates hold: the Enterprise's `acts: dict[int, LiveAct]` and `retracted: dict[int, int]`
would come back with string keys (and `LiveAct`, a dataclass, would not encode at all), and
members of our `str` enums (`Kind`, `Area`, `Role`...) would come back as plain strings.
`ExactSnapshot.take` wraps those values in small markers, each with a registered
transcoding, so decoding rebuilds the same types; the snapshot's `mutate` is the
library's. The aggregates and the events they store are unchanged.

Snapshots are a cache on disk: they can be deleted at any time (the next load replays
the events), and an aggregate's class may change as long as its snapshots are deleted
with the change (or `class_version` and an upcast are added, as the library documents).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic

from domain.enterprise import LiveAct


@dataclass(frozen=True)
class _Member:
    member: Enum


@dataclass(frozen=True)
class _Pairs:
    """A dict whose keys are not all strings."""

    pairs: list[list[Any]]


@dataclass(frozen=True)
class _Tuple:
    items: list[Any]


@dataclass(frozen=True)
class _Set:
    items: list[Any]
    frozen: bool


def exact(value: Any) -> Any:
    """`value` with what JSON would change wrapped in markers that decode back to it."""
    if isinstance(value, Enum):
        return _Member(value)
    kind = type(value)
    if kind is dict:
        if all(type(k) is str for k in value):
            return {k: exact(v) for k, v in value.items()}
        return _Pairs([[exact(k), exact(v)] for k, v in value.items()])
    if kind is list:
        return [exact(v) for v in value]
    if kind is tuple:
        return _Tuple([exact(v) for v in value])
    if kind in (set, frozenset):
        return _Set([exact(v) for v in value], kind is frozenset)
    return value


class ExactSnapshot(Snapshot):
    """A snapshot whose state decodes to the same values, of the same types, as the aggregate held."""

    @classmethod
    def take(cls, aggregate: Any) -> ExactSnapshot:
        snapshot = super().take(aggregate)
        object.__setattr__(snapshot, "state", {k: exact(v) for k, v in snapshot.state.items()})
        return snapshot


class _MemberAsTopic(Transcoding):
    type = _Member
    name = "zj_enum"

    def encode(self, obj: _Member) -> list[Any]:
        return [get_topic(type(obj.member)), obj.member.value]

    def decode(self, data: list[Any]) -> Enum:
        return resolve_topic(data[0])(data[1])  # type: ignore[no-any-return]  # the topic names an Enum class


class _PairsAsList(Transcoding):
    type = _Pairs
    name = "zj_pairs"

    def encode(self, obj: _Pairs) -> list[list[Any]]:
        return obj.pairs

    def decode(self, data: list[list[Any]]) -> dict[Any, Any]:
        return {k: v for k, v in data}


class _TupleAsList(Transcoding):
    type = _Tuple
    name = "zj_tuple"

    def encode(self, obj: _Tuple) -> list[Any]:
        return obj.items

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class _SetAsList(Transcoding):
    type = _Set
    name = "zj_set"

    def encode(self, obj: _Set) -> list[Any]:
        return [obj.frozen, obj.items]

    def decode(self, data: list[Any]) -> set[Any] | frozenset[Any]:
        return frozenset(data[1]) if data[0] else set(data[1])


class _LiveActAsDict(Transcoding):
    type = LiveAct
    name = "zj_act"

    def encode(self, obj: LiveAct) -> dict[str, Any]:
        return {"type": obj.type, "occurred_on": obj.occurred_on, "data": exact(obj.data)}

    def decode(self, data: dict[str, Any]) -> LiveAct:
        return LiveAct(data["type"], data["occurred_on"], data["data"])


def register_snapshot_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (_MemberAsTopic(), _PairsAsList(), _TupleAsList(), _SetAsList(), _LiveActAsDict()):
        transcoder.register(transcoding)
