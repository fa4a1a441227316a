"""Assembles the HTTP API from settings: nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from application.audit.service import build_audit
from application.bootstrap import build_ledger
from application.settings import Settings
from application.store_watch import StoreWatch
from interfaces import report_archive, web
from interfaces.http import observability, problems, read_side, stopping
from interfaces.http.body_limit import BodySizeLimit
from interfaces.http.rate_limit import RateLimiter
from interfaces.http.routers import (
    audit,
    closures,
    draws,
    enterprises,
    health,
    inspections,
    licenses,
    public_draws,
    rectification,
    recusals,
    reports_campaign,
    retractions,
    samples,
    views_enterprises,
    views_reports,
)
from interfaces.http.store_guard import StoreGuard

ROUTERS = (enterprises, views_enterprises, inspections, rectification, licenses, samples, closures, retractions,
           views_reports, reports_campaign, draws, recusals, public_draws, audit, health)


def serve_app() -> FastAPI:
    """The app a server process runs (`zhijian serve`, its factory for uvicorn): settings from the
    environment, and the process ends within a bound once its shutdown begins (interfaces/http/stopping.py)."""
    return create_app(exits_when_stopped=True)


def create_app(settings: Settings | None = None, *, exits_when_stopped: bool = False) -> FastAPI:
    """The API over a ledger built from `settings` (the environment's when None).

    `exits_when_stopped` is for a process that serves nothing else: an app inside tests or
    another program must never end its process."""
    settings = settings or Settings()
    ledger = build_ledger(settings)
    report_archive.code_digest()  # of the code this process runs, read now: see interfaces.report_archive

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On PostgreSQL a watch pings the database: while it is away requests are answered 503 at once.
        app.state.store_watch = (StoreWatch(settings, on_recovery=lambda: _check_pools(app)).start()
                                 if settings.is_postgres else None)
        try:
            with read_side.projections_running(app):
                yield
                if exits_when_stopped:  # the shutdown has begun: the process ends within a bound
                    stopping.exit_if_still_running()
        finally:
            if app.state.store_watch is not None:
                app.state.store_watch.stop()
        read_side.close_replica(app)
        ledger.close()

    app = FastAPI(
        title="zhijian 质监",
        version="1",
        summary="An event-sourced enforcement ledger: every act of the bureau, who did it, and when.",
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.audit = build_audit(ledger, settings)
    app.state.settings = settings
    app.state.public_rate_limiter = RateLimiter()  # the public pages' buckets (interfaces/http/rate_limit.py)
    read_side.attach(app, settings)
    for module in ROUTERS:
        app.include_router(module.router)
    problems.install(app)
    web.install(app)  # the pages at / (interfaces/web), with their security headers
    app.add_middleware(StoreGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    observability.install(app)  # /metrics, request ids, JSON logs (outermost)
    return app


def _check_pools(app: FastAPI) -> None:
    """After an outage every pooled connection is broken: each pool replaces them before requests come back
    (a pool that finds all its connections broken at once keeps a request waiting for its whole timeout)."""
    pools = [app.state.ledger.recorder.datastore.pool, *app.state.views.pools()]
    for pool in pools:
        pool.check()
