"""Reports from the views: counts by status, accountability findings, one official's acts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, campaign_settings
from interfaces.http.read_side import ReadAt, waits_for
from interfaces.report_archive import kept_answer
from projections import Views, draw_queries
from projections.report_archive import ACCOUNTABILITY, STATUS

router = APIRouter(tags=["reports"])

OFFICIAL = "0b7d3e52-3f4e-4a8c-9a0e-5b2c1d9e8f70"
ENTERPRISE = "6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10"


def _examples(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class ListPage(BaseModel):
    """A page of a list: `items` from `offset`, at most `limit` of them, out of `total`."""

    items: list[dict[str, Any]]
    total: int
    limit: int | None
    offset: int


Limit = Annotated[int, Query(ge=1, le=1000, description="rows per page of each list")]
ACCOUNTABILITY_LIMIT = 50  # the lists' page size by default
Offset = Annotated[int, Query(ge=0, le=10**9, description="the first row of each list's page")]


class StatusReportPublic(BaseModel):
    model_config = _examples({
        "as_of": "2026-10-01", "known_at": "2026-10-01T10:00:00Z", "total": 3,
        "by_status": {"licensed": 1, "overdue": 1, "registered": 1},
        "by_town": {"石桥镇": {"licensed": 1, "overdue": 1}, "河口镇": {"registered": 1}},
        "by_kind": {"small_workshop": {"overdue": 1, "registered": 1}, "food_producer": {"licensed": 1}},
    })
    as_of: str
    known_at: str
    total: int
    by_status: dict[str, int]
    by_town: dict[str, dict[str, int]]
    by_kind: dict[str, dict[str, int]]


class AccountabilityPublic(BaseModel):
    model_config = _examples({
        "as_of": "2026-10-01", "known_at": "2026-10-01T10:00:00Z",
        "officials": [{"official_id": OFFICIAL, "name": "王芳", "actions": {"Inspected": 4, "OrderedToRectify": 1},
                       "orders": {"issued": 1, "passed_on_time": 0, "passed_late": 0, "overdue": 1}}],
        "overdue_orders": {"items": [{"enterprise_id": ENTERPRISE, "order_no": "SQ-2026-031", "deadline": "2026-08-30",
                                      "issued_by": OFFICIAL}], "total": 1, "limit": 50, "offset": 0},
        "compliant_then_failed": {"items": [{"enterprise_id": ENTERPRISE, "inspector_id": OFFICIAL,
                                             "inspected_on": "2026-08-09", "sample_no": "CJ-2026-118",
                                             "failed_on": "2026-09-03", "days_between": 25}],
                                  "total": 1, "limit": 50, "offset": 0},
        "responsible": {"石桥镇": [{"official_id": OFFICIAL, "name": "王芳", "role": "inspector", "scope": "town"}]},
    })
    as_of: str
    known_at: str
    officials: list[dict[str, Any]]
    overdue_orders: ListPage
    compliant_then_failed: ListPage
    responsible: dict[str, list[dict[str, str]]]
    draws: list[dict[str, Any]] = []  # each drawn or published plan's completion totals (双随机)


class ActionPublic(BaseModel):
    enterprise_id: str
    type: str
    version: int
    occurred_on: str
    recorded_at: str
    late_days: int


class ActionsPublic(BaseModel):
    model_config = _examples({
        "official_id": OFFICIAL, "as_of": "2026-10-01", "known_at": "2026-10-01T10:00:00Z",
        "actions": [{"enterprise_id": ENTERPRISE, "type": "Inspected", "version": 2, "occurred_on": "2026-08-09",
                     "recorded_at": "2026-08-15T02:10:00+00:00", "late_days": 6}],
        "total": 1, "limit": 100, "offset": 0,
    })
    official_id: str
    as_of: str
    known_at: str
    actions: list[ActionPublic]
    total: int
    limit: int
    offset: int


@router.get("/reports/status", response_model=StatusReportPublic, responses=problems.responses(401, 422, 503))
def status_report(request: Request, by: CurrentOfficial,
                  at: Annotated[ReadAt, waits_for("status")]) -> StatusReportPublic | Response:
    """Enterprises counted by status, by town × status and by kind × status, at (as_of, known_at). An answer
    archived at (as_of, known_at) (`zhijian report archive`) is sent as kept, with Zhijian-Archived-At."""
    rules = campaign_settings(request).campaign_for(at.as_of)
    kept = kept_answer(request, at.views.status, at.as_of, at.known_at, "json", rules, report=STATUS)
    return kept if kept is not None else status_answer(at.views, at.as_of, at.known_at)


def status_answer(views: Views, day: date, moment: datetime) -> StatusReportPublic:
    """GET /reports/status's answer at (day, moment)."""
    by_status: dict[str, int] = defaultdict(int)
    by_town: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for status, town, kind, n in views.status.counts(day, moment):
        by_status[status] += n
        by_town[town][status] += n
        by_kind[kind][status] += n
    return StatusReportPublic(
        as_of=day.isoformat(), known_at=moment.isoformat(), total=sum(by_status.values()), by_status=dict(by_status),
        by_town={t: dict(v) for t, v in by_town.items()}, by_kind={k: dict(v) for k, v in by_kind.items()},
    )


@router.get("/reports/accountability", response_model=AccountabilityPublic,
            responses=problems.responses(401, 422, 503))
def accountability_report(request: Request, by: CurrentOfficial, at: Annotated[ReadAt, waits_for("accountability")],
                          limit: Limit = ACCOUNTABILITY_LIMIT, offset: Offset = 0) -> AccountabilityPublic | Response:
    """Per official: acts by type and the fate of the orders they issued; overdue orders; inspections found
    compliant shortly before a failed sample (the window is the campaign file's
    `[accountability] compliant_then_failed_days`); who was responsible for each town; each drawn plan's
    completion (`draws`, see GET /draws/{id}/completion). The two lists are paged (`limit`, `offset`, `total`).
    An answer archived at (as_of, known_at) (`zhijian report archive`) is sent as kept (the first pages)."""
    rules = campaign_settings(request).campaign_for(at.as_of)
    if limit == ACCOUNTABILITY_LIMIT and offset == 0:
        kept = kept_answer(request, at.views.status, at.as_of, at.known_at, "json", rules, report=ACCOUNTABILITY)
        if kept is not None:
            return kept
    return accountability_answer(at.views, at.as_of, at.known_at, rules.compliant_then_failed_days, limit, offset)


def accountability_answer(views: Views, day: date, moment: datetime, window: int, limit: int = ACCOUNTABILITY_LIMIT,
                          offset: int = 0) -> AccountabilityPublic:
    """GET /reports/accountability's answer at (day, moment), with the "compliant, then failed" window in days."""
    report = views.accountability.report(day, moment, window_days=window, limit=limit, offset=offset)
    return AccountabilityPublic(**report, draws=draw_queries.completion_totals(views, day, moment))


@router.get("/officials/{official_id}/actions", response_model=ActionsPublic, tags=["officials"],
            responses=problems.responses(401, 422, 503))
def official_actions(
    official_id: Annotated[UUID, Path(description="the official's id")], by: CurrentOfficial,
    at: Annotated[ReadAt, waits_for("accountability")],
    since: Annotated[date | None, Query(description="only acts that occurred on or after")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="acts per page")] = 100, offset: Offset = 0,
) -> ActionsPublic:
    """What one official did (not retracted), with how many days late each act was entered; paged, in the
    order the acts occurred."""
    views, day, moment = at.views, at.as_of, at.known_at
    page = views.accountability.actions(day, moment, official_id=official_id, since=since, limit=limit,
                                        offset=offset)
    return ActionsPublic(official_id=str(official_id), as_of=day.isoformat(), known_at=moment.isoformat(),
                         actions=[ActionPublic(**a.as_dict()) for a in page.items], total=page.total, limit=limit,
                         offset=offset)
