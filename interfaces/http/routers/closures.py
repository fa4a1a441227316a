"""Closures (关停 / 取缔)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from application.commands import Close
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import ClosureCreate, CommandPublic

router = APIRouter(prefix="/enterprises/{enterprise_id}/closure", tags=["closures"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def close_enterprise(enterprise_id: EnterpriseId, body: ClosureCreate, ledger: LedgerDep, command: Command,
                     response: Response) -> CommandResult:
    """关停/取缔: closes the enterprise; afterwards only inspections and retractions (event `Closed`)."""
    return answer(ledger.record(enterprise_id, Close(**body.model_dump()), **command.using(body)), response)
