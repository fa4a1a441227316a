"""The enforcement ledger: one method per command, each taking the acting official and today.

Methods return plain values (ids, versions, positions), never aggregates. Library
errors are translated into the domain's typed errors here.
"""

from __future__ import annotations

import hmac
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    LRUCache,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from application.aggregate_cache import CachedRepository
from application.idempotency import IdempotencyRecord, fingerprint
from application.snapshots import ExactSnapshot
from application.storage import EventStoreAccess
from application.transcodings import register_transcodings
from domain import errors
from domain.actor import Actor
from domain.enterprise import CreditCodeIndex, Enterprise
from domain.official import Caller, Official, TokenIndex, hash_token
from domain.status import ENVELOPE
from domain.values import ClosureReason, FindingCode, LicenseType, Outcome, ProductCategory, Role, SampleResult



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


@dataclass(frozen=True)
class HistoryPage(Sequence[HistoryEntry]):
    """A page of an enterprise's audit trail; a sequence of its entries."""

    entries: list[HistoryEntry]
    latest_version: int  # the enterprise's version now (its ETag), whatever the page
    next_after_version: int | None  # where the next page starts; None when this page reaches the end

    def __getitem__(self, index: Any) -> Any:
        return self.entries[index]

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Appointment:
    official_id: UUID
    token: str


class Ledger(Application[UUID]):
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
    ) -> None:
        self.cache_size = cache_size
        self.snapshotting_intervals = (  # type: ignore[misc]
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
        self.store.make_immutable()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- loading and saving: the cache and the snapshots --------------------------------

    def construct_repository(self) -> Repository[UUID]:
        return CachedRepository(self.events, snapshot_store=self.snapshots, cache_size=self.cache_size)

    @property
    def repository(self) -> CachedRepository:
        return self._repository  # type: ignore[return-value]

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        recordings = super()._record(processing_event)
        for aggregate in processing_event.aggregates.values():
            if isinstance(aggregate, (Enterprise, Official)):  # what commands load again; not indexes or records
                self.repository.remember(aggregate)
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
            if not interval or aggregate.pending_events:
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

    # -- officials -------------------------------------------------------------------

    def appoint_official(
        self, *, by: Actor, today: date, name: str, unit: str, role: Role, towns: Iterable[str] = ()
    ) -> Appointment:
        official = Official.appoint(actor=by, today=today, name=name, unit=unit, role=role, towns=towns)
        token, index = self._new_token(official, by, today)
        self.save(official, index)
        return Appointment(official.id, token)

    def issue_token(self, official_id: UUID, *, by: Actor, today: date) -> str:
        official = self._official(official_id)
        token, index = self._new_token(official, by, today)
        self.save(official, index)
        return token

    def _new_token(self, official: Official, by: Actor, today: date) -> tuple[str, TokenIndex]:
        token = "zj_" + secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        official.issue_token(actor=by, today=today, token_hash=token_hash)
        return token, TokenIndex(token_hash=token_hash, official_id=official.id)

    def revoke_token(self, official_id: UUID, token: str, *, by: Actor, today: date) -> None:
        official = self._official(official_id)
        official.revoke_token(actor=by, today=today, token_hash=hash_token(token))
        self.save(official)

    def reassign_official(
        self, official_id: UUID, *, by: Actor, today: date, towns: Iterable[str] | None = None, role: Role | None = None
    ) -> None:
        official = self._official(official_id)
        official.reassign(actor=by, today=today, towns=towns, role=role)
        self.save(official)

    def deactivate_official(self, official_id: UUID, *, by: Actor, today: date, reason: str = "") -> None:
        official = self._official(official_id)
        official.deactivate(actor=by, today=today, reason=reason)
        self.save(official)

    def _official(self, official_id: UUID) -> Official:
        return self._get(Official, official_id, "official")

    def authenticate(self, token: str) -> Caller:
        """The active official holding this token, or Unauthenticated; what the store holds now."""
        official_id = self._token_owner(token)
        try:
            official = self.repository.get(official_id)  # fast-forwarded: a revocation counts at once
        except AggregateNotFoundError:
            raise _refused() from None
        return _caller(official, token)

    def recently_authenticated(self, token: str, within: float) -> Caller | None:
        """As `authenticate`, from memory alone: None unless the token's official was read from the store less
        than `within` seconds ago (then ask `authenticate`). Never waits, never asks the store.

        A refusal from memory is final: revoked tokens and deactivated officials stay so.
        """
        try:
            official_id = self._token_owners.get(hash_token(token))
        except KeyError:
            return None
        official = self.repository.recent(official_id, within)
        return None if official is None else _caller(official, token)

    def _token_owner(self, token: str) -> UUID:
        token_hash = hash_token(token)
        try:
            return self._token_owners.get(token_hash)
        except KeyError:
            pass
        index = self._created_once(TokenIndex.create_id(token_hash))
        if not isinstance(index, TokenIndex):
            raise _refused()
        self._token_owners.put(token_hash, index.official_id)
        return index.official_id

    # -- enterprise commands -----------------------------------------------------------

    def register_enterprise(
        self,
        *,
        by: Caller,
        today: date,
        occurred_on: date,
        name: str,
        town: str,
        area: Any,
        kind: Any,
        product_categories: Iterable[ProductCategory] = (),
        credit_code: str | None = None,
        credit_code_verified_by_hand: bool = False,
        address: str = "",
        notes: str = "",
        idempotency: Idempotency | None = None,
    ) -> CommandResult:
        self._authorise(by, "Registered", town)
        replay = self._replay(by, idempotency)
        if replay is not None:
            return replay
        enterprise = Enterprise.register(
            actor=by.as_actor, today=today, occurred_on=occurred_on, name=name, town=town, area=area, kind=kind,
            product_categories=product_categories, credit_code=credit_code,
            credit_code_verified_by_hand=credit_code_verified_by_hand, address=address, notes=notes,
        )
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
        return errors.CreditCodeTaken(
            f"统一社会信用代码 {code} 已登记，企业 {index.enterprise_id} "
            f"(credit code already registered to enterprise {index.enterprise_id})"
        )

    def inspect(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, outcome: Outcome,
        findings: Iterable[FindingCode] = (), notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "Inspected", expected_version, idempotency,
            lambda e: e.inspect(actor=by.as_actor, today=today, occurred_on=occurred_on, outcome=outcome,
                                findings=findings, notes=notes),
        )

    def order_to_rectify(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, order_no: str, deadline: date,
        items: Iterable[str], notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "OrderedToRectify", expected_version, idempotency,
            lambda e: e.order_to_rectify(actor=by.as_actor, today=today, occurred_on=occurred_on, order_no=order_no,
                                         deadline=deadline, items=items, notes=notes),
        )

    def verify_rectification(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, order_no: str, passed: bool,
        notes: str = "", expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "RectificationVerified", expected_version, idempotency,
            lambda e: e.verify_rectification(actor=by.as_actor, today=today, occurred_on=occurred_on,
                                             order_no=order_no, passed=passed, notes=notes),
        )

    def grant_license(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, license_type: LicenseType,
        license_no: str, valid_until: date, notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "Licensed", expected_version, idempotency,
            lambda e: e.grant_license(actor=by.as_actor, today=today, occurred_on=occurred_on,
                                      license_type=license_type, license_no=license_no, valid_until=valid_until,
                                      notes=notes),
        )

    def review_license(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, license_no: str, year: int,
        passed: bool = True, notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "LicenseReviewed", expected_version, idempotency,
            lambda e: e.review_license(actor=by.as_actor, today=today, occurred_on=occurred_on,
                                       license_no=license_no, year=year, passed=passed, notes=notes),
        )

    def record_sample(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, sample_no: str,
        product_category: ProductCategory, result: SampleResult, product: str = "",
        failed_items: Iterable[str] = (), lab: str = "", notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "SampleTaken", expected_version, idempotency,
            lambda e: e.record_sample(actor=by.as_actor, today=today, occurred_on=occurred_on, sample_no=sample_no,
                                      product_category=product_category, result=result, product=product,
                                      failed_items=failed_items, lab=lab, notes=notes),
        )

    def close_enterprise(
        self, enterprise_id: UUID, *, by: Caller, today: date, occurred_on: date, reason: ClosureReason,
        decision_no: str = "", notes: str = "",
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "Closed", expected_version, idempotency,
            lambda e: e.close(actor=by.as_actor, today=today, occurred_on=occurred_on, reason=reason,
                              decision_no=decision_no, notes=notes),
        )

    def retract(
        self, enterprise_id: UUID, *, by: Caller, today: date, event_version: int, reason: str,
        occurred_on: date | None = None,
        expected_version: int | None = None, idempotency: Idempotency | None = None,
    ) -> CommandResult:
        return self._execute(
            enterprise_id, by, "Retracted", expected_version, idempotency,
            lambda e: e.retract(actor=by.as_actor, today=today, occurred_on=occurred_on or today,
                                event_version=event_version, reason=reason),
        )

    # -- the command cycle -------------------------------------------------------------

    def _authorise(self, by: Caller, act: str, town: str) -> None:
        if not by.active:
            raise errors.NotPermitted(f"{by.name} 已停用 (official is deactivated)")
        if act not in _ROLE_WORDS or not by.may(act):
            raise errors.NotPermitted(
                f"{by.role.label}无权{_ROLE_WORDS.get(act, act)} (role {by.role.value} may not record {act})"
            )
        if not by.covers(town):
            raise errors.NotPermitted(
                f"{town} 不在 {by.name} 的辖区 {'、'.join(by.towns)} 内 (town {town} is outside the official's towns)"
            )

    def _execute(
        self,
        enterprise_id: UUID,
        by: Caller,
        act: str,
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
                    self._authorise(by, act, enterprise.town)
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
        self, enterprise: Enterprise, extra: list[Aggregate], by: Caller, idempotency: Idempotency | None
    ) -> CommandResult:
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
            if r.domain_event.originator_id == enterprise.id and r.domain_event.originator_version == last.originator_version
        )
        return CommandResult(enterprise.id, last.originator_version, position, last.timestamp)

    def _replay(self, by: Caller, idempotency: Idempotency | None) -> CommandResult | None:
        """The original answer to a repeated request, or None if the key is new."""
        if idempotency is None:
            return None
        record = self._created_once(IdempotencyRecord.create_id(by.id, idempotency.key))
        if record is None:
            return None
        assert isinstance(record, IdempotencyRecord)
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
        if not isinstance(aggregate, Enterprise):
            raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
        return aggregate

    def _get(self, cls: type[Any], aggregate_id: UUID, what: str) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise errors.NotFound(f"没有这个{_WHAT[what]} (no {what} {aggregate_id})") from None
        if not isinstance(aggregate, cls):
            raise errors.NotFound(f"没有这个{_WHAT[what]} (no {what} {aggregate_id})")
        return aggregate

    def history(self, enterprise_id: UUID, *, after_version: int = 0, limit: int | None = None) -> HistoryPage:
        """The enterprise's audit trail in version order: every event, both times, its retraction if any.

        A page: the events after `after_version`, at most `limit` of them (all when None);
        `next_after_version` says where the next page starts, None at the end. A retraction
        shows on its target whatever page either is on."""
        first = next(iter(self.events.get(enterprise_id, lte=1)), None)
        if not isinstance(first, Enterprise.Event):  # its registration says what it is
            raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
        latest = self.store.last_version(enterprise_id) or 1
        events = list(self.events.get(enterprise_id, gt=after_version or None, limit=limit))
        if limit is None:
            retracting = [e for e in events if isinstance(e, Enterprise.Retracted)]
        else:  # the retractions of this page's events may be on later pages: read them alone
            retracting = [self.mapper.to_domain_event(s)
                          for s in self.store.stored_events(enterprise_id, RETRACTED_TOPIC)]
        retractions = {e.event_version: Retraction(e.originator_version, e.reason, e.timestamp, e.actor)
                       for e in retracting}
        last = events[-1].originator_version if events else after_version
        positions = self.store.positions(enterprise_id, after_version, last)
        entries = [
            HistoryEntry(
                version=e.originator_version,
                position=positions[e.originator_version],
                type=type(e).__name__,
                occurred_on=e.occurred_on,
                recorded_at=e.timestamp,
                actor=e.actor,
                payload={k: v for k, v in e.__dict__.items() if k not in ENVELOPE},
                retracted=retractions.get(e.originator_version),
            )
            for e in events
        ]
        return HistoryPage(entries, latest, last if last < latest else None)


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


def _refused() -> errors.Unauthenticated:
    return errors.Unauthenticated("令牌无效、已吊销或人员已停用 (token unknown, revoked, or official deactivated)")


def _caller(official: Any, token: str) -> Caller:
    """The official as the caller presenting `token`, if they are active and hold it; Unauthenticated otherwise."""
    if not isinstance(official, Official):
        raise _refused()
    token_hash = hash_token(token)
    held = [h for h in official.token_hashes if hmac.compare_digest(h, token_hash)]
    if not official.active or not held:
        raise _refused()
    return official.as_caller


_WHAT = {"enterprise": "企业", "official": "人员"}
RETRACTED_TOPIC = get_topic(Enterprise.Retracted)
_log = logging.getLogger(__name__)
_JITTER = random.Random()  # noqa: S311 - backoff jitter, not secrecy; its own state, not the global one
_ROLE_WORDS = {
    "Registered": "登记建档",
    "Inspected": "检查",
    "SampleTaken": "抽样",
    "OrderedToRectify": "责令整改",
    "RectificationVerified": "整改复查",
    "Licensed": "发证",
    "LicenseReviewed": "年审",
    "Closed": "关停",
    "Retracted": "更正",
}
