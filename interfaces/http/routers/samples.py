"""Supervision samples (监督抽查)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from application.commands import RecordSample
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import CommandPublic, SampleCreate

router = APIRouter(prefix="/enterprises/{enterprise_id}/samples", tags=["samples"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def record_sample(enterprise_id: EnterpriseId, body: SampleCreate, ledger: LedgerDep, command: Command,
                  response: Response) -> CommandResult:
    """监督抽查: records a sample's result (event `SamplePassed` or `SampleFailed`)."""
    return answer(ledger.record(enterprise_id, RecordSample(**body.model_dump()), **command.using(body)), response)
