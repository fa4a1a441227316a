"""An enterprise's state on a date, folded from its facts: the one definition every view shares.

A *fact* is one recorded, not-retracted event of an enterprise. `fold(facts, as_of)`
takes the facts that occurred on or before `as_of`, in (occurred_on, version) order,
and returns what was true of the enterprise on that date. Which facts are given
decides "as known when": the caller passes those recorded by `known_at` and not
retracted by a retraction recorded by `known_at`.

Status, by precedence (the first that holds wins):
1. ``closed``              a closure dated on or before as_of;
2. ``overdue``             an open order whose deadline is before as_of;
3. ``under_rectification`` any open order (dated on or before as_of, no passed
                           verification dated on or before as_of);
4. ``licensed``            a licence granted on or before as_of and valid on as_of;
5. ``registered``          otherwise.

State changes only on the dates of facts, the day after each open order's deadline,
and the day after each licence's expiry: `breakpoints` lists them, so the status
timeline of valid-time intervals (`status_timeline`) is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.enterprise import (
    CLOSED,
    INSPECTED,
    LICENSE_REVIEWED,
    LICENSED,
    ORDERED_TO_RECTIFY,
    RECTIFICATION_VERIFIED,
    REGISTERED,
    RETRACTED,
    SAMPLE_FAILED,
    SAMPLE_PASSED,
)
from domain.values import Kind, Status


@dataclass(frozen=True)
class Fact:
    """One live event of an enterprise, as the views need it."""

    version: int
    type: str
    occurred_on: date
    recorded_at: datetime
    actor_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Inspection:
    version: int
    occurred_on: date
    outcome: str
    findings: tuple[str, ...]
    inspector_id: str


@dataclass(frozen=True)
class Verification:
    version: int
    occurred_on: date
    passed: bool
    verified_by: str


@dataclass(frozen=True)
class Order:
    version: int
    order_no: str
    issued_on: date
    deadline: date
    issued_by: str
    verifications: tuple[Verification, ...] = ()

    @property
    def passed_on(self) -> date | None:
        """Date of the first passed verification, if any."""
        return min((v.occurred_on for v in self.verifications if v.passed), default=None)

    def is_open(self, as_of: date) -> bool:
        passed_on = self.passed_on
        return self.issued_on <= as_of and (passed_on is None or passed_on > as_of)

    def is_overdue(self, as_of: date) -> bool:
        return self.is_open(as_of) and self.deadline < as_of

    def fate(self, as_of: date) -> str:
        """passed_on_time, passed_late, overdue or open (deadline not yet passed)."""
        passed_on = self.passed_on
        if passed_on is not None and passed_on <= as_of:
            return "passed_on_time" if passed_on <= self.deadline else "passed_late"
        return "overdue" if self.deadline < as_of else "open"


# What an order to rectify came to on a date (Order.fate); the campaign report, accountability
# and the overview's chart count orders under these names.
FATES = ("passed_on_time", "passed_late", "overdue", "open")


@dataclass(frozen=True)
class Review:
    version: int
    year: int
    occurred_on: date
    passed: bool
    reviewed_by: str


@dataclass(frozen=True)
class License:
    version: int
    license_no: str
    license_type: str
    granted_on: date
    valid_until: date
    granted_by: str
    reviews: tuple[Review, ...] = ()

    @property
    def last_review_year(self) -> int | None:
        return max((r.year for r in self.reviews), default=None)

    def is_valid(self, as_of: date) -> bool:
        return self.granted_on <= as_of <= self.valid_until


@dataclass(frozen=True)
class Sample:
    version: int
    sample_no: str
    occurred_on: date
    product_category: str
    product: str
    result: str  # pass | fail
    failed_items: tuple[str, ...]
    lab: str
    sampled_by: str


@dataclass(frozen=True)
class Closure:
    version: int
    occurred_on: date
    reason: str
    decision_no: str
    closed_by: str


@dataclass(frozen=True)
class EnterpriseState:
    """What was true of one enterprise on a date (without the date itself)."""

    name: str
    credit_code: str | None
    address: str
    town: str
    area: str
    kind: str
    product_categories: tuple[str, ...]
    registered_on: date
    registered_by: str
    status: str
    inspections: tuple[Inspection, ...] = ()
    orders: tuple[Order, ...] = ()
    licenses: tuple[License, ...] = ()
    samples: tuple[Sample, ...] = ()
    closure: Closure | None = None

    @property
    def last_inspection(self) -> Inspection | None:
        return self.inspections[-1] if self.inspections else None

    def open_orders(self, as_of: date) -> list[Order]:
        return [o for o in self.orders if o.is_open(as_of)]

    @property
    def failed_samples(self) -> list[Sample]:
        return [s for s in self.samples if s.result == "fail"]


def status_on(state: EnterpriseState, as_of: date) -> str:
    if state.closure is not None:
        return Status.CLOSED.value
    open_orders = state.open_orders(as_of)
    if any(o.deadline < as_of for o in open_orders):
        return Status.OVERDUE.value
    if open_orders:
        return Status.UNDER_RECTIFICATION.value
    if any(lic.is_valid(as_of) for lic in state.licenses):
        return Status.LICENSED.value
    return Status.REGISTERED.value


def fold(facts: Iterable[Fact], as_of: date) -> EnterpriseState | None:
    """The enterprise's state on as_of from its live facts; None if not registered by then."""
    ordered = sorted((f for f in facts if f.occurred_on <= as_of), key=lambda f: (f.occurred_on, f.version))
    registered = next((f for f in ordered if f.type == REGISTERED), None)
    if registered is None:
        return None
    p = registered.payload
    state = EnterpriseState(
        name=p["name"], credit_code=p.get("credit_code"), address=p.get("address", ""), town=p["town"],
        area=p["area"], kind=p["kind"], product_categories=tuple(p.get("product_categories", ())),
        registered_on=registered.occurred_on, registered_by=registered.actor_id, status=Status.REGISTERED.value,
    )
    for f in ordered:
        state = FOLD[f.type](state, f)
    return replace(state, status=status_on(state, as_of))


def _inspected(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    inspection = Inspection(f.version, f.occurred_on, p["outcome"], tuple(p.get("findings", ())), f.actor_id)
    return replace(state, inspections=(*state.inspections, inspection))


def _ordered(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    order = Order(f.version, p["order_no"], f.occurred_on, _d(p["deadline"]), f.actor_id)
    return replace(state, orders=(*state.orders, order))


def _verified(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    v = Verification(f.version, f.occurred_on, bool(p["passed"]), f.actor_id)
    orders = tuple(replace(o, verifications=(*o.verifications, v)) if o.order_no == p["order_no"] else o
                   for o in state.orders)
    return replace(state, orders=orders)


def _licensed(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    lic = License(f.version, p["license_no"], p["license_type"], f.occurred_on, _d(p["valid_until"]), f.actor_id)
    return replace(state, licenses=(*state.licenses, lic))


def _reviewed(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    r = Review(f.version, int(p["year"]), f.occurred_on, bool(p.get("passed", True)), f.actor_id)
    licenses = tuple(replace(lic, reviews=(*lic.reviews, r)) if lic.license_no == p["license_no"] else lic
                     for lic in state.licenses)
    return replace(state, licenses=licenses)


def _sampled(state: EnterpriseState, f: Fact) -> EnterpriseState:
    p = f.payload
    sample = Sample(
        f.version, p["sample_no"], f.occurred_on, p["product_category"], p.get("product", ""),
        "pass" if f.type == SAMPLE_PASSED else "fail", tuple(p.get("failed_items", ())), p.get("lab", ""),
        f.actor_id,
    )
    return replace(state, samples=(*state.samples, sample))


def _closed(state: EnterpriseState, f: Fact) -> EnterpriseState:
    if state.closure is not None:
        return state  # the first closure stands
    p = f.payload
    return replace(state, closure=Closure(f.version, f.occurred_on, p["reason"], p.get("decision_no", ""), f.actor_id))


def _unchanged(state: EnterpriseState, f: Fact) -> EnterpriseState:
    return state


# How each event changes the state, in (occurred_on, version) order. The registration
# founds the state (see `fold`); a retraction works through the choice of facts
# (`live_facts`), so neither changes it here. An event without an entry is an error.
FOLD: dict[str, Callable[[EnterpriseState, Fact], EnterpriseState]] = {
    REGISTERED: _unchanged,
    INSPECTED: _inspected,
    ORDERED_TO_RECTIFY: _ordered,
    RECTIFICATION_VERIFIED: _verified,
    LICENSED: _licensed,
    LICENSE_REVIEWED: _reviewed,
    SAMPLE_PASSED: _sampled,
    SAMPLE_FAILED: _sampled,
    CLOSED: _closed,
    RETRACTED: _unchanged,
}


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def breakpoints(facts: Iterable[Fact]) -> list[date]:
    """Every date on which the state can change: fact dates, deadline + 1, expiry + 1."""
    points: set[date] = set()
    for f in facts:
        points.add(f.occurred_on)
        if f.type == ORDERED_TO_RECTIFY:
            points.add(_d(f.payload["deadline"]) + timedelta(days=1))
        elif f.type == LICENSED:
            points.add(_d(f.payload["valid_until"]) + timedelta(days=1))
    return sorted(points)


# The acts that can change an enterprise's standing (its status, licence, closure and the
# fate of its orders); the others (inspections, samples, reviews) never do.
STATUS_ACTS = frozenset({REGISTERED, ORDERED_TO_RECTIFY, RECTIFICATION_VERIFIED, LICENSED, CLOSED})


@dataclass(frozen=True)
class Standing:
    """What the status view keeps of an enterprise on a day: its status and the figures that follow it."""

    status: str
    licensed: bool  # holds a licence of its kind's required type, valid that day
    closed_on: date | None  # its first closure, if dated on or before the day
    closure_reason: str | None
    orders: int  # orders to rectify issued on or before the day, by their fate that day:
    passed_on_time: int
    passed_late: int
    overdue: int
    open: int
    failed_verifications: int  # failed verifications of those orders dated on or before the day


def standing_timeline(facts: Iterable[Fact]) -> list[tuple[date, date | None, Standing]]:
    """The enterprise's standing over valid time, as consecutive (valid_from, valid_to, standing) intervals.

    The same answer, day by day, as the fold: status `status_on(fold(facts, day), day)`,
    order fates `Order.fate(day)`, the required licence and the first closure (a property
    test holds them equal), computed in one pass over the standing-changing facts instead
    of one fold per breakpoint, because the status view recomputes it for every such event.
    """
    relevant = sorted((f for f in facts if f.type in STATUS_ACTS), key=lambda f: (f.occurred_on, f.version))
    registration = next((f for f in relevant if f.type == REGISTERED), None)
    if registration is None:
        return []
    required = Kind(registration.payload["kind"]).required_license.value
    closure = next((f for f in relevant if f.type == CLOSED), None)
    # As the fold attaches them: a verification counts for the orders of its number that precede it.
    verifications = [(f.occurred_on, f.version, f.payload["order_no"], bool(f.payload["passed"]))
                     for f in relevant if f.type == RECTIFICATION_VERIFIED]
    orders = []
    for f in relevant:
        if f.type == ORDERED_TO_RECTIFY:
            attached = [(on, passed) for on, v, no, passed in verifications
                        if no == f.payload["order_no"] and (on, v) > (f.occurred_on, f.version)]
            orders.append((f.occurred_on, _d(f.payload["deadline"]), min((on for on, p in attached if p), default=None),
                           [on for on, p in attached if not p]))
    licences = [(f.occurred_on, _d(f.payload["valid_until"]), f.payload.get("license_type")) for f in relevant
                if f.type == LICENSED]

    def standing(day: date) -> Standing:
        fates = {"passed_on_time": 0, "passed_late": 0, "overdue": 0, "open": 0}
        issued = failed = 0
        for issued_on, deadline, passed_on, failures in orders:
            if issued_on > day:
                continue
            issued += 1
            failed += sum(1 for on in failures if on <= day)
            if passed_on is not None and passed_on <= day:
                fates["passed_on_time" if passed_on <= deadline else "passed_late"] += 1
            else:
                fates["overdue" if deadline < day else "open"] += 1
        closed = closure is not None and closure.occurred_on <= day
        if closed:
            status = Status.CLOSED.value
        elif fates["overdue"]:
            status = Status.OVERDUE.value
        elif fates["open"]:
            status = Status.UNDER_RECTIFICATION.value
        elif any(granted <= day <= until for granted, until, _ in licences):
            status = Status.LICENSED.value
        else:
            status = Status.REGISTERED.value
        return Standing(
            status=status,
            licensed=any(granted <= day <= until and kind == required for granted, until, kind in licences),
            closed_on=closure.occurred_on if closed and closure else None,
            closure_reason=closure.payload["reason"] if closed and closure else None,
            orders=issued, failed_verifications=failed, **fates,
        )

    intervals: list[tuple[date, date | None, Standing]] = []
    for point in breakpoints(relevant):
        if point < registration.occurred_on:
            continue
        now = standing(point)
        if intervals and intervals[-1][2] == now:
            continue
        if intervals:
            intervals[-1] = (intervals[-1][0], point, intervals[-1][2])
        intervals.append((point, None, now))
    return intervals


def live_facts(facts: Iterable[Fact], known_at: datetime) -> list[Fact]:
    """Facts recorded by known_at, less those voided by a retraction recorded by known_at."""
    known = [f for f in facts if f.recorded_at <= known_at]
    voided = {int(f.payload["event_version"]) for f in known if f.type == RETRACTED}
    return [f for f in known if f.type != RETRACTED and f.version not in voided]


# Fields of an event that are its envelope, not its payload.
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic", "actor", "occurred_on"})


def fact_from_event(event: Any) -> Fact:
    """A stored Enterprise event as a Fact (dates stay dates; enums are already strings)."""
    return Fact(
        version=event.originator_version,
        type=type(event).__name__,
        occurred_on=event.occurred_on,
        recorded_at=event.timestamp,
        actor_id=str(event.actor.official_id),
        payload={k: v for k, v in event.__dict__.items() if k not in ENVELOPE},
    )
