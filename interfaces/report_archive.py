"""Reports archived at the end of each past day: which answers are final, making them, sending them.

"What did we know on 1 October" is a report as of 1 October as known at the bureau's
midnight that ends it (`end_of_day`): the campaign report, and the status and
accountability reports. Such an answer is *final* once nothing recorded by then can
still arrive: its known_at lies FINAL_AFTER in the past (far longer than a command takes
from taking its time stamp to committing) and every view has processed every event in
the log. `interfaces.report_archiving.archive_reports` computes the final answers once
(`zhijian report archive`, run nightly: every final day of the campaign's year not yet
archived) and `projections.report_archive` keeps them; GET /reports/campaign, /reports/status and
/reports/accountability send a kept answer, byte for byte what they would compute, in
milliseconds instead of seconds, with its SHA-256 (Repr-Digest, RFC 9530). JSON, HTML
and CSV are kept gzip-compressed and sent so to a client that accepts gzip."""

from __future__ import annotations

import base64
import gzip
import hashlib
from datetime import date, datetime, timedelta
from functools import cache
from importlib import import_module
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from domain.bureau_time import BUREAU_TZ, bureau_date
from interfaces.report_formats import FORMATS, JSON_LIST_LIMIT, file_name
from projections.campaign_figures import CampaignRules
from projections.registry import schema_versions
from projections.report_archive import ACCOUNTABILITY, CAMPAIGN, STATUS, Archived, ReportArchive
from projections.status_view import StatusView

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
    "interfaces.report_archive", "interfaces.report_archiving", "application.campaign_settings",
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
    text = "\n".join((schema_versions(), code_digest(), repr(rules), str(JSON_LIST_LIMIT)))
    return hashlib.sha256(text.encode()).hexdigest()


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
