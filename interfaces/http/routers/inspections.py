"""Inspections (检查)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from application.commands import Inspect
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import CommandPublic, InspectionCreate

router = APIRouter(prefix="/enterprises/{enterprise_id}/inspections", tags=["inspections"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def inspect(enterprise_id: EnterpriseId, body: InspectionCreate, ledger: LedgerDep, command: Command,
            response: Response) -> CommandResult:
    """检查: records an inspection and its findings (event `Inspected`)."""
    return answer(ledger.record(enterprise_id, Inspect(**body.model_dump()), **command.using(body)), response)
