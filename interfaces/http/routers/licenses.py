"""Licenses (生产许可证 / 认证证书 / 小作坊登记证) and their annual reviews (年审)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from application.commands import GrantLicense, ReviewLicense
from application.results import CommandResult
from interfaces.http.deps import Command, EnterpriseId, LedgerDep, answer
from interfaces.http.problems import COMMAND_RESPONSES
from interfaces.http.schemas import CommandPublic, LicenseCreate, ReviewCreate

router = APIRouter(prefix="/enterprises/{enterprise_id}/licenses", tags=["licenses"])


@router.post("", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def grant_license(enterprise_id: EnterpriseId, body: LicenseCreate, ledger: LedgerDep, command: Command,
                  response: Response) -> CommandResult:
    """取得许可证: records a license of the type the enterprise's kind needs (event `Licensed`)."""
    return answer(ledger.record(enterprise_id, GrantLicense(**body.model_dump()), **command.using(body)), response)


@router.post("/{license_no}/reviews", status_code=201, response_model=CommandPublic, responses=COMMAND_RESPONSES)
def review_license(enterprise_id: EnterpriseId, license_no: Annotated[str, Path(max_length=100)],
                   body: ReviewCreate, ledger: LedgerDep, command: Command, response: Response) -> CommandResult:
    """年审: the annual review of a held license, once per year (event `LicenseReviewed`)."""
    result = ledger.record(enterprise_id, ReviewLicense(license_no=license_no, **body.model_dump()),
                           **command.using(body))
    return answer(result, response)
