"""Reports archived at the end of each past day: which answers are final, making them, sending them.

"What did we know on 1 October" is a report as of 1 October as known at the bureau's
midnight that ends it (`end_of_day`): the campaign report, and the status and
accountability reports. Such an answer is *final* once nothing recorded by then can
still arrive: its known_at lies FINAL_AFTER in the past (far longer than a command takes
from taking its time stamp to committing) and every view has processed every event in
the log. `archive_reports` computes the final answers once (`zhijian report archive`,
run nightly: every final day of the campaign's year not yet archived) and
`projections.report_archive` keeps them; GET /reports/campaign, /reports/status and
/reports/accountability send a kept answer, byte for byte what they would compute, in
milliseconds instead of seconds, with its SHA-256 (Repr-Digest, RFC 9530). JSON, HTML
and CSV are kept gzip-compressed and sent so to a client that accepts gzip."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from application.campaign_settings import Campaign
from domain.bureau_time import BUREAU_TZ, bureau_date
from interfaces.report_formats import FORMATS, JSON_LIST_LIMIT, file_name, render, write
from projections.campaign_figures import CampaignRules
from projections.campaign_report import open_campaign_report
from projections.report_archive import ACCOUNTABILITY, CAMPAIGN, STATUS, Archived, ReportArchive
from projections.status_view import StatusView
from projections.tables import SCHEMA_VERSION
from projections.views import Views

# How long after known_at an answer may still change: longer than any command takes between taking its
# recorded_at and committing (milliseconds), with room for clocks a little apart between servers.
FINAL_AFTER = timedelta(minutes=10)
ARCHIVED_FORMATS = ("json", "html")  # kept by default: XLSX takes ~30 s to write at a province
REPORTS = (CAMPAIGN, STATUS, ACCOUNTABILITY)  # the status and accountability reports are kept in JSON
COMPRESSED = ("json", "html", "csv")  # text; an XLSX is already a zip
ARCHIVED_HEADER = "Zhijian-Archived-At"
# How long a nightly run may take after a day turns final before `zhijian report archive --check` calls it missing.
CHECK_GRACE = timedelta(hours=1)


class NotFinal(ValueError):
    """An answer asked to be archived can still change."""


def end_of_day(day: date) -> datetime:
    """The known_at of "as we knew it on `day`": the bureau's midnight that ends it."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), BUREAU_TZ)


def final_days(first: date, last: date, now: datetime, final_after: timedelta = FINAL_AFTER) -> list[date]:
    """The days from `first` to `last` whose answer as known at their end is final at `now`."""
    days = []
    day = first
    while day <= last and end_of_day(day) <= now - final_after:
        days.append(day)
        day += timedelta(days=1)
    return days


# The modules whose code decides what the campaign report says and how each format shows it.
DEFINING_MODULES = (
    "domain.values", "domain.status", "domain.enterprise", "projections.acts", "projections.dialect",
    "projections.listing", "projections.campaign_figures", "projections.campaign_queries",
    "projections.campaign_report", "projections.status_view", "projections.tables",
    "interfaces.report_formats", "interfaces.report_formats.cells", "interfaces.report_formats.tables",
    "interfaces.report_formats.json_format", "interfaces.report_formats.html",
    "interfaces.report_formats.xlsx", "interfaces.report_formats.csv_format",
    "projections.accountability_view", "projections.draw_queries", "interfaces.http.routers.views_reports",
    "interfaces.report_archive", "application.campaign_settings",
)


@cache
def code_digest() -> str:
    """The digest of the defining modules' source, read once per process. A process reads it when it starts
    (create_app, `zhijian report archive`): read later, after a deployment replaced the files, it would name
    code the process does not run."""
    digest = hashlib.sha256()
    for name in DEFINING_MODULES:
        digest.update(name.encode())
        digest.update(Path(str(import_module(name).__file__)).read_bytes())
    return digest.hexdigest()


def next_run(now: datetime, final_after: timedelta = FINAL_AFTER) -> datetime:
    """When the next day's answer turns final: `final_after` past the bureau's next midnight (or today's,
    if that is still to come)."""
    today = bureau_date(now)
    run = end_of_day(today - timedelta(days=1)) + final_after
    return run if run > now else end_of_day(today) + final_after


def definition(rules: CampaignRules) -> str:
    """The key of the report's definition: the views' schema, the code that computes and renders the report,
    the campaign's rules for the year (a frozen dataclass: its repr is its value) and the JSON's page size."""
    text = "\n".join((str(SCHEMA_VERSION), code_digest(), repr(rules), str(JSON_LIST_LIMIT)))
    return hashlib.sha256(text.encode()).hexdigest()


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
    from interfaces.http.routers.views_reports import accountability_answer, status_answer  # they use this module

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


def kept_answer(request: Request, status: StatusView, as_of: date, known_at: datetime, fmt: str,
                rules: CampaignRules, *, download: bool = False, report: str = CAMPAIGN) -> Response | None:
    """The answer kept for (as_of, known_at) in `fmt` under these rules, as a response (CSV and XLSX, or any
    format when `download`, as an attachment; text gzip-compressed to a client that takes gzip), or None when
    none is kept."""
    kept = ReportArchive(status.recorder).find(as_of, known_at, fmt, definition(rules), report)
    if kept is None:
        return None
    body, headers = served(kept, accepts_gzip(request.headers.get("accept-encoding", "")))
    if download or fmt in ("csv", "xlsx"):
        headers["Content-Disposition"] = f'attachment; filename="{file_name(as_of, fmt)}"'
    return Response(body, media_type=FORMATS[fmt][0], headers=headers)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (not refused with q=0)."""
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            return not q or _quality(q) > 0
    return False


def _quality(q: str) -> float:
    try:
        return float(q)
    except ValueError:
        return 0.0


def decoded(kept: Archived) -> bytes:
    """The answer itself."""
    return gzip.decompress(kept.body) if kept.encoding == "gzip" else kept.body


def served(kept: Archived, accepts_gzip: bool) -> tuple[bytes, dict[str, str]]:
    """The body and headers to send a kept answer with: when it was made, and the SHA-256 of the answer itself
    (Repr-Digest, RFC 9530: of the representation, whatever content coding it travels in)."""
    digest = base64.b64encode(bytes.fromhex(kept.sha256)).decode()
    headers = {ARCHIVED_HEADER: kept.made_at.isoformat(), "Repr-Digest": f"sha-256=:{digest}:"}
    if kept.encoding == "gzip":
        headers["Vary"] = "Accept-Encoding"
        if accepts_gzip:
            return kept.body, {**headers, "Content-Encoding": "gzip"}
    return decoded(kept), headers
