"""Enterprises: registration (登记建档), current status, and the audit trail (审计轨迹)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from application.commands import Register
from application.results import CommandResult, HistoryEntry
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
def register_enterprise(body: EnterpriseCreate, ledger: LedgerDep, command: Registration,
                        response: Response) -> CommandResult:
    """登记建档: registers an enterprise (event `Registered`). Location is the new enterprise."""
    result = ledger.register(Register(**body.model_dump()), **command.using(body, versioned=False))
    return answer(result, response, f"/enterprises/{result.enterprise_id}")


# GET /enterprises/{enterprise_id} is answered from the status view: routers/views_enterprises.py.


@router.get("/{enterprise_id}/history", response_model=HistoryPublic,
            responses=problems.responses(401, 404, 422, 500))
def history(
    enterprise_id: EnterpriseId, ledger: LedgerDep, by: CurrentOfficial, response: Response,
    after_version: Annotated[int, Query(ge=0, le=2**31, description="the page starts after this version")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="events per page")] = 200,
) -> HistoryPublic:
    """Its audit trail in version order, a page at a time: every event, who recorded it, both times, and whether
    (and by whom, why) it was retracted, whichever page the retraction is on. `next_after_version` gives the next
    page; the ETag is the enterprise's latest version."""
    page = ledger.history(enterprise_id, after_version=after_version, limit=limit)
    response.headers["ETag"] = etag(page.latest_version)
    return HistoryPublic(enterprise_id=enterprise_id, events=[event_public(h) for h in page],
                         latest_version=page.latest_version, next_after_version=page.next_after_version, limit=limit)


@router.get("/{enterprise_id}/history/{version}", response_model=HistoryEventPublic,
            responses=problems.responses(401, 404, 422, 500))
def history_event(enterprise_id: EnterpriseId, version: Annotated[int, Path(ge=1, le=2**31)], ledger: LedgerDep,
                  by: CurrentOfficial) -> HistoryEventPublic:
    """One event of the audit trail: what a command's Location points to."""
    page = ledger.history(enterprise_id, after_version=version - 1, limit=1)
    if not page or page[0].version != version:
        raise errors.NotFound(f"企业没有第 {version} 号事件 (the enterprise has no event {version})")
    return event_public(page[0])


def event_public(h: HistoryEntry) -> HistoryEventPublic:
    retracted = None
    if h.retracted is not None:
        r = h.retracted
        retracted = RetractionPublic(version=r.version, reason=r.reason, recorded_at=r.recorded_at,
                                     actor=ActorPublic.model_validate(r.actor.as_dict()))
    return HistoryEventPublic(version=h.version, position=h.position, type=h.type, occurred_on=h.occurred_on,
                              recorded_at=h.recorded_at, actor=ActorPublic.model_validate(h.actor.as_dict()),
                              payload=h.payload, retracted=retracted, leaf_hash=h.leaf_hash)
