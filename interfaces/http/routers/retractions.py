"""Retractions (更正): a mistaken record is voided by a later event, never changed."""

from __future__ import annotations

from fastapi import APIRouter, Response

from application.commands import Retract
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import CommandPublic, RetractionCreate

router = APIRouter(prefix="/enterprises/{enterprise_id}/retractions", tags=["retractions"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def retract(enterprise_id: EnterpriseId, body: RetractionCreate, ledger: LedgerDep, command: Command,
            response: Response) -> CommandResult:
    """更正: voids event `event_version` of this enterprise, with a reason (event `Retracted`)."""
    return answer(ledger.record(enterprise_id, Retract(**body.model_dump()), **command.using(body)), response)
