"""Enterprises from the status view: the list with filters, and one enterprise, at (as_of, known_at)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from domain import errors
from domain.status import EnterpriseState
from domain.values import Area, Kind, LicenseType, Outcome, ProductCategory, Status
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, EnterpriseId, LedgerDep, etag
from interfaces.http.read_side import ReadAt, waits_for
from interfaces.http.schemas import (
    EnterprisePublic,
    LastInspectionPublic,
    LicensePublic,
    OpenOrderPublic,
    SamplesPublic,
)

router = APIRouter(prefix="/enterprises", tags=["enterprises"])
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"

EXAMPLE: dict[str, Any] = {
    "id": "6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10", "name": "张记豆腐坊", "credit_code": None,
    "address": "石桥镇东街 12 号",
    "town": "石桥镇", "area": "rural", "kind": "small_workshop", "product_categories": ["bean_products"],
    "status": "overdue", "open_orders": [{"order_no": "SQ-2026-031", "deadline": "2026-08-30", "overdue": True}],
    "licenses": [], "last_inspection": {"occurred_on": "2026-08-09", "outcome": "deficient",
                                        "inspector_id": "0b7d3e52-3f4e-4a8c-9a0e-5b2c1d9e8f70"},
    "samples": {"taken": 1, "failed": 1}, "version": 4, "as_of": "2026-10-01", "known_at": "2026-10-01T10:00:00Z",
}


class EnterprisePagePublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [EXAMPLE], "total": 1, "limit": 50,
                                                               "offset": 0}]})
    items: list[EnterprisePublic]
    total: int
    limit: int
    offset: int


@router.get("", response_model=EnterprisePagePublic, responses=problems.responses(401, 422, 503))
def list_enterprises(
    by: CurrentOfficial, at: Annotated[ReadAt, waits_for("status")],
    town: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE, description="镇街, exact",
                                      examples=["石桥镇"])] = None,
    kind: Kind | None = None,
    status: Status | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, pattern=PRINTABLE,
                                   description="part of the name or credit code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> EnterprisePagePublic:
    """Enterprises as of `as_of`, as known at `known_at`, filtered and paged (status view)."""
    views, day, moment = at.views, at.as_of, at.known_at
    page = views.status.enterprises(
        day, moment, town=town, kind=kind.value if kind else None, status=status.value if status else None, q=q,
        limit=limit, offset=offset,
    )
    versions = views.status.versions([e for e, _ in page.items], moment)
    items = [enterprise_public(e, s, versions.get(e, 1), day, moment) for e, s in page.items]
    return EnterprisePagePublic(items=items, total=page.total, limit=limit, offset=offset)


@router.get("/{enterprise_id}", response_model=EnterprisePublic, responses=problems.responses(401, 404, 422, 503))
def get_enterprise(
    enterprise_id: EnterpriseId, ledger: LedgerDep, by: CurrentOfficial, at: Annotated[ReadAt, waits_for("status")],
    response: Response,
) -> EnterprisePublic:
    """One enterprise as of `as_of`, as known at `known_at` (status view); ETag carries its version.

    The answer always includes every event of this enterprise recorded so far: the view is
    waited for (bounded) up to the enterprise's last position."""
    positions = ledger.store.positions(enterprise_id)
    if not positions:
        raise errors.NotFound(f"没有这个企业 (no enterprise {enterprise_id})")
    views, day, moment = at.views_reaching(max(positions.values())), at.as_of, at.known_at
    state = views.status.state_of(enterprise_id, day, moment)
    if state is None:
        raise errors.NotFound(
            f"企业在 {day} 尚未登记或在 {moment.isoformat()} 尚未录入 "
            f"(enterprise {enterprise_id} was not registered by {day}, or not recorded by {moment.isoformat()})"
        )
    version = views.status.versions([enterprise_id], moment).get(enterprise_id, 1)
    response.headers["ETag"] = etag(version, weak=True)
    return enterprise_public(enterprise_id, state, version, day, moment)


def enterprise_public(
    enterprise_id: UUID, state: EnterpriseState, version: int, as_of: date, known_at: datetime
) -> EnterprisePublic:
    last = state.last_inspection
    return EnterprisePublic(
        id=enterprise_id, name=state.name, credit_code=state.credit_code, address=state.address, town=state.town,
        area=Area(state.area), kind=Kind(state.kind),
        product_categories=[ProductCategory(c) for c in state.product_categories], status=Status(state.status),
        open_orders=[OpenOrderPublic(order_no=o.order_no, deadline=o.deadline, overdue=o.is_overdue(as_of))
                     for o in state.open_orders(as_of)],
        licenses=[LicensePublic(license_no=lic.license_no, license_type=LicenseType(lic.license_type),
                                valid_until=lic.valid_until, last_review_year=lic.last_review_year)
                  for lic in state.licenses],
        last_inspection=LastInspectionPublic(occurred_on=last.occurred_on, outcome=Outcome(last.outcome),
                                             inspector_id=UUID(last.inspector_id)) if last else None,
        samples=SamplesPublic(taken=len(state.samples), failed=len(state.failed_samples)),
        version=version, as_of=as_of, known_at=known_at,
    )
