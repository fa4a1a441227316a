"""Which stored events the views care about, read as plain values."""

from __future__ import annotations

from typing import Any

from domain.draw_plan import DrawPlan
from domain.enterprise import Enterprise
from domain.official import Official
from domain.status import ENVELOPE, Fact, fact_from_event


def is_enterprise_event(event: Any) -> bool:
    return isinstance(event, Enterprise.Event)


def is_official_event(event: Any) -> bool:
    return isinstance(event, Official.Event)


def is_draw_plan_event(event: Any) -> bool:
    return isinstance(event, DrawPlan.Event)


def event_type(event: Any) -> str:
    return type(event).__name__


def enterprise_fact(event: Any) -> Fact:
    return fact_from_event(event)


def payload_of(event: Any) -> dict[str, Any]:
    return {k: v for k, v in event.__dict__.items() if k not in ENVELOPE}
