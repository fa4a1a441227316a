"""What the read routes share: the views, as_of / known_at / after, and the 503 when a view lags."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator

from application.settings import Settings
from domain import errors
from domain.bureau_time import BUREAU_TZ
from interfaces.http.deps import Today
from interfaces.http.problems import MEDIA_TYPE, TYPE_BASE
from interfaces.http.schemas import Problem
from projections import Views, open_views
from interfaces.http.leader import FileLease
from projections.embedded import EmbeddedProjections

AFTER_TIMEOUT_SECONDS = 5.0


def views(request: Request) -> Views:
    return request.app.state.views  # type: ignore[no-any-return]


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


class ViewLagging(Exception):
    def __init__(self, position: int, lag: dict[str, int]) -> None:
        super().__init__(f"views have not reached position {position}")
        self.position, self.lag = position, lag


def as_of_or_today(as_of: date | None, today: date) -> date:
    return as_of or today


def known_at_or_now(known_at: datetime | None) -> datetime:
    if known_at is None:
        return datetime.now(timezone.utc)
    # A time without a zone is the bureau's (UTC+8), as a person there would mean it.
    return known_at if known_at.tzinfo else known_at.replace(tzinfo=BUREAU_TZ)


def wait_for(views: Views, position: int | None, names: tuple[str, ...]) -> None:
    """Waits until the named views have processed `position`; ViewLagging (503) past the bound."""
    if not position:
        return
    if position > views.log.last_position():  # every committed write's position is at most the log's last
        raise errors.InvalidValue(
            f"日志中还没有位置 {position} (no event has been recorded at position {position})", field="after"
        )
    if not views.wait_for(position, AFTER_TIMEOUT_SECONDS, names):
        raise ViewLagging(position, views.lag())


async def _lagging(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ViewLagging)
    body = Problem(
        type=TYPE_BASE + "ViewLagging", title="视图尚未更新 (view not caught up)", status=503,
        detail=f"视图在 {AFTER_TIMEOUT_SECONDS:g} 秒内未处理到位置 {exc.position} "
               f"(the views did not reach position {exc.position} in time); retry shortly",
        instance=request.url.path, rule="ViewLagging",
    ).model_dump(mode="json")
    return JSONResponse({**body, "lag": exc.lag}, status_code=503, media_type=MEDIA_TYPE, headers={"Retry-After": "1"})


def attach(app: FastAPI, settings: Settings) -> None:
    """Opens the views for the app (`app.state.views`) and maps a lagging view to 503."""
    app.state.views = open_views(settings)
    app.add_exception_handler(ViewLagging, _lagging)


@contextmanager
def projections_running(app: FastAPI) -> Iterator[None]:
    """Runs the projections in this process for the app's lifetime (see projections/embedded.py).

    With several server processes, one runs them: on PostgreSQL every process starts the
    runners and they elect themselves per view (advisory locks); on SQLite only the holder
    of the data folder's `projections.lock` starts them, the others serve and stand by to
    take over (interfaces/http/leader.py).
    """
    settings: Settings = app.state.settings
    app.state.projections = None

    def start() -> None:
        app.state.projections = EmbeddedProjections(settings, app.state.views).start()

    def stop() -> None:
        if app.state.projections is not None:
            app.state.projections.stop()

    lease = None
    if settings.is_postgres:
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
    return app.state.views.lag()  # type: ignore[no-any-return]


__all__ = ["AfterParam", "AsOfParam", "KnownAtParam", "Today", "ViewsDep"]
