"""Recusals (回避): an official's declared conflict with an enterprise, recorded on the official."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Response

from application.commands import DeclareConflict
from interfaces.http import problems
from interfaces.http.deps import LedgerDep, Registration
from interfaces.http.draw_schemas import RecusalCreate, RecusalPublic

router = APIRouter(prefix="/officials/{official_id}/recusals", tags=["officials"])


@router.post("", status_code=201, response_model=RecusalPublic,
             responses={**problems.CREATED, **problems.responses(401, 403, 404, 409, 413, 422)})
def declare(official_id: Annotated[UUID, Path(description="the official declaring the conflict")], body: RecusalCreate,
            ledger: LedgerDep, command: Registration, response: Response) -> RecusalPublic:
    """申报回避: the official (or a supervisor for them) declares a conflict of interest with an enterprise, with a
    reason (event `ConflictDeclared` on the official); no later draw assigns them to it."""
    result = ledger.declare_conflict(official_id, DeclareConflict(enterprise_id=body.enterprise_id, reason=body.reason),
                                     **command.using(body, versioned=False))
    response.headers["Location"] = f"/officials/{official_id}/actions"
    return RecusalPublic(official_id=result.enterprise_id, version=result.version, position=result.position,
                         recorded_at=result.recorded_at)
