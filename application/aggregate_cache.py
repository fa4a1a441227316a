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


class CachedRepository(Repository[UUID]):
    """Gets aggregates from an LRU of `cache_size`, fast-forwarded; misses load a snapshot and the events after it.

    Every cached aggregate is read and changed only under its id's lock (the library's
    fast-forward locks), and never handed out: callers get copies.
    """

    def __init__(self, event_store: EventStore[UUID], *, snapshot_store: EventStore[UUID] | None,
                 cache_size: int) -> None:
        super().__init__(event_store, snapshot_store=snapshot_store, cache_maxsize=max(1, cache_size),
                         fastforward=True, deepcopy_from_cache=False)

    def get(self, aggregate_id: UUID, *, version: int | None = None,  # type: ignore[override]
            projector_func: Any = project_aggregate, fastforward_skipping: bool = False,
            deepcopy_from_cache: bool = True) -> Any:
        if version is not None:  # a past version: reconstructed (from a snapshot at or before it)
            return self._reconstruct_aggregate(aggregate_id, version, projector_func)
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                return copy_aggregate(self._current(aggregate_id, projector_func))
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def last_known(self, aggregate_id: UUID) -> Any:
        """A copy of the aggregate as this process last saw it (loaded if not cached), without asking for newer events.

        For commands only: saving an event on a stale copy fails (its version is taken),
        and a refusal must be confirmed on a fresh copy, so staleness costs a retry,
        never a wrong answer.
        """
        assert self.cache is not None
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            with lock:
                try:
                    return copy_aggregate(self.cache.get(aggregate_id))
                except KeyError:
                    return copy_aggregate(self._current(aggregate_id, project_aggregate))
        finally:
            self._disuse_fastforward_lock(aggregate_id)

    def _current(self, aggregate_id: UUID, projector_func: Any) -> Any:
        """The cached aggregate brought up to date (its lock held), or loaded and cached."""
        assert self.cache is not None
        try:
            cached = self.cache.get(aggregate_id)
        except KeyError:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.cache.put(aggregate_id, aggregate)
            return aggregate
        new_events = list(self.event_store.get(originator_id=aggregate_id, gt=cached.version))
        if not new_events:
            return cached
        try:
            aggregate = projector_func(cached, new_events)
        except BaseException:
            self.forget(aggregate_id)  # half-applied: load it afresh next time
            raise
        if aggregate is None:
            self.forget(aggregate_id)
            raise AggregateNotFoundError(aggregate_id)
        self.cache.put(aggregate_id, aggregate)
        return aggregate

    def remember(self, aggregate: Any) -> None:
        """After a successful save: cache (a copy of) the saved aggregate unless the cache already has it or later."""
        assert self.cache is not None
        if aggregate.pending_events:
            return
        lock = self._use_fastforward_lock(aggregate.id)
        try:
            with lock:
                try:
                    cached = self.cache.get(aggregate.id)
                except KeyError:
                    cached = None
                if cached is None or cached.version < aggregate.version:
                    self.cache.put(aggregate.id, copy_aggregate(aggregate))
        finally:
            self._disuse_fastforward_lock(aggregate.id)

    def forget(self, aggregate_id: UUID) -> None:
        assert self.cache is not None
        try:
            self.cache.get(aggregate_id, evict=True)
        except KeyError:
            pass

    def __contains__(self, item: UUID) -> bool:  # type: ignore[override]
        try:
            self.get(item)
        except AggregateNotFoundError:
            return False
        return True
