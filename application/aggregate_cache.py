"""The ledger's repository: a bounded LRU of aggregates, fast-forwarded from the store on every get.

Loading an aggregate by replaying its whole history makes a command's cost grow with
the enterprise's past. Here a get finds the aggregate in the cache and asks the store
only for the events recorded after the cached version (one indexed query, usually
answering nothing), so what another process or another Ledger instance recorded is
seen at once. A miss loads the latest snapshot and the events after it. After a save
the saved aggregate replaces the cached one, so this process' own writes cost no
fast-forward at all.

The library's cache copies every aggregate it hands out with `deepcopy`, which costs in
proportion to the aggregate's size (~10 ms for an enterprise of 1,000 acts). Ours
copies one level deep instead: our aggregates change the containers they hold (dicts,
lists, sets), never the objects inside them (an `Act`, a date, an enum member), so a
copy whose containers are new is as safe for a command to change as a deep one.
`tests/integration/test_aggregate_cache.py` holds the aggregates to that.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.persistence import EventStore

A = TypeVar("A")
_CONTAINERS = (dict, list, set)


def copy_aggregate(aggregate: A) -> A:
    """A copy that shares nothing a command changes: new containers, the same (unchanged) values in them."""
    clone = object.__new__(type(aggregate))
    clone.__dict__.update(
        {k: v.copy() if type(v) in _CONTAINERS else v for k, v in aggregate.__dict__.items()}
    )
    return clone


@dataclass
class _Entry:
    aggregate: Any
    current_at: float  # time.monotonic() when the store was last seen to hold nothing newer


class CachedRepository(Repository[UUID]):
    """Gets aggregates from an LRU of `cache_size`, fast-forwarded; misses load a snapshot and the events after it.

    Every cached aggregate is read and changed only under its id's lock (the library's
    fast-forward locks), and never handed out: callers get copies.
    """

    def __init__(self, event_store: EventStore[UUID], *, snapshot_store: EventStore[UUID] | None,
                 cache_size: int) -> None:
        super().__init__(event_store, snapshot_store=snapshot_store, cache_maxsize=max(1, cache_size),
                         fastforward=True, deepcopy_from_cache=False)

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            projector_func: Any = project_aggregate, fastforward_skipping: bool = False,
            deepcopy_from_cache: bool = True) -> Any:
        if version is not None:  # a past version: reconstructed (from a snapshot at or before it)
            return self._reconstruct_aggregate(aggregate_id, version, projector_func)
        with self._locked(aggregate_id):
            return copy_aggregate(self._current(aggregate_id, projector_func).aggregate)

    def last_known(self, aggregate_id: UUID) -> Any:
        """A copy of the aggregate as this process last saw it (loaded if not cached), without asking for newer events.

        For commands only: saving an event on a stale copy fails (its version is taken),
        and a refusal must be confirmed on a fresh copy, so staleness costs a retry,
        never a wrong answer.
        """
        with self._locked(aggregate_id):
            entry = self._cached(aggregate_id) or self._current(aggregate_id, project_aggregate)
            return copy_aggregate(entry.aggregate)

    def recent(self, aggregate_id: UUID, within: float) -> Any | None:
        """A copy of the cached aggregate if it was known current less than `within` seconds ago; else None.

        Never waits and never asks the store (so an event loop may call it): None when the
        aggregate is not cached, is older than that, or is being brought up to date.
        """
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            if not lock.acquire(blocking=False):
                return None
            try:
                entry = self._cached(aggregate_id)
                if entry is None or time.monotonic() - entry.current_at >= within:
                    return None
                return copy_aggregate(entry.aggregate)
            finally:
                lock.release()
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def remember(self, aggregate: Any) -> None:
        """After a successful save: cache (a copy of) the saved aggregate unless the cache already has it or later."""
        if aggregate.pending_events:
            return
        with self._locked(aggregate.id):
            entry = self._cached(aggregate.id)
            if entry is None or entry.aggregate.version < aggregate.version:
                # Our save just took this version, so the store held nothing newer a moment ago.
                self._put(aggregate.id, copy_aggregate(aggregate))

    def forget(self, aggregate_id: UUID) -> None:
        assert self.cache is not None  # noqa: S101 - __init__ always asks the library for an LRU
        try:
            self.cache.get(aggregate_id, evict=True)
        except KeyError:
            pass

    def __contains__(self, item: UUID) -> bool:
        try:
            self.get(item)
        except AggregateNotFoundError:
            return False
        return True

    # -- under the aggregate's lock -------------------------------------------------------

    @contextmanager
    def _locked(self, aggregate_id: UUID) -> Iterator[None]:
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                yield
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def _cached(self, aggregate_id: UUID) -> _Entry | None:
        assert self.cache is not None  # noqa: S101 - __init__ always asks the library for an LRU
        try:
            return self.cache.get(aggregate_id)  # type: ignore[return-value]  # the LRU holds our _Entry, not the aggregate
        except KeyError:
            return None

    def _put(self, aggregate_id: UUID, aggregate: Any, current_at: float | None = None) -> _Entry:
        assert self.cache is not None  # noqa: S101 - __init__ always asks the library for an LRU
        entry = _Entry(aggregate, time.monotonic() if current_at is None else current_at)
        self.cache.put(aggregate_id, entry)  # type: ignore[arg-type]  # the LRU holds our _Entry, not the aggregate
        return entry

    def _current(self, aggregate_id: UUID, projector_func: Any) -> _Entry:
        """The cached aggregate brought up to date, or loaded and cached."""
        entry = self._cached(aggregate_id)
        asked_at = time.monotonic()
        if entry is None:
            return self._put(aggregate_id, self._reconstruct_aggregate(aggregate_id, None, projector_func), asked_at)
        new_events = list(self.event_store.get(originator_id=aggregate_id, gt=entry.aggregate.version))
        if new_events:
            try:
                aggregate = projector_func(entry.aggregate, new_events)
            except BaseException:
                self.forget(aggregate_id)  # half-applied: load it afresh next time
                raise
            if aggregate is None:
                self.forget(aggregate_id)
                raise AggregateNotFoundError(aggregate_id)
            entry.aggregate = aggregate
        entry.current_at = asked_at
        self.cache.put(aggregate_id, entry)  # type: ignore[union-attr, arg-type]  # _cached/_put checked the LRU; it holds _Entry
        return entry
