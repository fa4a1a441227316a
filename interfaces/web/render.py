"""Rendering the pages: one Jinja2 environment (autoescape on), the time a page is for, and the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from domain.bureau_time import BUREAU_TZ
from interfaces.report_archive import end_of_day
from interfaces.web import labels
from interfaces.web.session import CSRF_FIELD, Visitor

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(word=labels.word, event_label=labels.event_label, field_label=labels.field_label,
                       moment=labels.moment, percent=labels.percent, payload_lines=labels.payload_lines,
                       shown=labels.shown_value, days_late=labels.days_late,
                       CSRF_FIELD=CSRF_FIELD)
    return env


@dataclass(frozen=True)
class When:
    """The two times a page is for: as_of (valid time) and known_at (transaction time), as the URL says."""

    as_of: date
    known_at: datetime
    as_of_given: bool
    known_at_given: bool
    error: str | None = None

    def query(self) -> dict[str, str]:
        """The URL parameters that carry these times (only those that were chosen)."""
        out = {}
        if self.as_of_given:
            out["as_of"] = self.as_of.isoformat()
        if self.known_at_given:
            out["known_at"] = self.known_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%dT%H:%M")
        return out

    @property
    def known_at_local(self) -> str:
        return self.known_at.astimezone(BUREAU_TZ).strftime("%Y-%m-%dT%H:%M") if self.known_at_given else ""

    @property
    def day_end_local(self) -> str:
        """known_at for "as we knew it on as_of": the bureau's midnight that ends it (archived reports)."""
        return end_of_day(self.as_of).astimezone(BUREAU_TZ).strftime("%Y-%m-%dT%H:%M")


def _plausible(day: date) -> bool:
    return 1900 <= day.year <= 9998


def when(request: Request, today: date) -> When:
    """as_of and known_at from the query string; a value that cannot be read is reported, and now used instead."""
    raw_as_of = (request.query_params.get("as_of") or "").strip()
    raw_known = (request.query_params.get("known_at") or "").strip()
    as_of, known_at, errors = today, datetime.now(UTC), []
    as_of_given = known_given = False
    if raw_as_of:
        try:
            as_of, as_of_given = date.fromisoformat(raw_as_of), True
            if not _plausible(as_of):
                raise ValueError
        except ValueError:
            as_of, as_of_given = today, False
            errors.append("统计日期格式应为 年-月-日（如 2026-10-01）")
    if raw_known:
        try:
            parsed = datetime.fromisoformat(raw_known)
            if not _plausible(parsed.date()):
                raise ValueError
            known_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=BUREAU_TZ)
            known_given = True
        except ValueError:
            errors.append("数据截至时间格式应为 年-月-日T时:分（如 2026-10-01T18:00）")
    return When(as_of, known_at, as_of_given, known_given, "；".join(errors) or None)


def url(path: str, **params: Any) -> str:
    """`path` with the non-empty parameters as a query string."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def page(request: Request, visitor: Visitor, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The page rendered for this visitor; a new visitor's session cookie is set with it."""
    html = environment().get_template(template).render(
        request=request, caller=visitor.caller, csrf=visitor.csrf, url=url, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if visitor.fresh:
        request.app.state.web_sessions.write(response, request, visitor.session)
    return response
