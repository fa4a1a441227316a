"""Liveness and readiness, without authentication."""

from __future__ import annotations

from fastapi import APIRouter

from interfaces.http.deps import LedgerDep
from interfaces.http.problems import StorageUnavailable, responses
from interfaces.http.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is alive."""
    return Health(status="alive")


@router.get("/readyz", response_model=Health, responses=responses(503))
def readyz(ledger: LedgerDep) -> Health:
    """The database answers; 503 otherwise."""
    try:
        ledger.store.ping()
    except Exception as e:  # noqa: BLE001 - whatever the driver raises, the answer is "not ready"
        raise StorageUnavailable(type(e).__name__) from e
    return Health(status="ready")
