"""Enterprises: registration (登记建档), current status, and the audit trail (审计轨迹)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from application.ledger import HistoryEntry
from domain import errors
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, EnterpriseId, LedgerDep, Registration, answer, etag
from interfaces.http.schemas import (
    ActorPublic,
    CommandPublic,
    EnterpriseCreate,
    HistoryEventPublic,
    HistoryPublic,
    RetractionPublic,
)

router = APIRouter(prefix="/enterprises", tags=["enterprises"])


@router.post("", status_code=201, response_model=CommandPublic, responses=problems.REGISTER_RESPONSES)
def register_enterprise(body: EnterpriseCreate, ledger: LedgerDep, command: Registration, response: Response):
    """登记建档: registers an enterprise (event `Registered`). Location is the new enterprise."""
    result = ledger.register_enterprise(**body.model_dump(), **command.using(body, versioned=False))
    return answer(result, response, f"/enterprises/{result.enterprise_id}")


# GET /enterprises/{enterprise_id} is answered from the status view: routers/views_enterprises.py.


@router.get("/{enterprise_id}/history", response_model=HistoryPublic, responses=problems.responses(401, 404, 422))
def history(enterprise_id: EnterpriseId, ledger: LedgerDep, by: CurrentOfficial, response: Response):
    """Its audit trail: every event in order, who recorded it, both times, and whether it was retracted."""
    entries = ledger.history(enterprise_id)
    response.headers["ETag"] = etag(entries[-1].version)
    return HistoryPublic(enterprise_id=enterprise_id, events=[event_public(h) for h in entries])


@router.get("/{enterprise_id}/history/{version}", response_model=HistoryEventPublic,
            responses=problems.responses(401, 404, 422))
def history_event(enterprise_id: EnterpriseId, version: Annotated[int, Path(ge=1, le=2**31)], ledger: LedgerDep,
                  by: CurrentOfficial):
    """One event of the audit trail: what a command's Location points to."""
    entry = next((h for h in ledger.history(enterprise_id) if h.version == version), None)
    if entry is None:
        raise errors.NotFound(f"企业没有第 {version} 号事件 (the enterprise has no event {version})")
    return event_public(entry)


def event_public(h: HistoryEntry) -> HistoryEventPublic:
    retracted = None
    if h.retracted is not None:
        r = h.retracted
        retracted = RetractionPublic(version=r.version, reason=r.reason, recorded_at=r.recorded_at,
                                     actor=ActorPublic(**r.actor.as_dict()))
    return HistoryEventPublic(version=h.version, position=h.position, type=h.type, occurred_on=h.occurred_on,
                              recorded_at=h.recorded_at, actor=ActorPublic(**h.actor.as_dict()), payload=h.payload,
                              retracted=retracted)
