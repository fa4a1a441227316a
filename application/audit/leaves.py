"""The exact bytes each stored event's leaf hash covers, so that anyone can recompute it.

    data = b"ZJE1"                                  format tag
         || u64(position)                           the event's place in the log (notification id)
         || originator_id (16 bytes, RFC 4122)      the aggregate
         || u64(originator_version)
         || u32(len(topic))  || topic (UTF-8)       the event's class, `module:Class`
         || u32(len(state))  || state               the stored state bytes, as stored (JSON: every
                                                    field, the actor, occurred_on and `timestamp`,
                                                    the recorded time)
    leaf = SHA-256(0x00 || data)                    RFC 9162's leaf hash

Integers are unsigned big-endian. The position binds the event to its place in the log,
so a moved event no longer matches its leaf.
"""

from __future__ import annotations

import struct
from uuid import UUID

from domain.merkle import leaf_hash

FORMAT_TAG = b"ZJE1"


def leaf_data(position: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    return b"".join((
        FORMAT_TAG,
        struct.pack(">Q", position),
        originator_id.bytes,
        struct.pack(">Q", version),
        struct.pack(">I", len(topic_bytes)), topic_bytes,
        struct.pack(">I", len(state)), bytes(state),
    ))


def event_leaf(position: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The leaf hash of one stored event at its position."""
    return leaf_hash(leaf_data(position, originator_id, version, topic, state))
