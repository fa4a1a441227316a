"""What the ledger answers: plain values, never aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, overload
from uuid import UUID

from domain.actor import Actor


@dataclass(frozen=True)
class CommandResult:
    enterprise_id: UUID
    version: int
    position: int
    recorded_at: datetime


@dataclass(frozen=True)
class Idempotency:
    key: str
    request: Any  # what the client sent, fingerprinted to refuse a reused key


@dataclass(frozen=True)
class Retraction:
    version: int
    reason: str
    recorded_at: datetime
    actor: Actor


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    position: int
    type: str
    occurred_on: date
    recorded_at: datetime
    actor: Actor
    payload: dict[str, Any]
    retracted: Retraction | None
    leaf_hash: str  # hex SHA-256 leaf (application/audit/leaves.py), checked against the log's Merkle tree


@dataclass(frozen=True)
class HistoryPage(Sequence[HistoryEntry]):
    """A page of an enterprise's audit trail; a sequence of its entries."""

    entries: list[HistoryEntry]
    latest_version: int  # the enterprise's version now (its ETag), whatever the page
    next_after_version: int | None  # where the next page starts; None when this page reaches the end

    @overload
    def __getitem__(self, index: int) -> HistoryEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[HistoryEntry]: ...
    def __getitem__(self, index: int | slice) -> HistoryEntry | list[HistoryEntry]:
        return self.entries[index]

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Appointment:
    official_id: UUID
    token: str
