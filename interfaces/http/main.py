"""Assembles the HTTP API from settings: nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from application.audit.service import build_audit
from application.bootstrap import build_ledger
from application.settings import Settings
from interfaces import web
from interfaces.http import observability, problems, read_side
from interfaces.http.body_limit import BodySizeLimit
from interfaces.http.routers import (
    audit,
    closures,
    enterprises,
    health,
    inspections,
    licenses,
    rectification,
    reports_campaign,
    retractions,
    samples,
    views_enterprises,
    views_reports,
)

ROUTERS = (enterprises, views_enterprises, inspections, rectification, licenses, samples, closures, retractions,
           views_reports, reports_campaign, audit, health)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over a ledger built from `settings` (the environment's when None)."""
    settings = settings or Settings()
    ledger = build_ledger(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with read_side.projections_running(app):
            yield
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
    read_side.attach(app, settings)
    for module in ROUTERS:
        app.include_router(module.router)
    problems.install(app)
    web.install(app)  # the pages at / (interfaces/web), with their security headers
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    observability.install(app)  # /metrics, request ids, JSON logs (outermost)
    return app
