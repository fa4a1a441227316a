"""What the draw routes read (…Create) and write (…Public): random inspections (双随机) and recusals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.values import Kind, ProductCategory
from interfaces.http.schemas import Command, Name, Note

Seed = Annotated[str, Field(min_length=16, max_length=256, pattern=r"^[\x21-\x7e]+$",
                            description="the secret seed, 16–256 visible ASCII characters; its SHA-256 is the "
                                        "commitment announced with the plan")]
Ratio = Annotated[str, Field(pattern=r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$", description="decimal text, e.g. \"0.25\"")]


class Quota(BaseModel):
    """A stratum's quota: a ratio of its candidates (drawn: ceil(ratio × n)) or a count."""

    model_config = ConfigDict(extra="forbid")
    ratio: Ratio | None = None
    count: Annotated[int, Field(ge=0, le=100_000)] | None = None


class Strata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bad_record: Quota = Field(description="近12个月有抽检不合格或逾期未整改: a failed sample, or an order overdue on "
                                          "some day, in the 12 months up to the draw")
    high_risk: Quota = Field(description="高风险品类: makes one of the plan's high-risk categories")
    general: Quota = Field(description="一般: the rest")


class DrawPlanCreate(Command):
    """发布抽查计划: announces a plan with the SHA-256 commitment of its secret seed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "2026年第四季度食品小作坊双随机抽查", "towns": ["石桥镇", "河口镇"], "kinds": ["small_workshop"],
        "high_risk_categories": ["meat_products", "aquatic_products"],
        "strata": {"bad_record": {"ratio": "0.5"}, "high_risk": {"ratio": "0.3"}, "general": {"ratio": "0.1"}},
        "inspectors_per_target": 2, "period_start": "2026-10-08", "period_end": "2026-12-15",
        "cross_town": True, "recent_months": 12,
        "seed_commitment": "0f1c3e0b7d5c8a2e9b4f6d1a3c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e"}]})
    name: Name
    strata: Strata
    period_start: date
    period_end: date
    seed_commitment: Annotated[str, Field(max_length=100, description="SHA-256 of the seed, 64 lower-case hex digits")]
    towns: list[Name] = Field(default_factory=list, max_length=100)
    kinds: list[Kind] = Field(default_factory=list, max_length=10)
    categories: list[ProductCategory] = Field(default_factory=list, max_length=50)
    high_risk_categories: list[ProductCategory] = Field(default_factory=list, max_length=50)
    inspectors_per_target: Annotated[int, Field(ge=2, le=10)] = 2
    cross_town: bool = False
    recent_months: Annotated[int, Field(ge=0, le=60)] = 0
    notes: Note = ""


class DrawingCreate(Command):
    """随机抽取: reveals the seed; the selection is computed from it."""

    seed: Seed


class PublicationCreate(Command):
    """公示: publishes the drawn plan and its results."""


class CancellationCreate(Command):
    """撤销: cancels a plan not yet published."""

    reason: Note


class RecusalCreate(Command):
    """申报回避: the official declares a conflict of interest with an enterprise."""

    enterprise_id: UUID
    reason: Note


class DrawCommandPublic(BaseModel):
    plan_id: UUID
    version: int
    position: int
    recorded_at: datetime


class RecusalPublic(BaseModel):
    official_id: UUID
    version: int
    position: int
    recorded_at: datetime


class PlanHead(BaseModel):
    """What every answer about a plan starts with, public or not."""

    plan_id: str
    name: str
    unit: str
    period_start: str
    period_end: str
    drawn_on: str | None
    published_on: str | None


class DrawPlanPublic(PlanHead):
    """The plan as it stands (GET /draws/{id}): its seed, known_at and selection once drawn."""

    state: str
    version: int
    announced_by: dict[str, str]
    announced_on: str
    scope: dict[str, list[str]]
    strata: dict[str, dict[str, Any]]
    inspectors_per_target: int
    cross_town: bool
    recent_months: int
    seed_commitment: str
    seed: str | None
    known_at: str | None
    cancelled: dict[str, str] | None
    selection: dict[str, Any] | None
    notes: str


class DrawPlanSummary(PlanHead):
    state: str
    announced_on: str
    targets: int


class DrawPlansPublic(BaseModel):
    known_at: str
    items: list[DrawPlanSummary]


class VerificationPublic(BaseModel):
    plan_id: str
    ok: bool
    drawn: bool
    commitment_matches: bool
    selection_matches: bool
    differences: list[str]


class CompletionPublic(BaseModel):
    plan_id: str
    name: str
    state: str
    period_start: str
    period_end: str
    as_of: str
    known_at: str
    totals: dict[str, int]
    targets: list[dict[str, Any]]
    inspectors: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]


class PublicInspection(BaseModel):
    occurred_on: str
    outcome: str | None
    findings: list[str]


class PublicTarget(BaseModel):
    enterprise_id: str
    name: str
    town: str
    kind: str
    stratum: str
    inspections: list[PublicInspection]


class PublicDrawResults(PlanHead):
    """一公开: what the public may see of a published plan."""

    scope: dict[str, list[str]]
    strata: dict[str, dict[str, Any]]
    inspectors_per_target: int
    announced_on: str
    seed_commitment: str
    seed: str
    register_known_at: str
    drawn_strata: list[dict[str, Any]]
    targets: list[PublicTarget]


class PublicDrawSummary(PlanHead):
    targets: int


class PublicDrawList(BaseModel):
    items: list[PublicDrawSummary]
