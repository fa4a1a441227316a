"""The commands: one frozen value per act, built by the HTTP routes, the CLI and the seeders.

Acts on an enterprise are in `COMMANDS` (the web forms find theirs there); acts on a draw
plan (双随机) and an official's declared conflict are in `DRAW_COMMANDS`.

A command holds what the client asked for, in the API's words; who acts and what day
it is come with it to the ledger (`Ledger.register`, `Ledger.record`), never inside it.
Each knows its act (for permissions) and the Enterprise's method that decides it: the
command's fields are that method's keyword arguments, besides `actor` and `today`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from domain.actor import Actor
from domain.acts import Act
from domain.draw_plan import DrawPlan
from domain.enterprise import Enterprise
from domain.values import Area, ClosureReason, FindingCode, Kind, LicenseType, Outcome, ProductCategory, SampleResult


@dataclass(frozen=True, kw_only=True)
class Command:
    """What every command has: its act, and the aggregate method that decides it."""

    act: ClassVar[Act]
    method: ClassVar[str]

    def arguments(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class Register(Command):
    act = Act.REGISTER
    method = "register"
    occurred_on: date
    name: str
    town: str
    area: Area
    kind: Kind
    product_categories: Sequence[ProductCategory] = ()
    credit_code: str | None = None
    credit_code_verified_by_hand: bool = False
    address: str = ""
    notes: str = ""

    def create(self, actor: Actor, today: date) -> Enterprise:
        return Enterprise.register(actor=actor, today=today, **self.arguments())


@dataclass(frozen=True, kw_only=True)
class EnterpriseCommand(Command):
    """A command on a registered enterprise."""

    def apply(self, enterprise: Enterprise, actor: Actor, today: date) -> None:
        getattr(enterprise, self.method)(actor=actor, today=today, **self.arguments())


@dataclass(frozen=True, kw_only=True)
class Inspect(EnterpriseCommand):
    act = Act.INSPECT
    method = "inspect"
    occurred_on: date
    outcome: Outcome
    findings: Sequence[FindingCode] = ()
    notes: str = ""
    draw_id: UUID | None = None  # the draw plan this inspection answers (the ledger checks it drew the enterprise)


@dataclass(frozen=True, kw_only=True)
class OrderToRectify(EnterpriseCommand):
    act = Act.ORDER_TO_RECTIFY
    method = "order_to_rectify"
    occurred_on: date
    order_no: str
    deadline: date
    items: Sequence[str]
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class VerifyRectification(EnterpriseCommand):
    act = Act.VERIFY_RECTIFICATION
    method = "verify_rectification"
    occurred_on: date
    order_no: str
    passed: bool
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class GrantLicense(EnterpriseCommand):
    act = Act.GRANT_LICENSE
    method = "grant_license"
    occurred_on: date
    license_type: LicenseType
    license_no: str
    valid_until: date
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class ReviewLicense(EnterpriseCommand):
    act = Act.REVIEW_LICENSE
    method = "review_license"
    occurred_on: date
    license_no: str
    year: int
    passed: bool = True
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class RecordSample(EnterpriseCommand):
    act = Act.RECORD_SAMPLE
    method = "record_sample"
    occurred_on: date
    sample_no: str
    product_category: ProductCategory
    result: SampleResult
    product: str = ""
    failed_items: Sequence[str] = ()
    lab: str = ""
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class Close(EnterpriseCommand):
    act = Act.CLOSE
    method = "close"
    occurred_on: date
    reason: ClosureReason
    decision_no: str = ""
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class Retract(EnterpriseCommand):
    act = Act.RETRACT
    method = "retract"
    event_version: int
    reason: str
    occurred_on: date | None = None  # default: the day it is recorded

    def apply(self, enterprise: Enterprise, actor: Actor, today: date) -> None:
        enterprise.retract(actor=actor, today=today, occurred_on=self.occurred_on or today,
                           event_version=self.event_version, reason=self.reason)


# Every command by the act it records (a route or a form finds its command here).
COMMANDS: dict[Act, type[Command]] = {
    c.act: c for c in (Register, Inspect, OrderToRectify, VerifyRectification, GrantLicense, ReviewLicense,
                       RecordSample, Close, Retract)
}


# -- random draws (双随机) -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AnnounceDraw(Command):
    """发布抽查计划: a new draw plan with the SHA-256 commitment of its secret seed."""

    act = Act.ANNOUNCE_DRAW
    method = "announce"
    name: str
    strata: dict[str, dict[str, Any]]  # stratum -> {"ratio": "0.2"} or {"count": 5}
    period_start: date
    period_end: date
    seed_commitment: str
    towns: Sequence[str] = ()
    kinds: Sequence[Kind] = ()
    categories: Sequence[ProductCategory] = ()
    high_risk_categories: Sequence[ProductCategory] = ()
    inspectors_per_target: int = 2
    cross_town: bool = False
    recent_months: int = 0
    notes: str = ""

    def create(self, actor: Actor, today: date) -> DrawPlan:
        return DrawPlan.announce(actor=actor, today=today, **self.arguments())


@dataclass(frozen=True, kw_only=True)
class DrawTargets(Command):
    """随机抽取: reveals the seed; the selection is computed from it and the register (see Ledger.draw)."""

    act = Act.DRAW
    method = "draw"
    seed: str


@dataclass(frozen=True, kw_only=True)
class PublishDraw(Command):
    act = Act.PUBLISH_DRAW
    method = "publish"


@dataclass(frozen=True, kw_only=True)
class CancelDraw(Command):
    act = Act.CANCEL_DRAW
    method = "cancel"
    reason: str


@dataclass(frozen=True, kw_only=True)
class DeclareConflict(Command):
    """申报回避: an official's conflict with an enterprise (on the official)."""

    act = Act.DECLARE_CONFLICT
    method = "declare_conflict"
    enterprise_id: UUID
    reason: str


DRAW_COMMANDS: dict[Act, type[Command]] = {
    c.act: c for c in (AnnounceDraw, DrawTargets, PublishDraw, CancelDraw, DeclareConflict)
}
