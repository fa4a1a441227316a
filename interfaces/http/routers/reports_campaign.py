"""GET /reports/campaign (the campaign's summary report, in four formats) and GET /reports/disclosure (曝光).

Both answer for any `as_of` (a date: valid time, default today) as known at any
`known_at` (a timestamp: transaction time, default now; one without a zone is UTC).
Enterprise states come from the status view (`app.state.views.status`); an app built
without views falls back to replaying the log, which gives the same answer, slower.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from application.campaign_settings import CampaignSettings, load_campaign_settings
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, Today
from interfaces.report_formats import FORMATS, campaign_report, file_name, render
from interfaces.report_formats.json_format import jsonable
from projections.replayed_states import ReplayedStates, StatesSource

router = APIRouter(prefix="/reports", tags=["reports"])

AsOf = Annotated[date | None, Query(description="统计日期 the date the figures are for (valid time); default today")]
KnownAt = Annotated[
    datetime | None,
    Query(description="数据截至 what the log held at this moment (transaction time); default now; no zone means UTC"),
]
Format = Annotated[Literal["json", "csv", "xlsx", "html"], Query(description="json | csv | xlsx | html")]


@lru_cache(maxsize=1)
def _default_campaign_settings() -> CampaignSettings:
    return load_campaign_settings()


def campaign_settings(request: Request) -> CampaignSettings:
    """The app's campaign settings if it was given some, else the deployment's file (read once)."""
    return getattr(request.app.state, "campaign_settings", None) or _default_campaign_settings()


def states_source(request: Request) -> StatesSource:
    views = getattr(request.app.state, "views", None)
    if views is not None:
        return views.status  # type: ignore[no-any-return]
    return ReplayedStates(request.app.state.ledger)


def _moment(known_at: datetime | None) -> datetime:
    if known_at is None:
        return datetime.now(timezone.utc)
    return known_at if known_at.tzinfo else known_at.replace(tzinfo=timezone.utc)


def _figures(request: Request, as_of: date, known_at: datetime | None) -> dict[str, Any]:
    return campaign_report(states_source(request), campaign_settings(request), as_of, _moment(known_at))


@router.get("/campaign", responses={**problems.responses(401, 422), 200: {"content": {
    media: {} for media, _, _ in FORMATS.values()}, "description": "the report in the asked format"}})
def campaign(request: Request, by: CurrentOfficial, today: Today, as_of: AsOf = None, known_at: KnownAt = None,
             format: Format = "json") -> Response:  # noqa: A002 - the query parameter's name
    """产品质量和食品安全专项整治行动情况总结: census, licensing, rectification, review, sampling, focus, calendar."""
    figures = _figures(request, as_of or today, known_at)
    media_type = FORMATS[format][0]
    headers = {}
    if format in ("csv", "xlsx"):
        headers["Content-Disposition"] = f'attachment; filename="{file_name(figures["as_of"], format)}"'
    return Response(render(figures, format), media_type=media_type, headers=headers)


@router.get("/disclosure", responses=problems.responses(401, 422))
def disclosure(request: Request, by: CurrentOfficial, today: Today, as_of: AsOf = None,
               known_at: KnownAt = None) -> dict[str, Any]:
    """曝光: failed samples and violations, with enterprise, product, failed items and date."""
    figures = _figures(request, as_of or today, known_at)
    return jsonable({"as_of": figures["as_of"], "known_at": figures["known_at"], "items": figures["disclosure"]})
