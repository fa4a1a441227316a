"""The demo's random inspection plan (双随机): announced, drawn, every target inspected by its inspectors, published.

Seeded once (a marker aggregate names the plan), after the demo campaign, at the real
time: the draw reads the register from the views as known now, as any draw does, so
`zhijian draws verify` and `GET /public/draws/{id}` show a plan that checks out. The
seed is fixed and printed in the README's spirit: a demo's seed is no secret.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.commands import AnnounceDraw, DrawTargets, Inspect, PublishDraw
from application.draws import ReadRegister
from application.ledger import Ledger
from application.markers import DemoDrawSeeded
from domain import draw as draws
from domain.official import Caller
from domain.values import Kind, Outcome, ProductCategory

DEMO_SEED = "zhijian-demo-双随机-2026"


def seed_demo_draw(ledger: Ledger, today: date, chief: Caller, read_register: ReadRegister) -> UUID:
    """The demo plan's id; made (announced, drawn, inspected, published) the first time only."""
    try:
        return ledger.repository.get(DemoDrawSeeded.ID).plan_id  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        pass
    plan_id = ledger.announce_draw(AnnounceDraw(
        name="双随机抽查（演示）：食品生产经营者", kinds=[Kind.FOOD_PRODUCER, Kind.SMALL_WORKSHOP, Kind.SALES_POINT],
        high_risk_categories=[ProductCategory.MEAT_PRODUCTS, ProductCategory.AQUATIC_PRODUCTS],
        strata={"bad_record": {"count": 1}, "high_risk": {"count": 1}, "general": {"count": 1}},
        period_start=today, period_end=today + timedelta(days=30), seed_commitment=draws.commitment(DEMO_SEED),
        notes="演示数据"), by=chief, today=today).enterprise_id
    ledger.draw(plan_id, DrawTargets(seed=DEMO_SEED), read_register=read_register,
                known_at=datetime.now(UTC), by=chief, today=today)
    officials: dict[UUID, Caller] = {}
    for target in ledger.draw_plan(plan_id).selection.targets:  # type: ignore[union-attr]
        official_id = UUID(target.inspectors[0])
        officials[official_id] = officials.get(official_id) or ledger.caller(official_id)
        ledger.record(UUID(target.enterprise_id), Inspect(occurred_on=today, outcome=Outcome.COMPLIANT, draw_id=plan_id,
                                                          notes="双随机检查（演示）"),
                      by=officials[official_id], today=today)
    ledger.publish_draw(plan_id, PublishDraw(), by=chief, today=today)
    ledger.save(DemoDrawSeeded(plan_id=plan_id))
    return plan_id
