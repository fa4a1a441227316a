"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request

from application.store_watch import StoreUnavailable
from interfaces.http.deps import LedgerDep
from interfaces.http.problems import responses
from interfaces.http.read_side import projection_lag
from interfaces.http.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="alive")


@router.get("/readyz", response_model=Readiness, responses=responses(503))
def readyz(ledger: LedgerDep, request: Request) -> Readiness:
    """The database answers (503 otherwise); with each projection's lag behind the log."""
    try:
        ledger.store.ping()
        lag = projection_lag(request.app)
    except Exception as e:
        raise StoreUnavailable(type(e).__name__) from e
    return Readiness(status="ready", projection_lag=lag)
