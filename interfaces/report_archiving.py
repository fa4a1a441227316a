"""Making the archived answers: each report at final (as_of, known_at) pairs, computed once and kept.

What is final, the key and how a kept answer is sent: `interfaces.report_archive`. The
answers are made by the code that answers the routes (`render` for the campaign report,
the routes' own `status_answer` and `accountability_answer`), so a kept answer is byte
for byte what the route would compute.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse

from application.campaign_settings import Campaign
from interfaces.http.routers.views_reports import accountability_answer, status_answer
from interfaces.report_archive import (
    ARCHIVED_FORMATS,
    COMPRESSED,
    FINAL_AFTER,
    REPORTS,
    NotFinal,
    definition,
)
from interfaces.report_formats import JSON_LIST_LIMIT, render, write
from projections.campaign_report import open_campaign_report
from projections.report_archive import CAMPAIGN, STATUS, Archived, ReportArchive
from projections.views import Views


@dataclass(frozen=True)
class Made:
    report: str
    as_of: date
    known_at: datetime
    format: str
    bytes: int
    seconds: float


def archive_reports(views: Views, rules_for: Callable[[date], Campaign],
                    pairs: Iterable[tuple[date, datetime]],
                    formats: Sequence[str] | Callable[[date], Sequence[str]] = ARCHIVED_FORMATS, *,
                    now: datetime | None = None, final_after: timedelta = FINAL_AFTER,
                    reports: Sequence[str] = REPORTS) -> list[Made]:
    """Computes and keeps the answers at each final (as_of, known_at) pair not kept yet: the campaign report in
    each format (`formats`, or `formats(as_of)`), the status and accountability reports in JSON (when JSON is
    asked for). Raises NotFinal before computing anything when a pair's answer can still change, or while a
    view has not processed every event in the log."""
    pairs = list(pairs)
    now = now or datetime.now(UTC)
    for _, moment in pairs:
        if moment > now - final_after:
            raise NotFinal(f"数据截至 {moment.isoformat()} 距今不足 {final_after}，报告仍可能变化 "
                           f"(known_at {moment.isoformat()} is less than {final_after} old: events recorded by "
                           "then may still be arriving)")
    lag = views.lag()  # read after every pair's known_at + final_after: see the module's docstring
    if any(lag.values()):
        behind = ", ".join(f"{name} {n}" for name, n in lag.items() if n)
        raise NotFinal(f"视图落后日志 (views behind the log, events): {behind}")
    archive = ReportArchive(views.status.recorder)
    made: list[Made] = []
    for day, moment in pairs:
        rules = rules_for(day)
        key = definition(rules)
        asked = formats(day) if callable(formats) else formats
        for report in reports:
            wanted = asked if report == CAMPAIGN else [f for f in asked if f == "json"]
            missing = [f for f in wanted if not archive.has(day, moment, f, key, report)]
            for fmt, answer, seconds in _answers(views, report, day, moment, rules, missing):
                archive.store(day, moment, fmt, key, _kept(answer, fmt, seconds), report)
                made.append(Made(report, day, moment, fmt, len(answer), seconds))
    return made


def _answers(views: Views, report: str, day: date, moment: datetime, rules: Campaign,
             formats: Sequence[str]) -> Iterator[tuple[str, bytes, float]]:
    """(format, the answer's bytes, seconds to make it) for each format asked for (one computation)."""
    if not formats:
        return
    started = time.perf_counter()
    if report == CAMPAIGN:
        with open_campaign_report(views.status, day, moment, rules) as figures:
            computed = time.perf_counter() - started
            for fmt in formats:
                rendered = time.perf_counter()
                answer = _answer(figures, fmt)
                yield fmt, answer, computed + time.perf_counter() - rendered
        return
    model = (status_answer(views, day, moment) if report == STATUS
             else accountability_answer(views, day, moment, rules.compliant_then_failed_days))
    # As FastAPI sends a route's response model: validated, dumped in JSON mode, by alias.
    yield "json", bytes(JSONResponse(model.model_dump(mode="json", by_alias=True)).body), time.perf_counter() - started


def _answer(figures: Any, fmt: str) -> bytes:
    """Exactly the bytes GET /reports/campaign answers with the default page (interfaces.http.routers)."""
    if fmt in ("json", "html"):
        return render(figures, fmt, limit=JSON_LIST_LIMIT, offset=0)
    out = io.BytesIO()
    write(figures, fmt, out)
    return out.getvalue()


def _kept(answer: bytes, fmt: str, seconds: float) -> Archived:
    compressed = fmt in COMPRESSED
    body = gzip.compress(answer, compresslevel=6, mtime=0) if compressed else answer
    return Archived(body, "gzip" if compressed else "identity", hashlib.sha256(answer).hexdigest(),
                    datetime.now(UTC), seconds)
