"""Words for people: Chinese labels of events, fields and API words, and how times are shown (UTC+8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.bureau_time import BUREAU_TZ, bureau_date
from domain.enterprise import EVENTS as ENTERPRISE_EVENTS
from domain.values import (
    ENUMS,
    Area,
    ClosureReason,
    FindingCode,
    Kind,
    LicenseType,
    Outcome,
    ProductCategory,
    Role,
    Status,
)

EVENTS = {name: cls.label for name, cls in ENTERPRISE_EVENTS.items()}

FIELDS = {
    "name": "名称", "town": "镇街", "area": "区域", "kind": "类型", "product_categories": "产品类别",
    "credit_code": "统一社会信用代码", "credit_code_verified_by_hand": "代码已人工核实", "address": "地址",
    "notes": "备注", "occurred_on": "日期", "outcome": "结论", "findings": "发现问题", "order_no": "整改通知书编号",
    "deadline": "整改期限", "items": "整改事项", "passed": "是否合格", "license_type": "证照类型",
    "license_no": "证照编号", "valid_until": "有效期至", "year": "年度", "sample_no": "样品编号",
    "product_category": "产品类别", "result": "检验结果", "product": "产品", "failed_items": "不合格项目",
    "lab": "检验机构", "reason": "理由", "decision_no": "决定书编号", "event_version": "被更正的事件",
}

# Every API word of every enum, by enum: {"kind": {"small_workshop": "小作坊", ...}, ...}
_BY_FIELD: dict[str, dict[str, str]] = {
    "area": {a.value: a.label for a in Area}, "kind": {k.value: k.label for k in Kind},
    "outcome": {o.value: o.label for o in Outcome},
    "findings": {f.value: f.label for f in FindingCode}, "license_type": {t.value: t.label for t in LicenseType},
    "product_category": {c.value: c.label for c in ProductCategory},
    "product_categories": {c.value: c.label for c in ProductCategory},
    "reason": {r.value: r.label for r in ClosureReason}, "status": {s.value: s.label for s in Status},
    "role": {r.value: r.label for r in Role}, "result": {"pass": "合格", "fail": "不合格"},
}
_ANY: dict[str, str] = {m.value: m.label for enum in ENUMS for m in enum}


def word(value: Any, field: str | None = None) -> str:
    """The Chinese label of an API word (by its field when the same word means two things)."""
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    if field is not None and field in _BY_FIELD:
        return _BY_FIELD[field].get(text, text)
    return _ANY.get(text, text)


def event_label(event_type: str) -> str:
    return EVENTS.get(event_type, event_type)


def field_label(field: str | None) -> str:
    return FIELDS.get(field or "", field or "")


def shown_value(field: str, value: Any) -> str:
    """A payload value as a person reads it."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(word(v, field) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return word(value, field)


def payload_lines(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for each non-empty field of an event's payload."""
    return [(field_label(k), shown_value(k, v)) for k, v in payload.items()
            if v not in ("", None, [], ()) and k not in ("id", "originator_id")]


def moment(value: datetime | None) -> str:
    """A timestamp in the bureau's time, to the minute."""
    if value is None:
        return ""
    return value.astimezone(BUREAU_TZ).strftime("%Y-%m-%d %H:%M")


def days_late(occurred_on: date, recorded_at: datetime) -> int:
    """Days between when an act happened and the bureau's day it was recorded on."""
    return max(0, (bureau_date(recorded_at) - occurred_on).days)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
