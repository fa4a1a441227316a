"""Public results of random inspections (一公开): no token; only published plans; rate-limited per client.

What is shown is what the law makes public: the plan (scope, quotas, period), the seed and
its commitment (so anyone can recompute the draw), the enterprises drawn, and the date,
outcome and findings of each inspection answering the plan. Never officials' ids or
names, notes, tokens, nor any plan not published as known now.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from domain import errors
from domain.draw import Stratum
from domain.draw_plan import PUBLISHED
from domain.values import FindingCode, Kind, Outcome
from interfaces.http import problems
from interfaces.http.draw_schemas import PublicDrawList, PublicDrawResults, PublicDrawSummary
from interfaces.http.rate_limit import RateLimiter
from interfaces.http.read_side import AfterParam, wait_for
from interfaces.report_formats.cells import FORMULA_STARTS
from interfaces.report_formats.html import STYLE
from projections import draw_queries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def rate_limited(request: Request) -> None:
    limiter: RateLimiter = request.app.state.public_rate_limiter
    limiter.take(request.client.host if request.client else "unknown")


router = APIRouter(prefix="/public/draws", tags=["public"], dependencies=[Depends(rate_limited)])
PUBLIC_RESPONSES = problems.responses(404, 422, 429)


def _views(request: Request, after: int | None) -> Any:
    views = request.app.state.views
    wait_for(views, after, ("status", "accountability"))
    return views


@router.get("", response_model=PublicDrawList, responses={**PUBLIC_RESPONSES, **problems.responses(503)})
def published(request: Request, after: AfterParam = None) -> PublicDrawList:
    """抽查结果公示: the published plans, newest first."""
    found = draw_queries.plans(_views(request, after), datetime.now(UTC), state=PUBLISHED)
    return PublicDrawList(items=[PublicDrawSummary(**{k: v for k, v in p.as_dict().items()
                                                      if k in PublicDrawSummary.model_fields}) for p in found])


@router.get("/{plan_id}", response_model=PublicDrawResults,
            responses={**PUBLIC_RESPONSES, **problems.responses(503), 200: {"content": {XLSX: {}, "text/html": {}}}})
def results(request: Request, plan_id: Annotated[UUID, Path(description="a published plan's id")],
            format: Annotated[str, Query(pattern="^(json|xlsx|html)$")] = "json",  # noqa: A002
            after: AfterParam = None) -> Any:
    """One published plan's results: JSON, a Chinese XLSX workbook, or a Chinese HTML page."""
    found = draw_queries.public_results(_views(request, after), str(plan_id), datetime.now(UTC))
    if found is None:
        raise errors.NotFound(f"没有这个已公示的抽查计划 (no published draw plan {plan_id})")
    if format == "xlsx":
        return Response(xlsx(found), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="draw-{plan_id}.xlsx"'})
    if format == "html":
        return HTMLResponse(html(found))
    return found


# -- formats ---------------------------------------------------------------------------------

HEADERS = ("序号", "企业名称", "镇街", "类型", "抽取分层", "检查日期", "检查结论", "发现问题")


def _rows(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for i, t in enumerate(results["targets"], 1):
        inspections = t["inspections"] or [None]
        for inspection in inspections:
            rows.append((i, t["name"], t["town"], _label(Kind, t["kind"]), _label(Stratum, t["stratum"]),
                         inspection["occurred_on"] if inspection else "未检查",
                         _label(Outcome, inspection["outcome"]) if inspection else "",
                         "、".join(_label(FindingCode, f) for f in inspection["findings"]) if inspection else ""))
    return rows


def _label(enum: Any, value: str | None) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value or ""


def _summary(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [("抽查计划", results["name"]), ("实施单位", results["unit"]),
            ("检查期限", f"{results['period_start']} 至 {results['period_end']}"),
            ("抽取日期", results["drawn_on"] or ""), ("公示日期", results["published_on"] or ""),
            ("抽取依据名录截至", results["register_known_at"]),
            ("随机种子", results["seed"]), ("种子承诺 SHA-256", results["seed_commitment"])]


def xlsx(results: dict[str, Any]) -> bytes:
    """The results as a workbook (openpyxl, write-only); every text cell stays text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("抽查结果公示")

    def cell(value: Any) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            c.data_type = "s"  # openpyxl takes a leading "=" for a formula: keep it as the text it is
        return c

    for key, value in _summary(results):
        sheet.append([cell(key), cell(value)])
    sheet.append([])
    sheet.append([cell(h) for h in HEADERS])
    for row in _rows(results):
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def html(results: dict[str, Any]) -> str:
    """A printable Chinese page (the report's style, allowed by the pages' Content-Security-Policy)."""
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in _summary(results))
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in _rows(results))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(results['name'])} 抽查结果公示</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(results['name'])} 抽查结果公示</h1>"
        f"<table>{summary}</table><h2>抽查对象及检查结果</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "<p>任何人可用公示的随机种子和抽取依据名录重算本次抽取（算法见系统说明）。</p></body></html>"
    )
