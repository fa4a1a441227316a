"""Random enterprise histories recorded through the real Ledger, for the projection tests.

A history is a list of abstract steps; each becomes a ledger command, and the ledger's
rules refuse the ones that make no sense (those simply leave no event). Dates are
drawn freely within a window, so many acts are entered long after they happened, and
retractions void earlier acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from application.commands import (
    Close,
    EnterpriseCommand,
    GrantLicense,
    Inspect,
    OrderToRectify,
    RecordSample,
    Register,
    Retract,
    ReviewLicense,
    VerifyRectification,
)
from domain.actor import SYSTEM
from domain.errors import DomainError

TODAY = date.today()
START = TODAY - timedelta(days=150)
TOWNS = ("石桥镇", "河口镇")
# Enterprise n: its kind, area and categories (so the report's focus lists, high-risk
# groups, fringe workshops and plug follow-ups all have members).
KINDS = ("small_workshop", "food_producer", "sales_point", "ccc_product_maker")
AREAS = ("urban_rural_fringe", "rural", "urban", "rural")
CATEGORIES = (("bean_products",), ("aquatic_products", "meat_products"), ("drinking_water", "bean_sprouts"), ("plugs",))
LICENSE_TYPES = {"small_workshop": "workshop_registration", "food_producer": "food_production",
                 "sales_point": "food_business", "ccc_product_maker": "ccc"}
ACTS = (
    "inspect_compliant", "inspect_deficient", "order", "verify_pass", "verify_fail", "license", "review",
    "sample_pass", "sample_fail", "close", "retract", "retract",
)

step_strategy = st.tuples(
    st.integers(0, 3),  # which enterprise
    st.sampled_from(ACTS),
    st.integers(0, 150),  # occurred_on, days after START
    st.integers(1, 60),  # a deadline or validity, days after occurred_on
    st.integers(0, 11),  # which order, licence, official or earlier event
)
histories = st.lists(step_strategy, min_size=4, max_size=25)


@dataclass
class Recorded:
    officials: list[Any] = field(default_factory=list)
    enterprises: dict[int, UUID] = field(default_factory=dict)
    versions: dict[UUID, int] = field(default_factory=dict)
    recorded_at: list[datetime] = field(default_factory=list)
    last_position: int = 0


def record_history(ledger: Any, steps: list[tuple[int, str, int, int, int]]) -> Recorded:
    out = Recorded()
    for name, role, towns in (("李明", "supervisor", ()), ("王芳", "supervisor", TOWNS[:1]), ("赵强", "inspector", ())):
        appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name=name, unit="质监局", role=role, towns=towns)
        out.officials.append(ledger.authenticate(appointed.token))
    for which, act, day, span, pick in steps:
        by = out.officials[pick % 3]
        if which not in out.enterprises:
            registered = ledger.register(Register(occurred_on=START + timedelta(days=pick), name=f"企业{which}",
                                                  town=TOWNS[which % 2], area=AREAS[which % 4], kind=KINDS[which % 4],
                                                  product_categories=list(CATEGORIES[which % 4])), by=out.officials[0],
                                         today=TODAY)
            _keep(out, registered)
            out.enterprises[which] = registered.enterprise_id
        enterprise_id = out.enterprises[which]
        on = min(START + timedelta(days=day), TODAY)
        try:
            _keep(out, _command(ledger, enterprise_id, by, act, on, span, pick, out.versions[enterprise_id], which))
        except DomainError:
            pass  # the ledger refused it: no event
    return out


def _sampled(which: int, pick: int) -> str:
    """A category the enterprise makes: its first or its last, by pick."""
    categories = CATEGORIES[which % 4]
    return categories[0] if pick % 2 == 0 else categories[-1]


def _keep(out: Recorded, result: Any) -> None:
    out.versions[result.enterprise_id] = result.version
    out.recorded_at.append(result.recorded_at)
    out.last_position = max(out.last_position, result.position)


def _command(
    ledger: Any, eid: UUID, by: Any, act: str, on: date, span: int, pick: int, version: int, which: int
) -> Any:
    command: EnterpriseCommand
    if act.startswith("inspect"):
        command = Inspect(occurred_on=on, outcome=act.removeprefix("inspect_"))
    elif act == "order":
        command = OrderToRectify(occurred_on=on, order_no=f"O{pick % 3}", deadline=on + timedelta(days=span),
                                 items=["卫生条件"])
    elif act.startswith("verify"):
        command = VerifyRectification(occurred_on=on, order_no=f"O{pick % 3}", passed=act == "verify_pass")
    elif act == "license":
        command = GrantLicense(occurred_on=on, license_type=LICENSE_TYPES[KINDS[which % 4]], license_no=f"L{pick % 2}",
                               valid_until=on + timedelta(days=span))
    elif act == "review":
        command = ReviewLicense(occurred_on=on, license_no=f"L{pick % 2}", year=on.year, passed=pick % 3 != 0)
    elif act.startswith("sample"):
        passed = act == "sample_pass"
        command = RecordSample(occurred_on=on, sample_no=f"S{pick}", product_category=_sampled(which, pick),
                               result="pass" if passed else "fail", failed_items=[] if passed else ["苯甲酸"])
    elif act == "close":
        command = Close(occurred_on=on, reason="voluntary")
    else:
        target = 2 + pick % max(1, version - 1)
        command = Retract(occurred_on=max(on, START), event_version=target, reason="录入错误")
    return ledger.record(eid, command, by=by, today=TODAY)
