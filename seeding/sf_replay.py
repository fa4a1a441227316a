"""Replays San Francisco's published food inspections (2015-2018) through the ledger.

An independently written, real history to exercise the system with. The data is US
data, so its words are mapped explicitly onto the campaign's:

- a business is an enterprise of kind `sales_point` (restaurants and shops sell food;
  none produces it under a production licence), area `urban`, registered on the date
  of its first inspection; its town is a district named from its postal code
  (`TOWN_BY_POSTAL_CODE`, other codes → 其他街道);
- an inspection is an inspection; its score band (legend.csv) gives the outcome:
  91–100 Good → compliant, 71–90 Adequate / Needs Improvement → deficient,
  0–70 Poor → violation;
- the violations noted on an inspection's date are its findings (`FINDING_BY_VIOLATION`,
  the rest → substandard_conditions); a Poor inspection with no violation listed gets
  substandard_conditions, since a violation lists at least one finding;
- violations of one inspection that were corrected on the same date form one order to
  rectify, dated on the inspection, with a deadline `DEADLINE_DAYS` later (the data has
  no deadlines), and a passed verification on the correction date. A correction dated
  before its inspection (a data error) gives the order with no verification.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

from application.commands import Inspect, OrderToRectify, Register, VerifyRectification
from application.ledger import Ledger
from domain.official import Caller
from domain.recording_clock import fixed, simulated
from domain.values import Area, FindingCode, Kind, Outcome, ProductCategory

DEADLINE_DAYS = 30
ENCODING = "latin-1"  # the published files are not UTF-8 (e.g. 0xD1 for Ñ)
CORRECTED = re.compile(r"\s*\[\s*date violation corrected:\s*(\d+)/(\d+)/(\d{4})\s*\]\s*$")

TOWN_BY_POSTAL_CODE = {
    "94102": "田德隆街道", "94103": "市场南街道", "94104": "金融区街道", "94105": "南滩街道",
    "94107": "波特雷罗街道", "94108": "唐人街街道", "94109": "诺布山街道", "94110": "米慎街道",
    "94111": "内河码头街道", "94112": "精益街道", "94114": "卡斯特罗街道", "94115": "西增街道",
    "94116": "日落街道", "94117": "海特街道", "94118": "里士满街道", "94121": "外里士满街道",
    "94122": "内日落街道", "94123": "码头区街道", "94124": "湾景街道", "94127": "西门街道",
    "94131": "双峰街道", "94132": "湖区街道", "94133": "北滩街道", "94134": "访谷街道",
}

FINDING_BY_VIOLATION = {
    "Unpermitted food facility": "unlicensed",
    "Permit license or inspection report not posted": "incomplete_licenses",
    "Improperly displayed mobile food permit or signage": "incomplete_licenses",
    "No plan review or Building Permit": "incomplete_licenses",
    "Contaminated or adulterated food": "adulteration",
    "Unapproved food source": "non_food_materials",
    "Reservice of previously served foods": "recycled_food",
    "Food in poor condition": "recycled_food",
    "Improper food labeling or menu misrepresentation": "three_no",
}


def outcome_for(score: int) -> str:
    if score >= 91:
        return "compliant"
    if score >= 71:
        return "deficient"
    return "violation"


def finding_for(description: str) -> str:
    return FINDING_BY_VIOLATION.get(description, "substandard_conditions")


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


@dataclass
class Visit:
    on: date
    score: int
    violations: list[tuple[str, date | None]] = field(default_factory=list)  # (description, corrected on)


@dataclass
class Business:
    business_id: str
    name: str
    address: str
    postal_code: str
    visits: list[Visit] = field(default_factory=list)

    @property
    def town(self) -> str:
        return TOWN_BY_POSTAL_CODE.get(self.postal_code[:5], "其他街道")


def read_businesses(folder: Path, limit: int | None = None) -> list[Business]:
    """The businesses with at least one inspection, each with its visits in date order."""
    with (folder / "businesses.csv").open(newline="", encoding=ENCODING) as f:
        businesses = {r["business_id"]: Business(r["business_id"], r["name"].strip(), r["address"].strip(),
                                                 (r["postal_code"] or "").strip()) for r in csv.DictReader(f)}
    visits: dict[tuple[str, date], Visit] = {}
    with (folder / "inspections.csv").open(newline="", encoding=ENCODING) as f:
        for r in csv.DictReader(f):
            if r["business_id"] in businesses and r["score"]:
                visits[(r["business_id"], _day(r["date"]))] = Visit(_day(r["date"]), int(r["score"]))
    with (folder / "violations.csv").open(newline="", encoding=ENCODING) as f:
        for r in csv.DictReader(f):
            visit = visits.get((r["business_id"], _day(r["date"])))
            if visit is None:
                continue
            match = CORRECTED.search(r["description"])
            corrected = date(int(match[3]), int(match[1]), int(match[2])) if match else None
            visit.violations.append((CORRECTED.sub("", r["description"]).strip(), corrected))
    for (business_id, _), visit in sorted(visits.items(), key=lambda kv: kv[0][1]):
        businesses[business_id].visits.append(visit)
    found = [b for b in sorted(businesses.values(), key=lambda b: int(b.business_id)) if b.visits and b.name]
    return found[:limit] if limit is not None else found


@dataclass
class ReplayCounts:
    enterprises: int = 0
    inspections: int = 0
    orders: int = 0
    verifications: int = 0


def orders_of(business: Business, visit: Visit) -> Iterator[tuple[str, list[str], date | None]]:
    """(order number, items, correction date) for each group of violations corrected together."""
    groups: dict[date | None, list[str]] = defaultdict(list)
    for description, corrected in visit.violations:
        if corrected is not None:
            groups[corrected].append(description)
    for n, (corrected, items) in enumerate(sorted(groups.items(), key=lambda kv: kv[0] or date.min), start=1):
        yield f"SF-{business.business_id}-{visit.on:%Y%m%d}-{n}", sorted(set(items)), corrected


def replay(ledger: Ledger, by: Caller, businesses: list[Business], today: date) -> tuple[ReplayCounts, dict[str, UUID]]:
    """Records every business's acts in the order they would have been entered.

    Each act is recorded (simulated clock) `ENTRY_DELAY` days after it happened, at
    five in the afternoon, in order of that recording time; `today` caps the clock.
    """
    counts = ReplayCounts()
    ids: dict[str, UUID] = {}
    cap = datetime.combine(today, time(23, 59), tzinfo=UTC)
    for b in businesses:
        for recorded, step, act in sorted(_acts(b), key=lambda a: (a[0], a[1])):
            at = min(datetime.combine(recorded, time(17, step % 60), tzinfo=UTC), cap)
            with simulated(fixed(at)):
                act(ledger, by, at.date(), ids, counts)
    return counts, ids


ENTRY_DELAY = 2  # days between an act in the field and its record


def _acts(b: Business) -> Iterator[tuple[date, int, Callable[..., None]]]:
    delay = timedelta(days=ENTRY_DELAY)
    first = b.visits[0].on

    def register(ledger: Ledger, by: Caller, today: date, ids: dict[str, UUID], counts: ReplayCounts) -> None:
        ids[b.business_id] = ledger.register(Register(occurred_on=first, name=b.name, town=b.town, area=Area.URBAN,
                                                      kind=Kind.SALES_POINT,
                                                      product_categories=[ProductCategory.OTHER_FOOD],
                                                      address=b.address, notes=f"SF DPH business_id {b.business_id}"),
                                             by=by, today=today).enterprise_id
        counts.enterprises += 1

    yield first + delay, 0, register
    step = 1
    for visit in b.visits:
        yield visit.on + delay, step, partial(_inspect, b, visit)
        step += 1
        for order_no, items, corrected in orders_of(b, visit):
            yield visit.on + delay, step, partial(_order, b, visit, order_no, items)
            step += 1
            if corrected is not None and corrected >= visit.on:
                yield corrected + delay, step, partial(_verify, b, order_no, corrected)
                step += 1


def _inspect(b: Business, visit: Visit, ledger: Ledger, by: Caller, today: date, ids: dict[str, UUID],
             counts: ReplayCounts) -> None:
    findings = sorted({finding_for(d) for d, _ in visit.violations})
    outcome = outcome_for(visit.score)
    if outcome == "violation" and not findings:
        findings = ["substandard_conditions"]
    ledger.record(ids[b.business_id], Inspect(occurred_on=visit.on, outcome=Outcome(outcome),
                                              findings=[FindingCode(f) for f in findings],
                                              notes=f"score {visit.score}"), by=by, today=today)
    counts.inspections += 1


def _order(b: Business, visit: Visit, order_no: str, items: list[str], ledger: Ledger, by: Caller, today: date,
           ids: dict[str, UUID], counts: ReplayCounts) -> None:
    ledger.record(ids[b.business_id],
                  OrderToRectify(occurred_on=visit.on, order_no=order_no,
                                 deadline=visit.on + timedelta(days=DEADLINE_DAYS), items=items), by=by, today=today)
    counts.orders += 1


def _verify(b: Business, order_no: str, corrected: date, ledger: Ledger, by: Caller, today: date,
            ids: dict[str, UUID], counts: ReplayCounts) -> None:
    ledger.record(ids[b.business_id], VerifyRectification(occurred_on=corrected, order_no=order_no, passed=True), by=by,
                  today=today)
    counts.verifications += 1
