"""工作台 (the campaign overview), the report's lists page by page, 问责 (accountability), and the downloads."""

from __future__ import annotations

import os
import tempfile

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from domain import errors
from interfaces.http.deps import Today, campaign_settings
from interfaces.http.observability import report_timer
from interfaces.http.read_side import ViewsDep
from interfaces.report_archive import kept_answer
from interfaces.report_formats import FORMATS, file_name, write
from interfaces.report_formats.tables import category_words
from interfaces.web import labels
from interfaces.web.render import page, when
from interfaces.web.session import SignedIn
from projections.campaign_figures import FOCUS_LIST, LISTS
from projections.campaign_queries import CampaignQueries
from projections.campaign_report import open_campaign_report
from projections.late_entries import late_entries_by_official

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 50
LIST_TITLES = {
    "still_unlicensed": "尚未取证的食品企业", "fringe_workshops": "城乡结合部小作坊",
    "closed_enterprises": "关停取缔企业",
    "overdue_orders": "逾期未整改的整改通知", "review_shortfall": "尚未年审的证照",
    "without_follow_up": "{categories}不合格尚未后处理", "disclosure": "曝光名单（抽检不合格、违法违规）",
}
DOWNLOADS = ("xlsx", "html", "csv")


@router.get("/")
def campaign_overview(request: Request, visitor: SignedIn, views: ViewsDep, today: Today) -> Response:
    """工作台: the key figures beside their targets, with charts, at the chosen (as_of, known_at)."""
    at = when(request, today)
    campaign = campaign_settings(request).campaign_for(at.as_of)
    context = request.app.state.web_overviews.get(views, at.as_of, at.known_at if at.known_at_given else None,
                                                  campaign)
    return page(request, visitor, "overview.html", at=at, **context, active="overview")


@router.get("/web/lists/{name}")
def report_list(name: str, request: Request, visitor: SignedIn, views: ViewsDep, today: Today) -> Response:
    """One list of the campaign report, PAGE_ROWS rows a page."""
    at = when(request, today)
    offset = _offset(request)
    campaign = campaign_settings(request).campaign_for(at.as_of)
    focus = {FOCUS_LIST.format(key=f.key): f"重点：{f.label}" for f in campaign.focus}
    if name not in LISTS and name not in focus:
        raise errors.NotFound(f"报告中没有名单 {name} (no list {name})")
    with views.status.read() as tx:
        rows = CampaignQueries(tx, at.as_of, at.known_at, campaign).list_named(name)
        assert rows is not None  # noqa: S101 - every name in LISTS and focus (checked above) is a list
        items = rows.page(PAGE_ROWS, offset)
    columns = list(dict.fromkeys(k for row in items for k in row if k != "enterprise_id"))
    title = LIST_TITLES[name].format(categories=category_words(campaign.follow_up_categories)) \
        if name in LIST_TITLES else focus[name]
    return page(request, visitor, "list.html", at=at, name=name, title=title,
                rows=items, total=rows.total, offset=offset, limit=PAGE_ROWS, columns=columns, active="lists")


@router.get("/web/accountability")
def accountability(request: Request, visitor: SignedIn, views: ViewsDep, today: Today) -> Response:
    """问责: per official (acts, late entries, orders' fate) and per town (who was responsible)."""
    at = when(request, today)
    offset = _offset(request)
    window = campaign_settings(request).campaign_for(at.as_of).compliant_then_failed_days
    with report_timer("accountability"):
        report = views.accountability.report(at.as_of, at.known_at, window_days=window, limit=PAGE_ROWS,
                                             offset=offset)
        with views.accountability.recorder.read() as tx:
            late = late_entries_by_official(tx, at.as_of, at.known_at)
        officials = views.accountability.officials(at.as_of, at.known_at)
    rows = []
    for entry in report["officials"]:
        who = officials.get(entry["official_id"], {})
        rows.append({**entry, "unit": who.get("unit", ""), "role": who.get("role", ""),
                     "towns": who.get("towns", []), "active": who.get("active", True),
                     "late": late.get(entry["official_id"], {"acts": 0, "late": 0, "late_over_week": 0,
                                                             "most_days_late": 0}),
                     "total": sum(entry["actions"].values())})
    names = {k: v["name"] for k, v in officials.items()}
    return page(request, visitor, "accountability.html", at=at, officials=rows, names=names,
                overdue=report["overdue_orders"], pairs=report["compliant_then_failed"],
                responsible=report["responsible"], offset=offset, limit=PAGE_ROWS, active="accountability",
                event_types=list(labels.EVENTS))


@router.get("/web/reports/campaign.{fmt}")
def download(fmt: str, request: Request, visitor: SignedIn, views: ViewsDep, today: Today) -> Response:
    """The campaign report as a file (XLSX, HTML or CSV) at the page's (as_of, known_at); every list complete."""
    if fmt not in DOWNLOADS:
        raise errors.NotFound(f"没有 {fmt} 格式 (no format {fmt})")
    at = when(request, today)
    campaign = campaign_settings(request).campaign_for(at.as_of)
    kept = kept_answer(request, views.status, at.as_of, at.known_at, fmt, campaign, download=True)
    if kept is not None:
        return kept
    fd, path = tempfile.mkstemp(prefix="zhijian-report-", suffix=f".{fmt}")
    try:
        with report_timer(f"campaign_{fmt}"), os.fdopen(fd, "wb") as out, \
                open_campaign_report(views.status, at.as_of, at.known_at, campaign) as figures:
            write(figures, fmt, out)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=FORMATS[fmt][0], filename=file_name(at.as_of, fmt),
                        content_disposition_type="attachment", background=BackgroundTask(os.unlink, path))


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return max(0, min(int(raw), 10**9)) if raw.isdigit() else 0

