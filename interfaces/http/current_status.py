"""One enterprise's current status, folded from its audit trail with domain.status's shared rules.

A stopgap until the status projection answers `GET /enterprises/{id}` (with `as_of` and
`known_at`); kept to this one function so that it can be replaced whole.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import UUID

from application.ledger import HistoryEntry
from domain.status import Fact, fold, live_facts
from interfaces.http.schemas import (
    EnterprisePublic,
    LastInspectionPublic,
    LicensePublic,
    OpenOrderPublic,
    SamplesPublic,
)


def current_status(enterprise_id: UUID, history: list[HistoryEntry], today: date) -> EnterprisePublic:
    """The enterprise as of today, as known now."""
    known_at = datetime.now(timezone.utc)
    facts = [Fact(h.version, h.type, h.occurred_on, h.recorded_at, str(h.actor.official_id), h.payload)
             for h in history]
    state = fold(live_facts(facts, known_at), today)
    assert state is not None  # a registration is never retracted nor dated after today
    last = state.last_inspection
    return EnterprisePublic(
        id=enterprise_id,
        name=state.name,
        credit_code=state.credit_code,
        address=state.address,
        town=state.town,
        area=state.area,
        kind=state.kind,
        product_categories=list(state.product_categories),
        status=state.status,
        open_orders=[OpenOrderPublic(order_no=o.order_no, deadline=o.deadline, overdue=o.is_overdue(today))
                     for o in state.open_orders(today)],
        licenses=[LicensePublic(license_no=lic.license_no, license_type=lic.license_type,
                                valid_until=lic.valid_until, last_review_year=lic.last_review_year)
                  for lic in state.licenses],
        last_inspection=LastInspectionPublic(occurred_on=last.occurred_on, outcome=last.outcome,
                                             inspector_id=last.inspector_id) if last else None,
        samples=SamplesPublic(taken=len(state.samples), failed=len(state.failed_samples)),
        version=history[-1].version,
        as_of=today,
        known_at=known_at,
    )
