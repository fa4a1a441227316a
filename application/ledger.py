"""The enforcement ledger: every act recorded through one path, `record` (or `register` for a new enterprise).

A command is a value (application/commands.py); who acts and what day it is come with
it. Methods return plain values (application/results.py), never aggregates. Library
errors are translated into the domain's typed errors here. Officials and their tokens:
application/officials.py.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    LRUCache,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, DomainEventProtocol, OriginatorIDError, OriginatorVersionError
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, StoredEvent
from eventsourcing.utils import get_topic

from application.aggregate_cache import CachedRepository
from application.audit.leaf_store import EventRow, LeafRow, LeafStore
from application.audit.leaves import event_leaf
from application.audit.verify import REASONS
from application.commands import EnterpriseCommand, Inspect, Register
from application.draws import DrawsMixin
from application.idempotency import IdempotencyRecord, fingerprint
from application.officials import OfficialsMixin
from application.results import CommandResult, HistoryEntry, HistoryPage, Idempotency, Retraction
from application.snapshots import ExactSnapshot
from application.storage import EventStoreAccess
from application.transcodings import register_transcodings
from domain import errors
from domain.acts import Act
from domain.enterprise import CreditCodeIndex, Enterprise
from domain.official import Caller, Official
from domain.permissions import authorise
from domain.status import ENVELOPE

_A = TypeVar("_A")


class Ledger(OfficialsMixin, DrawsMixin, Application[UUID]):
    """The zhijian application: enterprises and officials, stored immutably.

    Aggregates are loaded from a bounded LRU, fast-forwarded with the events recorded
    since (application/aggregate_cache.py), and on a miss from their latest snapshot
    (taken every `snapshot_interval` events, less often as the history grows: see
    `snapshot_step`; application/snapshots.py) and the events after it: a command costs
    the same whatever the enterprise's history.
    """

    name = "Zhijian"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        command_retries: int = 8,
        cache_size: int = 4096,
        snapshot_interval: int = 50,
        create_tables: bool = True,
    ) -> None:
        self.cache_size = cache_size
        self.snapshotting_intervals = (  # type: ignore[misc]  # the library types it as a class variable
            {Enterprise: snapshot_interval, Official: snapshot_interval} if snapshot_interval > 0 else {}
        )
        env = dict(env or {})
        if snapshot_interval > 0:
            env.setdefault("IS_SNAPSHOTTING_ENABLED", "y")
        super().__init__(env)
        self.command_retries = command_retries
        self._write_locks = tuple(threading.Lock() for _ in range(64))
        # A token's hash names its official for good (a token index is never changed):
        # only the official's own state (revocations, deactivation) can refuse it.
        self._token_owners: LRUCache[str, UUID] = LRUCache(maxsize=max(1, cache_size))
        self.store = EventStoreAccess(self.recorder)
        self.leaves = LeafStore(self.recorder)
        if create_tables:
            self.store.make_immutable()
            # A store kept before leaf hashes were: its events get theirs once (build_ledger holds the schema lock).
            self.leaves.backfill()
        else:  # a role without DDL (deploy/): the owner made the triggers, `zhijian db init`
            self.store.require_immutable()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- loading and saving: the cache and the snapshots --------------------------------

    def construct_repository(self) -> Repository[UUID]:
        return CachedRepository(self.events, snapshot_store=self.snapshots, cache_size=self.cache_size)

    @property
    def repository(self) -> CachedRepository:
        return self._repository  # type: ignore[return-value]  # construct_repository made a CachedRepository

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        recordings = super()._record(processing_event)
        for aggregate in processing_event.aggregates.values():
            if isinstance(aggregate, (Enterprise, Official)):  # what commands load again; not indexes or records
                self.repository.remember(aggregate)
        return recordings

    def save_events(self, events: Sequence[DomainEventProtocol[UUID]]) -> list[Recording[UUID]]:
        """`save` for new events already collected from their aggregates (a census batch, the
        generator's): one transaction, as `save`, without the library asking each of
        thousands of objects whether it is an event or an aggregate (a Protocol isinstance
        check: about 7 % of a census import). No aggregate is at hand, so none is cached or
        snapshotted; a census creates its aggregates with their first event."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        processing_event.events.extend(events)
        recordings = self._record(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshots each saved aggregate whose new events passed a multiple of its snapshot step.

        The aggregate in hand is the state just recorded, so it is snapshotted as it is
        instead of being loaded again. A snapshot is only a shortcut: failing to take one
        is logged and never fails the command, whose events are already recorded.
        """
        if self.snapshots is None:
            return
        counts: dict[UUID, int] = {}
        for event in processing_event.events:
            counts[event.originator_id] = counts.get(event.originator_id, 0) + 1
        for aggregate_id, aggregate in processing_event.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            if not interval or not isinstance(aggregate, Aggregate) or aggregate.pending_events:
                continue
            before = aggregate.version - counts.get(aggregate_id, 0)
            step = snapshot_step(aggregate.version, interval)
            if aggregate.version // step > before // step:
                try:
                    self.snapshots.put([ExactSnapshot.take(aggregate)])
                except Exception:  # noqa: BLE001 - see the docstring
                    _log.warning("snapshot of %s at version %s not taken", aggregate_id, aggregate.version,
                                 exc_info=True)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: Any = project_aggregate) -> None:
        if self.snapshots is None:
            raise AssertionError("snapshotting is off (snapshot_interval 0)")
        aggregate = self.repository.get(aggregate_id, version=version, projector_func=projector_func)
        self.snapshots.put([ExactSnapshot.take(aggregate)])

    def _created_once(self, aggregate_id: UUID) -> Any | None:
        """An aggregate that is only ever created (an index, an idempotency record): one query, no cache."""
        events = list(self.events.get(aggregate_id))
        return project_aggregate(None, events) if events else None

    # -- enterprise commands -----------------------------------------------------------

    def register(self, command: Register, *, by: Caller, today: date,
                 idempotency: Idempotency | None = None) -> CommandResult:
        """登记建档: registers a new enterprise; its credit code (if any) at most once."""
        authorise(by, command.act, command.town)
        replay = self._replay(by, idempotency)
        if replay is not None:
            return replay
        enterprise = command.create(by.as_actor, today)
        extra: list[Aggregate] = []
        if enterprise.credit_code:
            extra.append(CreditCodeIndex(credit_code=enterprise.credit_code, enterprise_id=enterprise.id))
            if self._created_once(CreditCodeIndex.create_id(enterprise.credit_code)) is not None:
                raise self._credit_code_taken(enterprise.credit_code)
        try:
            return self._save_command(enterprise, extra, by, idempotency)
        except IntegrityError:
            replay = self._replay(by, idempotency)
            if replay is not None:
                return replay
            if enterprise.credit_code:
                raise self._credit_code_taken(enterprise.credit_code) from None
            raise

    def _credit_code_taken(self, code: str) -> errors.CreditCodeTaken:
        index = self._created_once(CreditCodeIndex.create_id(code))
        assert isinstance(index, CreditCodeIndex)  # noqa: S101 - called once the index is known to exist
        return errors.CreditCodeTaken(
            f"统一社会信用代码 {code} 已登记，企业 {index.enterprise_id} "
            f"(credit code already registered to enterprise {index.enterprise_id})"
        )

    def record(
        self,
        enterprise_id: UUID,
        command: EnterpriseCommand,
        *,
        by: Caller,
        today: date,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> CommandResult:
        """Records one act on an enterprise: load, authorise, decide, save (see `_execute`)."""
        def decide(enterprise: Enterprise) -> None:
            if isinstance(command, Inspect) and command.draw_id is not None:  # an inspection answering a draw
                self.check_draw_answered(command.draw_id, enterprise_id)
            command.apply(enterprise, by.as_actor, today)

        return self._execute(enterprise_id, by, command.act, expected_version, idempotency, decide)

    # -- the command cycle -------------------------------------------------------------

    def _execute(
        self,
        enterprise_id: UUID,
        by: Caller,
        act: Act,
        expected_version: int | None,
        idempotency: Idempotency | None,
        decide: Callable[[Enterprise], None],
    ) -> CommandResult:
        """Load, check, decide, save; on a lost race re-decide on fresh state, a bounded number of times.

        The first try decides on the enterprise as this process last knew it, without
        asking the store for newer events: if another process wrote since, the save
        fails (the version is taken) and the command is decided again on fresh state;
        a refusal (a rule, a stale If-Match) is only answered once confirmed on fresh
        state. So an uncontended command costs one write and no read.

        Writers to one enterprise in this process queue on a lock instead of racing; the
        retries (with a little random backoff) settle races with other processes.
        """
        with self._write_locks[enterprise_id.int % len(self._write_locks)]:
            fresh, lost = False, 0
            while lost < max(1, self.command_retries):
                enterprise = self._enterprise(enterprise_id) if fresh else self._last_known(enterprise_id)
                try:
                    authorise(by, act, enterprise.town)
                    replay = self._replay(by, idempotency)
                    if replay is not None:
                        return replay
                    if expected_version is not None and enterprise.version != expected_version:
                        raise errors.ConcurrencyConflict(
                            f"企业记录已更新到第 {enterprise.version} 版，请求基于第 {expected_version} 版 "
                            f"(enterprise is at version {enterprise.version}, If-Match said {expected_version})"
                        )
                    decide(enterprise)
                except errors.DomainError:
                    if fresh:
                        raise
                    fresh = True  # the refusal may come from what this process had not seen yet
                    continue
                try:
                    return self._save_command(enterprise, [], by, idempotency)
                except IntegrityError:
                    if expected_version is not None:
                        raise errors.ConcurrencyConflict(
                            f"企业记录已被他人更新 (enterprise moved on past version {expected_version})"
                        ) from None
                    fresh, lost = True, lost + 1
                    time.sleep(_JITTER.uniform(0, 0.005 * lost))
        raise errors.ConcurrencyConflict(
            f"并发写入过多，请重试 (lost {self.command_retries} races for this enterprise; try again)"
        )

    def _save_command(
        self, enterprise: Aggregate, extra: list[Aggregate], by: Caller, idempotency: Idempotency | None
    ) -> CommandResult:
        """Saves the command's aggregate (an enterprise, a draw plan, an official) with its idempotency record."""
        last = enterprise.pending_events[-1]
        records: list[Aggregate] = list(extra)
        if idempotency is not None:
            records.append(
                IdempotencyRecord(
                    official_id=by.id,
                    key=idempotency.key,
                    fingerprint=fingerprint(idempotency.request),
                    enterprise_id=enterprise.id,
                    enterprise_version=last.originator_version,
                    recorded_at=last.timestamp,
                )
            )
        recordings = self.save(enterprise, *records)  # the aggregate itself: cached and snapshotted after
        position = next(
            r.notification.id
            for r in recordings
            if r.domain_event.originator_id == enterprise.id
            and r.domain_event.originator_version == last.originator_version
        )
        return CommandResult(enterprise.id, last.originator_version, position, last.timestamp)

    def _replay(self, by: Caller, idempotency: Idempotency | None) -> CommandResult | None:
        """The original answer to a repeated request, or None if the key is new."""
        if idempotency is None:
            return None
        record = self._created_once(IdempotencyRecord.create_id(by.id, idempotency.key))
        if record is None:
            return None
        assert isinstance(record, IdempotencyRecord)  # noqa: S101 - the id is made from IdempotencyRecord's key
        if record.fingerprint != fingerprint(idempotency.request):
            raise errors.IdempotencyKeyReused(
                f"Idempotency-Key {idempotency.key!r} 已用于另一请求 (already used with a different request body)"
            )
        version = record.enterprise_version
        position = self.store.positions(record.enterprise_id, version - 1, version)[version]
        return CommandResult(record.enterprise_id, record.enterprise_version, position, record.recorded_at)

    # -- queries ------------------------------------------------------------------------

    def _enterprise(self, enterprise_id: UUID) -> Enterprise:
        return self._get(Enterprise, enterprise_id, "enterprise")

    def _last_known(self, enterprise_id: UUID) -> Enterprise:
        try:
            aggregate = self.repository.last_known(enterprise_id)
        except AggregateNotFoundError:
            aggregate = None
        except (OriginatorVersionError, OriginatorIDError):
            raise self._unloadable(enterprise_id) from None
        if not isinstance(aggregate, Enterprise):
            raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
        return aggregate

    def _get(self, cls: type[_A], aggregate_id: UUID, what: str, version: int | None = None) -> _A:
        try:
            aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise errors.NotFound(f"没有这个{_WHAT[what]} (no {what} {aggregate_id})") from None
        except (OriginatorVersionError, OriginatorIDError):
            raise self._unloadable(aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise errors.NotFound(f"没有这个{_WHAT[what]} (no {what} {aggregate_id})")
        return aggregate

    @staticmethod
    def _unloadable(aggregate_id: UUID) -> errors.LogIntegrityError:
        """Its stored events do not follow on from one another: changed below the application."""
        return errors.LogIntegrityError(
            f"日志完整性校验失败：{aggregate_id} 的事件版本不连续 (the log fails its integrity check: the stored "
            f"events of {aggregate_id} do not follow on from one another; run `zhijian audit verify`)")

    def history(self, enterprise_id: UUID, *, after_version: int = 0, limit: int | None = None) -> HistoryPage:
        """The enterprise's audit trail in version order: every event, both times, its leaf hash, its retraction.

        A page: the events after `after_version`, at most `limit` of them (all when None);
        `next_after_version` says where the next page starts, None at the end. A retraction
        shows on its target whatever page either is on. Every event shown is first checked
        against the leaf hash recorded with it (LogIntegrityError if the log was changed
        below the application), so a forged record is never shown as the record."""
        with self.leaves.reading() as reader:
            first = reader.aggregate_events(enterprise_id, 0, 1)
            if not first:
                raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
            checked_leaves(enterprise_id, first, reader.aggregate_leaves(enterprise_id, 0, 1), 0, 1)
            if not isinstance(self._decoded(first[0]), Enterprise.Event):  # its registration says what it is
                raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
            rows = reader.aggregate_events(enterprise_id, after_version, None, limit=limit)
            at_end = limit is None or len(rows) < limit
            last = rows[-1].version if rows else after_version
            leaves = reader.aggregate_leaves(enterprise_id, after_version, None if at_end else last)
            hashes = checked_leaves(enterprise_id, rows, leaves, after_version, None if at_end else last)
            latest = last if at_end else (self.store.last_version(enterprise_id) or last)
            events = [self._decoded(row) for row in rows]
            if limit is None:
                retracting = [e for e in events if isinstance(e, Enterprise.Retracted)]
            else:  # the retractions of this page's events may be on later pages: read them alone
                later = reader.aggregate_events(enterprise_id, topic=RETRACTED_TOPIC)
                all_leaves = {r.version: lf for r in later
                              if (lf := reader.leaf_of(enterprise_id, r.version)) is not None}
                for row in later:
                    checked_leaves(enterprise_id, [row], all_leaves, row.version - 1, row.version)
                retracting = [self._decoded(row) for row in later]
        retractions = {e.event_version: Retraction(e.originator_version, e.reason, e.timestamp, e.actor)
                       for e in retracting}
        entries = [
            HistoryEntry(
                version=e.originator_version,
                position=row.position,
                type=type(e).__name__,
                occurred_on=e.occurred_on,
                recorded_at=e.timestamp,
                actor=e.actor,
                payload={k: v for k, v in e.__dict__.items() if k not in ENVELOPE},
                retracted=retractions.get(e.originator_version),
                leaf_hash=hashes[e.originator_version].hex(),
            )
            for e, row in zip(events, rows, strict=True)
        ]
        return HistoryPage(entries, latest, last if last < latest else None)

    def _decoded(self, row: EventRow) -> Any:
        return self.mapper.to_domain_event(StoredEvent(row.originator_id, row.version, row.topic, row.state))


def checked_leaves(aggregate_id: UUID, rows: list[EventRow], leaves: dict[int, LeafRow], after: int,
                   upto: int | None) -> dict[int, bytes]:
    """Each row's leaf hash, once it matches the one recorded with it; LogIntegrityError naming the first that does not.

    Also: the versions run on from `after` without a gap, and no recorded leaf in (after, upto]
    lacks its event."""
    hashes: dict[int, bytes] = {}
    expected = after + 1
    for row in rows:
        if row.version != expected:
            raise _broken(aggregate_id, row.position, expected, "missing")
        expected += 1
        leaf = leaves.get(row.version)
        now = event_leaf(row.position, row.originator_id, row.version, row.topic, row.state)
        if leaf is None:
            raise _broken(aggregate_id, row.position, row.version, "inserted")
        if leaf.leaf != now:
            reason = "out_of_order" if leaf.position != row.position and leaf.leaf == event_leaf(
                leaf.position, row.originator_id, row.version, row.topic, row.state) else "altered"
            raise _broken(aggregate_id, row.position, row.version, reason)
        hashes[row.version] = now
    for version, leaf in sorted(leaves.items()):
        if after < version and (upto is None or version <= upto) and version not in hashes:
            raise _broken(aggregate_id, leaf.position, version, "missing")
    return hashes


def _broken(aggregate_id: UUID, position: int, version: int, reason: str) -> errors.LogIntegrityError:
    return errors.LogIntegrityError(
        f"日志完整性校验失败：企业 {aggregate_id} 第 {version} 号事件（位置 {position}）{REASONS[reason]} "
        f"(the log fails its integrity check at position {position}, enterprise {aggregate_id}, "
        f"version {version}: {reason}; run `zhijian audit verify`)"
    )


def snapshot_step(version: int, interval: int) -> int:
    """Events between snapshots at this version: `interval`, doubled each time the history doubles past 8 of them.

    A snapshot costs in proportion to the history it holds; with steps that grow with
    the history, snapshotting costs each event the same whatever the enterprise's past
    (one eighth to one quarter of a snapshot's cost per act), and a load after the latest
    snapshot replays at most a quarter of the history.
    """
    step = interval
    while version >= 8 * step:
        step *= 2
    return step


_WHAT = {"enterprise": "企业", "official": "人员", "draw plan": "抽查计划"}
RETRACTED_TOPIC = get_topic(Enterprise.Retracted)
_log = logging.getLogger(__name__)
_JITTER = random.Random()  # noqa: S311 - backoff jitter, not secrecy; its own state, not the global one
