"""GET /reports/campaign (the campaign's summary report, in four formats), its lists page by page, and
GET /reports/disclosure (曝光).

All answer for any `as_of` (valid time, default today) as known at any `known_at`
(transaction time, default now), from the status view's tables by aggregate queries;
`after` reads one's own write. Lists are paged in JSON (`limit`, `offset`, `total`),
shown by their first rows in HTML, and complete in XLSX and CSV, which are written
row by row to a temporary file (memory does not grow with the register) and sent from it.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from domain import errors
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, campaign_settings
from interfaces.http.read_side import ReadAt, waits_for
from interfaces.report_archive import kept_answer
from interfaces.report_formats import FORMATS, JSON_LIST_LIMIT, file_name, render, write
from interfaces.report_formats.json_format import jsonable
from projections.campaign_figures import FOCUS_LIST, LISTS
from projections.campaign_queries import CampaignQueries
from projections.campaign_report import open_campaign_report

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Annotated[Literal["json", "csv", "xlsx", "html"], Query(description="json | csv | xlsx | html")]
Limit = Annotated[int,
                  Query(ge=1, le=1000, description="rows of each list in JSON (a page); XLSX and CSV carry every row")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="the first row of each list's page in JSON")]
BINARY = {"type": "string", "format": "binary"}
CAMPAIGN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "产品质量和食品安全专项整治行动情况总结, in the asked format",
          "content": {FORMATS["json"][0]: {"schema": {"type": "object"}},
                      **{FORMATS[f][0]: {"schema": BINARY} for f in ("csv", "xlsx", "html")}}},
    **problems.responses(401, 422, 503),
}
LIST_EXAMPLE = {"as_of": "2026-10-01", "known_at": "2026-10-01T10:00:00+00:00", "list": "still_unlicensed",
                "items": [{"enterprise_id": "6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10", "name": "张记豆腐坊",
                           "town": "石桥镇", "kind": "small_workshop", "area": "rural",
                           "required_license": "workshop_registration"}],
                "total": 1, "limit": 50, "offset": 0}


@router.get("/campaign", response_class=Response, responses=CAMPAIGN_RESPONSES)
def campaign(request: Request, by: CurrentOfficial, at: Annotated[ReadAt, waits_for("status")],
             format: Format = "json",  # noqa: A002 - the query parameter's name
             limit: Limit = JSON_LIST_LIMIT, offset: Offset = 0) -> Response:
    """The campaign summary: census, licensing, rectification, annual review, sampling, focus lists, calendar,
    disclosure. In JSON each list is a page `{"items", "total", "limit", "offset"}`; page further with
    `offset`, or one list at a time with `GET /reports/campaign/lists/{name}`. An answer archived at
    (as_of, known_at) (`zhijian report archive`: each past day as known at its end) is sent as kept, with
    the header Zhijian-Archived-At."""
    views, day, moment = at.views, at.as_of, at.known_at
    media_type = FORMATS[format][0]
    rules = campaign_settings(request).campaign_for(day)
    if limit == JSON_LIST_LIMIT and offset == 0:
        kept = kept_answer(request, views.status, day, moment, format, rules)
        if kept is not None:
            return kept
    with open_campaign_report(views.status, day, moment, rules) as figures:
        if format in ("json", "html"):
            return Response(render(figures, format, limit=limit, offset=offset), media_type=media_type)
        fd, path = tempfile.mkstemp(prefix="zhijian-report-", suffix=f".{format}")
        try:
            with os.fdopen(fd, "wb") as out:
                write(figures, format, out)
        except BaseException:
            os.unlink(path)
            raise
    return FileResponse(path, media_type=media_type, filename=file_name(day, format),
                        background=BackgroundTask(os.unlink, path))


@router.get("/campaign/lists/{name}", responses=problems.responses(401, 404, 422, 503),
            openapi_extra={"responses": {"200": {"content": {"application/json": {"example": LIST_EXAMPLE}}}}})
def campaign_list(request: Request, by: CurrentOfficial, at: Annotated[ReadAt, waits_for("status")],
                  name: Annotated[str, Path(max_length=100, description="still_unlicensed, fringe_workshops, "
                                            "closed_enterprises, overdue_orders, review_shortfall, without_follow_up, "
                                            "disclosure, or focus_<key> for a focus list's members")],
                  limit: Limit = JSON_LIST_LIMIT, offset: Offset = 0) -> dict[str, Any]:
    """One list of the campaign report, a page at a time, in the report's order."""
    views, day, moment = at.views, at.as_of, at.known_at
    campaign = campaign_settings(request).campaign_for(day)
    with views.status.read() as tx:
        rows = CampaignQueries(tx, day, moment, campaign).list_named(name)
        if rows is None:
            names = [*LISTS, *(FOCUS_LIST.format(key=f.key) for f in campaign.focus)]
            raise errors.NotFound(f"报告中没有名单 {name} (no list {name}; lists: {', '.join(names)})", field="name")
        page = rows.page(limit, offset)
    answer: dict[str, Any] = jsonable({"as_of": day, "known_at": moment, "list": name, "items": page,
                                       "total": rows.total, "limit": limit, "offset": offset})
    return answer


@router.get("/disclosure", responses=problems.responses(401, 422, 503))
def disclosure(request: Request, by: CurrentOfficial, at: Annotated[ReadAt, waits_for("status")],
               limit: Limit = JSON_LIST_LIMIT, offset: Offset = 0) -> dict[str, Any]:
    """曝光: failed samples and violations, with enterprise, product, failed items and date; paged."""
    views, day, moment = at.views, at.as_of, at.known_at
    with views.status.read() as tx:
        rows = CampaignQueries(tx, day, moment, campaign_settings(request).campaign_for(day)).disclosure()
        page = rows.page(limit, offset)
    answer: dict[str, Any] = jsonable({"as_of": day, "known_at": moment, "items": page, "total": rows.total,
                                       "limit": limit, "offset": offset})
    return answer
