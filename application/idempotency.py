"""Idempotency keys, stored as aggregates in the same transaction as the command's events."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def fingerprint(payload: Any) -> str:
    """A stable digest of a request: the same key with another body is refused."""
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyRecord(Aggregate):
    """Remembers the answer to one official's request sent with one Idempotency-Key."""

    @staticmethod
    def create_id(official_id: UUID, key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/zhijian/idempotency/{official_id}/{key}")

    @event("Recorded")
    def __init__(
        self,
        official_id: UUID,
        key: str,
        fingerprint: str,
        enterprise_id: UUID,
        enterprise_version: int,
        recorded_at: datetime,
    ) -> None:
        self.official_id = official_id
        self.key = key
        self.fingerprint = fingerprint
        self.enterprise_id = enterprise_id
        self.enterprise_version = enterprise_version
        self.recorded_at = recorded_at
