"""The recording forms: one per act, read from a posted form, checked by the API's own schemas, recorded
by the ledger as the act's command (application.commands.COMMANDS), and refused with the domain's own
(Chinese) reasons beside the field.

A form is shown only to an official whose role may record the act and whose towns cover the
enterprise (domain.permissions: PERMITTED_ACTS, may; Caller.covers); the ledger checks the same again.
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

from application.commands import COMMANDS, EnterpriseCommand, Register
from application.ledger import Ledger
from application.results import CommandResult, Idempotency
from domain import errors
from domain.acts import Act
from domain.official import Caller
from domain.permissions import may
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
class Form:
    key: str  # the URL word: /web/enterprises/{id}/{key}
    act: Act  # what it records: the permission checked, the command built
    title: str
    schema: type[BaseModel]
    fields: tuple[Field, ...]
    outside: tuple[str, ...] = field(default=())  # the command's fields beside the schema (from the URL in the API)


FORMS: dict[str, Form] = {f.key: f for f in (
    Form("inspect", Act.INSPECT, "检查", InspectionCreate, (
        OCCURRED, Field("outcome", "结论", "select", _choices(Outcome), required=True),
        Field("findings", "发现问题", "multi", _choices(FindingCode), hint="结论为违法违规时至少选一项"), NOTES)),
    Form("order", Act.ORDER_TO_RECTIFY, "责令限期整改", RectificationOrderCreate, (
        OCCURRED, Field("order_no", "整改通知书编号", "text", required=True),
        Field("deadline", "整改期限", "date", required=True),
        Field("items", "整改事项", "lines", required=True, hint="每行一项"), NOTES)),
    Form("verify", Act.VERIFY_RECTIFICATION, "整改复查", VerificationCreate, (
        Field("order_no", "整改通知书", "select", "open_orders", required=True), OCCURRED,
        Field("passed", "复查结论", "yesno", (("true", "合格（整改完成）"), ("false", "不合格")), required=True),
        NOTES),
        outside=("order_no",)),
    Form("license", Act.GRANT_LICENSE, "取得许可证", LicenseCreate, (
        OCCURRED, Field("license_type", "证照类型", "select", _choices(LicenseType), required=True),
        Field("license_no", "证照编号", "text", required=True),
        Field("valid_until", "有效期至", "date", required=True), NOTES)),
    Form("review", Act.REVIEW_LICENSE, "年审", ReviewCreate, (
        Field("license_no", "证照", "select", "licenses", required=True), OCCURRED,
        Field("year", "年度", "number", required=True),
        Field("passed", "年审结论", "yesno", (("true", "通过"), ("false", "未通过")), required=True), NOTES),
        outside=("license_no",)),
    Form("sample", Act.RECORD_SAMPLE, "监督抽查", SampleCreate, (
        OCCURRED, Field("sample_no", "样品编号", "text", required=True),
        Field("product_category", "产品类别", "select", "categories", required=True),
        Field("product", "产品名称", "text"),
        Field("result", "检验结果", "yesno", (("pass", "合格"), ("fail", "不合格")), required=True),
        Field("failed_items", "不合格项目", "lines", hint="不合格时至少一项，每行一项"),
        Field("lab", "检验机构", "text"), NOTES)),
    Form("close", Act.CLOSE, "关停/取缔", ClosureCreate, (
        OCCURRED, Field("reason", "理由", "select", _choices(ClosureReason), required=True),
        Field("decision_no", "决定书编号", "text"), NOTES)),
    Form("retract", Act.RETRACT, "更正（撤销一条记录）", RetractionCreate, (
        Field("event_version", "被更正的事件", "select", "retractable", required=True),
        Field("reason", "更正理由", "textarea", required=True))),
)}

REGISTER = Form("register", Act.REGISTER, "登记建档", EnterpriseCreate, (
    Field("name", "名称", "text", required=True), Field("town", "镇街", "suggest", "towns", required=True),
    Field("area", "区域", "select", _choices(Area), required=True),
    Field("kind", "类型", "select", _choices(Kind), required=True), OCCURRED,
    Field("product_categories", "产品类别", "multi", _choices(ProductCategory)),
    Field("credit_code", "统一社会信用代码", "text"),
    Field("credit_code_verified_by_hand", "代码已人工核实", "check"),
    Field("address", "地址", "text"), NOTES))


def permitted(caller: Caller | None, form: Form, town: str | None) -> bool:
    """The official's role may record the form's act, and (for an enterprise's act) their towns cover its town."""
    if caller is None or not may(caller, form.act):
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


def values_of(form: Form, posted: Any) -> dict[str, Any]:
    """The posted values as the schema reads them (blank fields left out, so defaults and "required" apply)."""
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.kind == "multi":
            data[f.name] = [str(v) for v in posted.getlist(f.name)]
        elif f.kind == "lines":
            lines = [line.strip() for line in str(posted.get(f.name) or "").splitlines()]
            data[f.name] = [line for line in lines if line]
        elif f.kind == "check":
            data[f.name] = posted.get(f.name) == "true"
        else:
            value = str(posted.get(f.name) or "").strip()
            if value:
                data[f.name] = {"true": True, "false": False}.get(value, value) if f.kind == "yesno" else value
    return data


def record(form: Form, ledger: Ledger, caller: Caller, today: date, enterprise_id: UUID | None, posted: Any,
           path: str) -> Submission:
    """Checks the posted form and records its act's command; the domain's refusals come back by field."""
    values = values_of(form, posted)
    outside = {name: values.pop(name) for name in form.outside if name in values}
    missing = [name for name in form.outside if name not in outside]
    try:
        body = form.schema.model_validate(values)
    except ValidationError as e:
        found = {str(err["loc"][0]) if err["loc"] else "": message(err) for err in e.errors()}
        found |= {name: "必填" for name in missing}
        return Submission(errors=found, values=values | outside, status=422)
    if missing:
        return Submission(errors={name: "必填" for name in missing}, values=values | outside, status=422)
    key = str(posted.get(KEY_FIELD) or "")
    idempotency = Idempotency(key, {"path": path, "body": body.model_dump(mode="json")}) if key else None
    command = COMMANDS[form.act](**body.model_dump(), **outside)
    try:
        if isinstance(command, Register):
            result = ledger.register(command, by=caller, today=today, idempotency=idempotency)
        else:
            # FORMS' acts other than registering are an enterprise's
            assert isinstance(command, EnterpriseCommand) and enterprise_id is not None  # noqa: S101 - see above
            result = ledger.record(enterprise_id, command, by=caller, today=today, idempotency=idempotency)
    except errors.DomainError as e:
        status = {errors.NotPermitted: 403, errors.NotFound: 404, errors.InvalidValue: 422}
        code = next((s for cls, s in status.items() if isinstance(e, cls)), 409)
        where = e.field if e.field in {f.name for f in form.fields} else ""
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
