"""Orders to rectify within a deadline (责令限期整改) and their verification (整改复查)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from application.commands import OrderToRectify, VerifyRectification
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import CommandPublic, RectificationOrderCreate, VerificationCreate

router = APIRouter(prefix="/enterprises/{enterprise_id}/rectification-orders", tags=["rectification"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def order_to_rectify(enterprise_id: EnterpriseId, body: RectificationOrderCreate, ledger: LedgerDep,
                     command: Command, response: Response) -> CommandResult:
    """责令限期整改: orders the enterprise to rectify by a deadline (event `OrderedToRectify`)."""
    return answer(ledger.record(enterprise_id, OrderToRectify(**body.model_dump()), **command.using(body)), response)


@router.post("/{order_no}/verification", status_code=201, response_model=CommandPublic,
             responses=COMMAND_RESPONSES)
def verify_rectification(enterprise_id: EnterpriseId, order_no: Annotated[str, Path(max_length=100)],
                         body: VerificationCreate, ledger: LedgerDep, command: Command,
                         response: Response) -> CommandResult:
    """整改复查: verifies an open order; `passed` closes it (event `RectificationVerified`)."""
    result = ledger.record(enterprise_id, VerifyRectification(order_no=order_no, **body.model_dump()),
                           **command.using(body))
    return answer(result, response)
