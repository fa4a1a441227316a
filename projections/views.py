"""The read side as the interfaces see it: `open_views(settings)` -> `Views`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, cast

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from application.settings import Settings
from projections.accountability_view import AccountabilityView
from projections.log import LedgerLog
from projections.pages import catch_up
from projections.projection import ViewProjection
from projections.recorders import ViewRecorder
from projections.registry import VIEW_NAMES, VIEWS, ViewQueries, backend, view_spec
from projections.report_archive import ReportArchive
from projections.status_view import StatusView

__all__ = ["VIEW_NAMES", "ViewLagging", "ViewRebuilding", "Views", "open_recorders", "open_replica_views", "open_views",
           "store_env"]


def store_env(settings: Settings, *, pool_size: int = 2) -> dict[str, str]:
    """The library's environment for the views' own connections (a small pool of their own)."""
    env = settings.eventsourcing_env()
    # The log is the Ledger's to create (LedgerLog's env name is "Zhijian"): readers that
    # started first wait for it rather than race the Ledger to create it.
    env["ZHIJIAN_CREATE_TABLE"] = "n"
    if settings.is_postgres:
        env["POSTGRES_POOL_SIZE"] = str(pool_size)
        env["POSTGRES_MAX_OVERFLOW"] = str(max(settings.max_overflow, 4))
    return env


def open_recorders(
    settings: Settings, views: tuple[str, ...] = VIEW_NAMES, *, create_tables: bool = True
) -> tuple[Any, dict[str, ViewRecorder]]:
    """One datastore, and on it each named view's recorder (tables created if missing, unless told not to)."""
    env = store_env(settings)
    if not create_tables:
        env["CREATE_TABLE"] = "n"  # the library's recorders otherwise run their CREATE TABLE statements
    factory: Any = InfrastructureFactory.construct(Environment("zhijian_views", env))
    recorders = {v: factory.tracking_recorder(view_spec(v).recorder_class(backend(settings))) for v in views}
    if create_tables and "status" in recorders:
        ReportArchive(recorders["status"]).create()  # the status view's answers kept at final pairs
    return factory, recorders


class ViewLagging(Exception):
    """The views had not processed a position a read asked for (`after=`) within `waited` seconds."""

    def __init__(self, position: int, lag: dict[str, int], waited: float) -> None:
        super().__init__(f"views have not reached position {position}")
        self.position, self.lag, self.waited = position, lag, waited


class ViewRebuilding(Exception):
    """Views still being projected from zero (made, or made again for a new schema version, when the log already
    held events): their answers would leave events out. `progress`: each one's (position, ready_at)."""

    def __init__(self, progress: dict[str, tuple[int, int]]) -> None:
        super().__init__(f"views still being projected from the log: {', '.join(sorted(progress))}")
        self.progress = progress


@dataclass
class Views:
    """Every view's queries (by the view's name), their positions and lag."""

    queries: dict[str, ViewQueries]
    log: LedgerLog
    _factory: Any = field(repr=False, default=None)
    _owns_log: bool = field(repr=False, default=True)  # False for a replica's views: the log is the primary's

    @property
    def status(self) -> StatusView:
        return cast(StatusView, self.queries["status"])

    @property
    def accountability(self) -> AccountabilityView:
        return cast(AccountabilityView, self.queries["accountability"])

    def positions(self) -> dict[str, int]:
        return {name: queries.position() for name, queries in self.queries.items()}

    def lag(self) -> dict[str, int]:
        """How many notification ids each view is behind the log's last one."""
        last = self.log.last_position()
        return {name: max(0, last - p) for name, p in self.positions().items()}

    def ensure_complete(self) -> None:
        """ViewRebuilding unless every view has processed the events the log held when its tables were made."""
        progress = {name: found for name, queries in self.queries.items()
                    if (found := queries.recorder.projecting_from_zero()) is not None}
        if progress:
            raise ViewRebuilding(progress)

    def wait_for(self, position: int, timeout: float, views: tuple[str, ...] = VIEW_NAMES) -> bool:
        """Waits until the named views have processed `position`; False if `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while True:
            positions = self.positions()
            if all(positions[v] >= position for v in views):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def projections(self) -> list[ViewProjection]:
        """The projections that feed these views (for a runner in this process)."""
        return [spec.projection(view=self.queries[spec.name].recorder) for spec in VIEWS]

    def catch_up(self, page: int = 500) -> None:
        """Processes every event recorded so far, `page` events per transaction (tests, the CLI)."""
        for projection in self.projections():
            catch_up(self.log, projection, page)

    def pools(self) -> list[Any]:
        """The connection pools these views read through (PostgreSQL), to check after an outage."""
        datastores = [getattr(self._factory, "datastore", None), getattr(self.log.recorder, "datastore", None)]
        return [d.pool for d in datastores if d is not None and hasattr(d, "pool")]

    def close(self) -> None:
        if self._owns_log:
            self.log.close()
        if self._factory is not None:
            self._factory.close()


def _queries(settings: Settings, *, create_tables: bool = True) -> tuple[Any, dict[str, ViewQueries]]:
    factory, recorders = open_recorders(settings, create_tables=create_tables)
    return factory, {spec.name: spec.open_queries(recorders[spec.name]) for spec in VIEWS}


def open_views(settings: Settings) -> Views:
    """The views for queries (they are fed by a runner elsewhere: embedded or `zhijian project`)."""
    factory, queries = _queries(settings, create_tables=settings.create_tables)
    return Views(queries=queries, log=LedgerLog(store_env(settings)), _factory=factory)


# -- Reading from a hot standby (ZHIJIAN_READ_DATABASE_URL) ----------------------------


def open_replica_views(replica: Settings, primary: Views) -> Views:
    """The same views on a hot standby of the primary, for queries only.

    A standby refuses writes, so nothing is created there: the tables and their rows
    arrive by replication. Positions and lag are measured against `primary.log`, the
    primary's log, so a replica that has not replayed a position shows it as lag."""
    factory, queries = _queries(replica, create_tables=False)
    return replace(primary, queries=queries, _factory=factory, _owns_log=False)
