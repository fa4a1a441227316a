"""What the API reads (…Create) and writes (…Public): pydantic models over the domain's words.

Command bodies forbid unknown fields, so a body naming an `actor` is refused (the actor is
always the authenticated official). Enum fields use the domain's enums, so an unknown
value is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.values import (
    Area,
    ClosureReason,
    FindingCode,
    Kind,
    LicenseType,
    Outcome,
    ProductCategory,
    Role,
    SampleResult,
    Status,
)

_CONTROL = {c for c in range(32) if chr(c) not in "\t\n\r"} | {127}


def _storable(value: str) -> str:
    """Text every store and view can hold: UTF-8 encodable, no NUL or other control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("文本含无法编码的字符 (text contains characters that cannot be encoded as UTF-8)") from None
    if any(ord(c) in _CONTROL for c in value):
        raise ValueError("文本含控制字符 (text contains control characters such as NUL)")
    return value


Storable = AfterValidator(_storable)
Name = Annotated[str, Field(max_length=200), Storable]
Number = Annotated[str, Field(max_length=100), Storable]  # order, license, sample and decision numbers
Note = Annotated[str, Field(max_length=2000), Storable]
Item = Annotated[str, Field(max_length=500), Storable]
CreditCode = Annotated[str, Field(max_length=40), Storable]
Year = Annotated[int, Field(ge=1900, le=2999)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- commands ------------------------------------------------------------------------


class EnterpriseCreate(Command):
    """登记建档: registers an enterprise at the census."""

    name: Name
    town: Name
    area: Area
    kind: Kind
    occurred_on: date
    product_categories: list[ProductCategory] = Field(default_factory=list, max_length=50)
    credit_code: CreditCode | None = None
    credit_code_verified_by_hand: bool = False
    address: Note = ""
    notes: Note = ""


class InspectionCreate(Command):
    """检查: an inspection and its findings."""

    occurred_on: date
    outcome: Outcome
    findings: list[FindingCode] = Field(default_factory=list, max_length=50)
    notes: Note = ""
    draw_id: UUID | None = Field(default=None, description="the draw plan (双随机) this inspection answers; 409 "
                                                       "`draw-target` unless that plan drew this enterprise")


class RectificationOrderCreate(Command):
    """责令限期整改: an order to rectify within a deadline."""

    occurred_on: date
    order_no: Number
    deadline: date
    items: list[Item] = Field(max_length=100)
    notes: Note = ""


class VerificationCreate(Command):
    """整改复查: the verification of an order; `passed` closes it."""

    occurred_on: date
    passed: bool
    notes: Note = ""


class LicenseCreate(Command):
    """取得许可证/认证/登记证: a license granted."""

    occurred_on: date
    license_type: LicenseType
    license_no: Number
    valid_until: date
    notes: Note = ""


class ReviewCreate(Command):
    """年审: the annual review of a held license."""

    occurred_on: date
    year: Year
    passed: bool = True
    notes: Note = ""


class SampleCreate(Command):
    """监督抽查: a supervision sample, passed or failed."""

    occurred_on: date
    sample_no: Number
    product_category: ProductCategory
    result: SampleResult
    product: Name = ""
    failed_items: list[Item] = Field(default_factory=list, max_length=100)
    lab: Name = ""
    notes: Note = ""


class ClosureCreate(Command):
    """关停/取缔: the enterprise is closed."""

    occurred_on: date
    reason: ClosureReason
    decision_no: Number = ""
    notes: Note = ""


class RetractionCreate(Command):
    """更正: voids an earlier event of the same enterprise, which stays in the log."""

    event_version: Annotated[int, Field(ge=1, le=2**31)]
    reason: Note
    occurred_on: date | None = None


# -- answers ---------------------------------------------------------------------------


class CommandPublic(BaseModel):
    """The answer to every command: where the event landed."""

    enterprise_id: UUID
    version: int
    position: int = Field(description="the event's place in the global log")
    recorded_at: datetime


class ActorPublic(BaseModel):
    official_id: UUID
    name: str
    unit: str
    role: Role


class RetractionPublic(BaseModel):
    version: int
    reason: str
    recorded_at: datetime
    actor: ActorPublic


class HistoryEventPublic(BaseModel):
    version: int
    position: int
    type: str
    occurred_on: date
    recorded_at: datetime
    actor: ActorPublic
    payload: dict[str, Any]
    retracted: RetractionPublic | None
    leaf_hash: str = Field(description="hex SHA-256 leaf hash of the stored event (README: Audit), for "
                                       "GET /audit/proof/inclusion/{position} and a checkpoint")


class HistoryPublic(BaseModel):
    enterprise_id: UUID
    events: list[HistoryEventPublic]
    latest_version: int = Field(description="the enterprise's version now (also the ETag), whatever the page")
    next_after_version: int | None = Field(
        description="pass as after_version for the next page; null when this page reaches the end")
    limit: int


class OpenOrderPublic(BaseModel):
    order_no: str
    deadline: date
    overdue: bool


class LicensePublic(BaseModel):
    license_no: str
    license_type: LicenseType
    valid_until: date
    last_review_year: int | None


class LastInspectionPublic(BaseModel):
    occurred_on: date
    outcome: Outcome
    inspector_id: UUID


class SamplesPublic(BaseModel):
    taken: int
    failed: int


class EnterprisePublic(BaseModel):
    id: UUID
    name: str
    credit_code: str | None
    address: str
    town: str
    area: Area
    kind: Kind
    product_categories: list[ProductCategory]
    status: Status
    open_orders: list[OpenOrderPublic]
    licenses: list[LicensePublic]
    last_inspection: LastInspectionPublic | None
    samples: SamplesPublic
    version: int
    as_of: date
    known_at: datetime


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document, with the rule that refused and each bad field."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    rule: str
    errors: list[FieldError] = Field(default_factory=list)


class Health(BaseModel):
    status: str


class Readiness(Health):
    projection_lag: dict[str, int]  # log positions each view is behind
