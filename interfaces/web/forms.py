"""The recording forms: one per act, read from a posted form, checked by the API's own schemas, recorded
by the ledger's own methods, and refused with the domain's own (Chinese) reasons beside the field.

A form is shown only to an official whose role may record the act and whose towns cover the
enterprise (domain.official: PERMITTED_ACTS, Caller.covers); the ledger checks the same again.
Each rendered form carries a random key, sent as the command's Idempotency-Key: a form
posted twice (a double click, a reload) records once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from application.ledger import CommandResult, Idempotency, Ledger
from domain import errors
from domain.official import Caller
from domain.values import Area, ClosureReason, FindingCode, Kind, LicenseType, Outcome, ProductCategory
from interfaces.http.schemas import (
    ClosureCreate,
    EnterpriseCreate,
    InspectionCreate,
    LicenseCreate,
    RectificationOrderCreate,
    RetractionCreate,
    ReviewCreate,
    SampleCreate,
    VerificationCreate,
)

KEY_FIELD = "form_key"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # date | text | suggest (text with choices) | textarea | lines | select | multi | yesno | check | number
    options: str | tuple[tuple[str, str], ...] = ()  # choices, or the name of choices the page supplies
    required: bool = False
    hint: str = ""


def _choices(enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, m.label) for m in enum)


NOTES = Field("notes", "备注", "textarea")
OCCURRED = Field("occurred_on", "日期", "date", required=True)


@dataclass(frozen=True)
class Act:
    key: str  # the URL word: /web/enterprises/{id}/{key}
    permission: str  # the act's name in domain.official.PERMITTED_ACTS
    title: str
    schema: type[BaseModel]
    method: str  # the Ledger method that records it
    fields: tuple[Field, ...]
    outside: tuple[str, ...] = field(default=())  # fields the ledger takes beside the schema (from the URL in the API)


ACTS: dict[str, Act] = {a.key: a for a in (
    Act("inspect", "Inspected", "检查", InspectionCreate, "inspect", (
        OCCURRED, Field("outcome", "结论", "select", _choices(Outcome), required=True),
        Field("findings", "发现问题", "multi", _choices(FindingCode), hint="结论为违法违规时至少选一项"), NOTES)),
    Act("order", "OrderedToRectify", "责令限期整改", RectificationOrderCreate, "order_to_rectify", (
        OCCURRED, Field("order_no", "整改通知书编号", "text", required=True),
        Field("deadline", "整改期限", "date", required=True),
        Field("items", "整改事项", "lines", required=True, hint="每行一项"), NOTES)),
    Act("verify", "RectificationVerified", "整改复查", VerificationCreate, "verify_rectification", (
        Field("order_no", "整改通知书", "select", "open_orders", required=True), OCCURRED,
        Field("passed", "复查结论", "yesno", (("true", "合格（整改完成）"), ("false", "不合格")), required=True), NOTES),
        outside=("order_no",)),
    Act("license", "Licensed", "取得许可证", LicenseCreate, "grant_license", (
        OCCURRED, Field("license_type", "证照类型", "select", _choices(LicenseType), required=True),
        Field("license_no", "证照编号", "text", required=True),
        Field("valid_until", "有效期至", "date", required=True), NOTES)),
    Act("review", "LicenseReviewed", "年审", ReviewCreate, "review_license", (
        Field("license_no", "证照", "select", "licenses", required=True), OCCURRED,
        Field("year", "年度", "number", required=True),
        Field("passed", "年审结论", "yesno", (("true", "通过"), ("false", "未通过")), required=True), NOTES),
        outside=("license_no",)),
    Act("sample", "SampleTaken", "监督抽查", SampleCreate, "record_sample", (
        OCCURRED, Field("sample_no", "样品编号", "text", required=True),
        Field("product_category", "产品类别", "select", "categories", required=True),
        Field("product", "产品名称", "text"),
        Field("result", "检验结果", "yesno", (("pass", "合格"), ("fail", "不合格")), required=True),
        Field("failed_items", "不合格项目", "lines", hint="不合格时至少一项，每行一项"),
        Field("lab", "检验机构", "text"), NOTES)),
    Act("close", "Closed", "关停/取缔", ClosureCreate, "close_enterprise", (
        OCCURRED, Field("reason", "理由", "select", _choices(ClosureReason), required=True),
        Field("decision_no", "决定书编号", "text"), NOTES)),
    Act("retract", "Retracted", "更正（撤销一条记录）", RetractionCreate, "retract", (
        Field("event_version", "被更正的事件", "select", "retractable", required=True),
        Field("reason", "更正理由", "textarea", required=True))),
)}

REGISTER = Act("register", "Registered", "登记建档", EnterpriseCreate, "register_enterprise", (
    Field("name", "名称", "text", required=True), Field("town", "镇街", "suggest", "towns", required=True),
    Field("area", "区域", "select", _choices(Area), required=True),
    Field("kind", "类型", "select", _choices(Kind), required=True), OCCURRED,
    Field("product_categories", "产品类别", "multi", _choices(ProductCategory)),
    Field("credit_code", "统一社会信用代码", "text"),
    Field("credit_code_verified_by_hand", "代码已人工核实", "check"),
    Field("address", "地址", "text"), NOTES))


def permitted(caller: Caller | None, act: Act, town: str | None) -> bool:
    """The official's role may record the act, and (for an enterprise's act) their towns cover its town."""
    if caller is None or not caller.may(act.permission):
        return False
    return town is None or caller.covers(town)


def new_key() -> str:
    return "web-" + secrets.token_urlsafe(18)


@dataclass
class Submission:
    """What became of a posted form: recorded, or refused with messages by field ("" for the form as a whole)."""

    result: CommandResult | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


def values_of(act: Act, form: Any) -> dict[str, Any]:
    """The form's values as the schema reads them (blank fields left out, so defaults and "required" apply)."""
    data: dict[str, Any] = {}
    for f in act.fields:
        if f.kind == "multi":
            data[f.name] = [str(v) for v in form.getlist(f.name)]
        elif f.kind == "lines":
            lines = [line.strip() for line in str(form.get(f.name) or "").splitlines()]
            data[f.name] = [line for line in lines if line]
        elif f.kind == "check":
            data[f.name] = form.get(f.name) == "true"
        else:
            value = str(form.get(f.name) or "").strip()
            if value:
                data[f.name] = {"true": True, "false": False}.get(value, value) if f.kind == "yesno" else value
    return data


def record(act: Act, ledger: Ledger, caller: Caller, today: date, enterprise_id: UUID | None, form: Any,
           path: str) -> Submission:
    """Checks and records the act from the posted form; the domain's refusals come back by field."""
    values = values_of(act, form)
    outside = {name: values.pop(name) for name in act.outside if name in values}
    missing = [name for name in act.outside if name not in outside]
    try:
        body = act.schema.model_validate(values)
    except ValidationError as e:
        found = {str(err["loc"][0]) if err["loc"] else "": message(err) for err in e.errors()}
        found |= {name: "必填" for name in missing}
        return Submission(errors=found, values=values | outside, status=422)
    if missing:
        return Submission(errors={name: "必填" for name in missing}, values=values | outside, status=422)
    key = str(form.get(KEY_FIELD) or "")
    idempotency = Idempotency(key, {"path": path, "body": body.model_dump(mode="json")}) if key else None
    arguments = {**body.model_dump(), **outside, "by": caller, "today": today, "idempotency": idempotency}
    try:
        method = getattr(ledger, act.method)
        result = method(enterprise_id, **arguments) if enterprise_id is not None else method(**arguments)
    except errors.DomainError as e:
        status = {errors.NotPermitted: 403, errors.NotFound: 404, errors.InvalidValue: 422}
        code = next((s for cls, s in status.items() if isinstance(e, cls)), 409)
        where = e.field if e.field in {f.name for f in act.fields} else ""
        return Submission(errors={where: e.detail}, values=values | outside, status=code)
    return Submission(result=result)


_MESSAGES = {
    "missing": "必填",
    "date_from_datetime_parsing": "日期格式应为 年-月-日",
    "date_parsing": "日期格式应为 年-月-日",
    "int_parsing": "应为整数",
    "bool_parsing": "请选择",
    "enum": "请从列表中选择",
    "literal_error": "请从列表中选择",
    "string_too_long": "过长",
    "too_long": "项数过多",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "extra_forbidden": "不接受的字段",
}


def message(error: Any) -> str:
    """A validation error in Chinese (our own validators' messages already are)."""
    kind = str(error.get("type", ""))
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _MESSAGES.get(kind, "无效的值")
