"""GET /reports/campaign (the campaign's summary report, in four formats) and GET /reports/disclosure (曝光).

Both answer for any `as_of` (valid time, default today) as known at any `known_at`
(transaction time, default now), from the status view; `after` reads one's own write.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from application.campaign_settings import CampaignSettings, load_campaign_settings
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, Today
from interfaces.http.routers.views_support import (
    AfterParam,
    AsOfParam,
    KnownAtParam,
    ViewsDep,
    as_of_or_today,
    known_at_or_now,
    wait_for,
)
from interfaces.report_formats import FORMATS, campaign_report, file_name, render
from interfaces.report_formats.json_format import jsonable

router = APIRouter(prefix="/reports", tags=["reports"])

Format = Annotated[Literal["json", "csv", "xlsx", "html"], Query(description="json | csv | xlsx | html")]
BINARY = {"type": "string", "format": "binary"}
CAMPAIGN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "产品质量和食品安全专项整治行动情况总结, in the asked format",
          "content": {FORMATS["json"][0]: {"schema": {"type": "object"}},
                      **{FORMATS[f][0]: {"schema": BINARY} for f in ("csv", "xlsx", "html")}}},
    **problems.responses(401, 422, 503),
}


@lru_cache(maxsize=1)
def _deployment_campaign_settings() -> CampaignSettings:
    return load_campaign_settings()


def campaign_settings(request: Request) -> CampaignSettings:
    """The app's campaign settings if it was given some, else the deployment's file (read once)."""
    return getattr(request.app.state, "campaign_settings", None) or _deployment_campaign_settings()


def _figures(request: Request, views: ViewsDep, today: Today, as_of: AsOfParam, known_at: KnownAtParam,
             after: AfterParam) -> dict[str, Any]:
    wait_for(views, after, ("status",))
    return campaign_report(views.status, campaign_settings(request), as_of_or_today(as_of, today),
                           known_at_or_now(known_at))


@router.get("/campaign", response_class=Response, responses=CAMPAIGN_RESPONSES)
def campaign(request: Request, views: ViewsDep, by: CurrentOfficial, today: Today, as_of: AsOfParam = None,
             known_at: KnownAtParam = None, after: AfterParam = None,
             format: Format = "json") -> Response:  # noqa: A002 - the query parameter's name
    """The campaign summary: census, licensing, rectification, annual review, sampling, focus lists, calendar."""
    figures = _figures(request, views, today, as_of, known_at, after)
    headers = {}
    if format in ("csv", "xlsx"):
        headers["Content-Disposition"] = f'attachment; filename="{file_name(figures["as_of"], format)}"'
    return Response(render(figures, format), media_type=FORMATS[format][0], headers=headers)


@router.get("/disclosure", responses=problems.responses(401, 422, 503))
def disclosure(request: Request, views: ViewsDep, by: CurrentOfficial, today: Today, as_of: AsOfParam = None,
               known_at: KnownAtParam = None, after: AfterParam = None) -> dict[str, Any]:
    """曝光: failed samples and violations, with enterprise, product, failed items and date."""
    figures = _figures(request, views, today, as_of, known_at, after)
    return jsonable({"as_of": figures["as_of"], "known_at": figures["known_at"], "items": figures["disclosure"]})
