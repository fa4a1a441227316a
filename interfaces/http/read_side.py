"""The read side of the API: the views for a request, the `ReadAt` dependency of every
read route (as_of, known_at, after), the read replica, and the embedded projections.

With a read replica (ZHIJIAN_READ_DATABASE_URL) every read of the views is answered
from the standby, except a read with `after=` that the standby has not replayed within
ZHIJIAN_REPLICA_WAIT_SECONDS: that one is answered from the primary's views.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any, cast

from eventsourcing.persistence import PersistenceError
from fastapi import Depends, FastAPI, Query, Request
from pydantic import AfterValidator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.audit.service import CheckpointTimer
from application.settings import Settings
from domain import errors
from domain.bureau_time import BUREAU_TZ
from interfaces.http.deps import Today
from interfaces.http.leader import FileLease
from projections import Views, open_views
from projections.registry import view_spec
from projections.runners import start_runners
from projections.views import ViewLagging, open_replica_views

AFTER_TIMEOUT_SECONDS = 5.0  # the bound on a read's wait for `after=`, replica and primary together
READ_FROM_HEADER = "Zhijian-Read-From"
_ROUTED = "zhijian.read_views"  # where a request's ReplicaFirst waits in the ASGI scope, for the header
log = logging.getLogger("zhijian.http")


class ReplicaFirst:
    """One request's views: the replica's, until `wait_for` finds that the replica has not
    replayed the position asked for in time; from then on the primary's."""

    def __init__(self, replica: Views, primary: Views, wait_seconds: float) -> None:
        self.replica, self.primary, self.wait_seconds = replica, primary, wait_seconds
        self.chosen = replica

    @property
    def served_by(self) -> str:
        return "replica" if self.chosen is self.replica else "primary"

    def __getattr__(self, name: str) -> Any:  # status, accountability, log, …: the chosen server's
        chosen = self.__dict__.get("chosen")
        if chosen is None:  # not yet initialised (copy, pickle): no delegation, no recursion
            raise AttributeError(name)
        return getattr(chosen, name)

    def replica_reaches(self, position: int, names: tuple[str, ...], timeout: float) -> bool:
        try:
            return self.replica.wait_for(position, timeout, names)
        except PersistenceError as e:  # the standby is down, or has not yet replayed the views' tables
            log.warning("read replica unavailable (%s): answering from the primary", type(e).__name__)
            return False


def views(request: Request) -> Views:
    """The views a request reads (every read of them, API and pages, comes through here): 503 view-rebuilding
    while a view is still being projected from zero, whose answers would leave events out."""
    primary: Views = request.app.state.views
    primary.ensure_complete()
    replica: Views | None = getattr(request.app.state, "replica_views", None)
    if replica is None:
        return primary
    routed = ReplicaFirst(replica, primary, request.app.state.settings.replica_wait_seconds)
    request.scope[_ROUTED] = routed
    # ReadAt waits with wait_for(views, …) before the route reads `views.status`, …: the
    # proxy answers those from whichever server wait_for settled on.
    return cast(Views, routed)


ViewsDep = Annotated[Views, Depends(views)]


def _plausible(value: date | None) -> date | None:
    # Dates near year 1 or 9999 overflow on time-zone and calendar arithmetic: refuse them as values (422).
    if value is not None and not 1900 <= value.year <= 9998:
        raise ValueError("须在 1900 至 9998 年之间 (must be between the years 1900 and 9998)")
    return value


AsOfParam = Annotated[date | None, AfterValidator(_plausible), Query(
    description="valid time: the date the answer is for (what was true on that day); default today",
    examples=["2026-10-01"])]
KnownAtParam = Annotated[datetime | None, AfterValidator(_plausible), Query(
    description="transaction time: answer with only what had been recorded by then; default now",
    examples=["2026-10-01T18:00:00+08:00"])]
AfterParam = Annotated[int | None, Query(
    ge=0, le=2**62, description="read your write: wait (bounded) until the views have processed this log position, "
    "the `position` a command answered; 503 with the lag if they have not in time, 422 if the log has no "
    "such position yet", examples=[1])]


def known_at_or_now(known_at: datetime | None) -> datetime:
    if known_at is None:
        return datetime.now(UTC)
    # A time without a zone is the bureau's (UTC+8), as a person there would mean it.
    return known_at if known_at.tzinfo else known_at.replace(tzinfo=BUREAU_TZ)


def wait_for(views: Views, position: int | None, names: tuple[str, ...]) -> None:
    """Waits until the named views have processed `position`; ViewLagging (503) past the bound.

    With a read replica: waits for the replica's views at most ZHIJIAN_REPLICA_WAIT_SECONDS;
    if they have not reached `position` by then, the request is answered from the primary's
    views, waited for in what is left of AFTER_TIMEOUT_SECONDS (then 503 as without a replica)."""
    if not position:
        return
    deadline = time.monotonic() + AFTER_TIMEOUT_SECONDS
    routed = views if isinstance(views, ReplicaFirst) else None
    primary = routed.primary if routed is not None else views
    if position > primary.log.last_position():  # every committed write's position is at most the log's last
        raise errors.InvalidValue(
            f"日志中还没有位置 {position} (no event has been recorded at position {position})", field="after"
        )
    if routed is not None:
        if routed.replica_reaches(position, names, min(routed.wait_seconds, AFTER_TIMEOUT_SECONDS)):
            return
        routed.chosen = primary
    if not primary.wait_for(position, max(0.0, deadline - time.monotonic()), names):
        raise ViewLagging(position, primary.lag(), AFTER_TIMEOUT_SECONDS)


class ReadAt:
    """Where a read answers from: `as_of` (valid time, default today), `known_at` (transaction
    time, default now) and the views, waited for up to `after=`.

    The wait happens when the route first asks for the views, which is after FastAPI has
    validated the whole request: a bad request is refused at once, not after a wait."""

    def __init__(self, as_of: date, known_at: datetime, views: Views, after: int | None,
                 names: tuple[str, ...]) -> None:
        self.as_of, self.known_at = as_of, known_at
        self._views, self._after, self._names = views, after or 0, names
        self._reached = 0

    @property
    def views(self) -> Views:
        return self.views_reaching(0)

    def views_reaching(self, position: int) -> Views:
        """The views once they have processed `after=` and `position` (say, an enterprise's last event)."""
        target = max(self._after, position)
        if target > self._reached:
            wait_for(self._views, target, self._names)
            self._reached = target
        return self._views


def waits_for(*names: str) -> Any:
    """The `ReadAt` dependency of a route that reads the named views:
    `at: Annotated[ReadAt, waits_for("status")]`."""
    for name in names:
        view_spec(name)  # a view that does not exist fails at import, not at the first request

    async def read_at(views: ViewsDep, today: Today, as_of: AsOfParam = None, known_at: KnownAtParam = None,
                      after: AfterParam = None) -> ReadAt:
        return ReadAt(as_of or today, known_at_or_now(known_at), views, after, names)

    return Depends(read_at)


# -- the app's views, replica and projections ---------------------------------------------


def attach(app: FastAPI, settings: Settings) -> None:
    """Opens the views for the app (`app.state.views`, and `app.state.replica_views` on a read replica)."""
    app.state.views = open_views(settings)
    replica = settings.read_replica()
    app.state.replica_views = open_replica_views(replica, app.state.views) if replica is not None else None
    if replica is not None:
        app.add_middleware(ReadFromHeader)


def close_replica(app: FastAPI) -> None:
    if getattr(app.state, "replica_views", None) is not None:
        app.state.replica_views.close()


class ReadFromHeader:
    """Names the server whose views answered a read (`Zhijian-Read-From: replica` or `primary`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_naming_the_server(message: Message) -> None:
            routed = scope.get(_ROUTED)
            if message["type"] == "http.response.start" and routed is not None:
                served_by = (READ_FROM_HEADER.lower().encode(), routed.served_by.encode())
                message = {**message, "headers": [*message.get("headers", []), served_by]}
            await send(message)

        await self.app(scope, receive, send_naming_the_server)


@contextmanager
def projections_running(app: FastAPI) -> Iterator[None]:
    """Runs the projections in this process for the app's lifetime (projections/runners.py), and
    with them the recording of the log's signed checkpoints every `checkpoint_minutes`.

    With several server processes, one runs them: on PostgreSQL every process starts the
    runners and they elect themselves per view (advisory locks); on SQLite only the holder
    of the data folder's `projections.lock` starts them, the others serve and stand by to
    take over (interfaces/http/leader.py).
    """
    settings: Settings = app.state.settings
    app.state.projections = None

    timer: list[CheckpointTimer] = []

    def start() -> None:
        app.state.projections = start_runners(settings, poll_interval=0.1)
        timer.append(CheckpointTimer(app.state.audit, settings.checkpoint_minutes).start())

    def stop() -> None:
        if app.state.projections is not None:
            app.state.projections.stop()
        while timer:
            timer.pop().stop()

    lease = None
    if settings.is_postgres:
        if settings.projections_in_server:
            start()
    else:
        lease = FileLease(settings.data_dir / "projections.lock", on_acquired=start, on_release=stop).start()
    try:
        yield
    finally:
        if lease is not None:
            lease.stop()
        else:
            stop()
        app.state.views.close()


def projection_lag(app: FastAPI) -> dict[str, int]:
    """Each view's lag behind the primary's log; with a read replica, also the replica's
    (`replica:status`, …: log positions the standby has not yet replayed into the views)."""
    lag: dict[str, int] = app.state.views.lag()
    replica: Views | None = getattr(app.state, "replica_views", None)
    if replica is not None:
        lag |= {f"replica:{name}": n for name, n in replica.lag().items()}
    return lag
