"""Operations: Prometheus metrics at GET /metrics, a request id on every answer, JSON logs.

Metrics (prometheus-client):
- `zhijian_http_requests_total{method,route,status}` and `zhijian_http_request_duration_seconds{method,route}`:
  labelled by the route's template (`/enterprises/{enterprise_id}`), never the raw path;
- `zhijian_events_written_total{type}`: events this server saved (commands over HTTP and the forms);
- `zhijian_report_build_seconds{report}`: how long each report took (the API's /reports/…, the pages');
- `zhijian_log_position` and `zhijian_projection_lag{view}` / `zhijian_projection_position{view}`: read from
  the database when scraped, so they are the same whichever worker answers.

With several worker processes set `PROMETHEUS_MULTIPROC_DIR` to an empty folder shared by
the workers (cleared before they start): each process writes its counters and histograms
there, and a scrape of any worker sums them all. Without it, the counters are per process.

Logs: one JSON object a line (`ZHIJIAN_LOG_FORMAT=text` for plain lines), each with the
request id (`X-Request-ID` taken from the request when it is a sane value, otherwise made
here, and always returned). The access log is written here, not by uvicorn: it names the
route and the path, and a query string only with the values of secret-looking parameters
(`token`, `secret`, `password`, `key`, …) replaced. Headers are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SECRET_PARAM = re.compile(r"token|secret|passw|key|auth|session|csrf|signature", re.IGNORECASE)
request_id: ContextVar[str] = ContextVar("zhijian_request_id", default="")
access_log = logging.getLogger("zhijian.access")

REQUESTS = Counter("zhijian_http_requests", "HTTP requests answered, by route template", ["method", "route", "status"])
LATENCY = Histogram("zhijian_http_request_duration_seconds", "Time to answer, by route template", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
EVENTS = Counter("zhijian_events_written", "Events saved by this server, by event class", ["type"])
REPORTS = Histogram("zhijian_report_build_seconds", "Time to build a report, by report", ["report"],
                    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))


@contextmanager
def report_timer(report: str) -> Iterator[None]:
    """Observes how long the block takes as one build of `report`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        REPORTS.labels(report).observe(time.perf_counter() - start)


def redacted_query(query: str) -> str:
    """The query string with the values of secret-looking parameters replaced."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "[REDACTED]" if _SECRET_PARAM.search(k) else v) for k, v in pairs])


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path is not None else "unmatched"


class Observed:
    """Request id, metrics and the access log for every HTTP request (the outermost middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            configure_logging()  # again: the server may have set up its own logging after the app was made
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []),
                                                  (REQUEST_ID_HEADER.lower().encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route, method = route_template(scope), scope.get("method", "")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(seconds)
            if route.startswith("/reports/") and status < 400:
                REPORTS.labels(route.removeprefix("/reports/")).observe(seconds)
            query = redacted_query(scope.get("query_string", b"").decode("latin-1"))
            access_log.info("request", extra={"fields": {
                "method": method, "route": route, "path": scope.get("path", ""), "query": query, "status": status,
                "duration_ms": round(seconds * 1000, 1), "client": (scope.get("client") or ("", 0))[0]}})
            request_id.reset(token)


class LiveFigures(Collector):
    """Figures read from the database when scraped: the log's head and each view's position and lag."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        views = self.app.state.views
        try:
            last = views.log.last_position()
            positions = views.positions()
        except Exception:  # noqa: BLE001 - a scrape reports the database's absence, it does not fail
            yield GaugeMetricFamily("zhijian_database_up", "1 if the database answered the scrape", value=0)
            return
        yield GaugeMetricFamily("zhijian_database_up", "1 if the database answered the scrape", value=1)
        yield GaugeMetricFamily("zhijian_log_position", "The event log's last position (events ever written)",
                                value=last)
        lag = GaugeMetricFamily("zhijian_projection_lag", "Log positions a view has not yet processed",
                                labels=["view"])
        at = GaugeMetricFamily("zhijian_projection_position", "The last log position a view processed",
                               labels=["view"])
        for name, position in sorted(positions.items()):
            lag.add_metric([name], max(0, last - position))
            at.add_metric([name], position)
        yield lag
        yield at


def metrics_text(app: FastAPI) -> bytes:
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveFigures(app))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
        return generate_latest(merged) + generate_latest(live)
    return generate_latest(REGISTRY) + generate_latest(live)


def count_events(ledger: Any) -> None:
    """Counts the events the ledger saves, through the library's after-save hook (Application._notify)."""
    original = ledger._notify

    def notify(recordings: list[Any]) -> None:
        original(recordings)
        for recording in recordings:
            EVENTS.labels(type(recording.domain_event).__qualname__).inc()

    ledger._notify = notify


# -- logs ----------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={v}" for k, v in getattr(record, "fields", {}).items())
        rid = request_id.get()
        return f"{record.levelname.lower()} {record.name} [{rid}] {record.getMessage()} {fields}".rstrip()


class _Stderr(logging.StreamHandler[Any]):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(fmt: str | None = None) -> None:
    """One handler on the root logger (JSON unless ZHIJIAN_LOG_FORMAT=text); uvicorn's loggers through it,
    its access log off (ours, above, keeps secrets out of it). Idempotent."""
    fmt = (fmt or os.environ.get("ZHIJIAN_LOG_FORMAT", "json")).lower()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _Stderr)), None)
    if handler is None:
        handler = _Stderr()
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    handler.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    logging.getLogger("zhijian").setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def install(app: FastAPI) -> None:
    """GET /metrics, request ids, the access log and the event counter, for this app."""
    configure_logging()
    count_events(app.state.ledger)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        return Response(metrics_text(request.app), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(Observed)
