"""The one place where errors become RFC 9457 problem documents (application/problem+json).

Typed domain errors map by family: InvalidValue → 422, RuleBroken → 409, NotFound → 404,
NotPermitted → 403, Unauthenticated → 401, LogIntegrityError (a log changed below the
application) → 500 `log-integrity`; views that have not reached a read's `after=`
in time → 503 with their lag. Request validation, framework HTTP errors, storage outages
and anything unforeseen become problem documents too, never a bare 500 page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.store_watch import StoreUnavailable, is_unavailable
from domain import errors
from interfaces.http.rate_limit import RateLimited
from interfaces.http.schemas import Problem
from projections.views import ViewLagging, ViewRebuilding

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://zhijian.example/problems/"
log = logging.getLogger("zhijian.http")

STATUS_OF: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.LogIntegrityError, 500),  # the stored log was changed below the application: not the client's conflict
    (errors.Unauthenticated, 401),
    (errors.NotPermitted, 403),
    (errors.NotFound, 404),
    (errors.InvalidValue, 422),
    (errors.RuleBroken, 409),
)


def status_of(error: errors.DomainError) -> int:
    return next((status for cls, status in STATUS_OF if isinstance(error, cls)), 400)


def problem(
    status: int,
    rule: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    field_errors: Iterable[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + rule,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        rule=rule,
        errors=list(field_errors),  # type: ignore[arg-type]  # pydantic validates the dicts
    )
    document = {**body.model_dump(mode="json"), **(extensions or {})}  # RFC 9457 extension members
    return JSONResponse(document, status_code=status, media_type=MEDIA_TYPE, headers=headers)


# -- handlers ------------------------------------------------------------------------


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)  # noqa: S101 - registered for this class only (install)
    status = status_of(exc)
    if status >= 500:
        log.error("%s on %s: %s", exc.rule, request.url.path, exc.detail)  # one line, no traceback: verify says more
    fields = [{"field": exc.field, "message": exc.detail}] if exc.field else []
    headers = {"WWW-Authenticate": 'Bearer realm="zhijian"'} if status == 401 else None
    return problem(status, exc.rule, exc.title, exc.detail, instance=request.url.path, field_errors=fields,
                   headers=headers, extensions=getattr(exc, "extensions", None))


def field_name(loc: tuple[Any, ...]) -> str:
    """`("body", "findings", 0)` → `findings.0`; headers by their HTTP name; the whole body → `body`."""
    where, *rest = loc or ("body",)
    if where == "header" and rest:
        return "-".join(part.capitalize() for part in str(rest[0]).split("-"))
    if where == "body" and rest and isinstance(rest[0], int):
        return "body"  # a JSON syntax error carries the offending position, not a field
    return ".".join(str(p) for p in rest) or str(where)


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type")
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return f"JSON 格式错误 (malformed JSON: {reason} at position {error['loc'][-1]})"
    if kind == "extra_forbidden":
        if error["loc"][-1] == "actor":
            return "不接受 actor：记录人总是当前登录的人员 (actor is refused: the actor is the authenticated official)"
        return "不接受的字段 (unknown field)"
    if kind == "missing":
        return "缺少必填字段 (field required)"
    return str(error.get("msg", "invalid"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only (install)
    fields = [{"field": field_name(tuple(e.get("loc", ()))), "message": _message(e)} for e in exc.errors()]
    names = ", ".join(dict.fromkeys(f["field"] for f in fields))
    return problem(422, "invalid-request", "Invalid request", f"请求有误 (invalid request): {names}",
                   instance=request.url.path, field_errors=fields)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only (install)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):  # FastAPI could not decode the body
        reason = f"JSON 格式错误 (malformed JSON: {type(exc.__cause__).__name__})"
        return problem(422, "invalid-request", "Invalid request", "请求有误 (invalid request): body",
                       instance=request.url.path, field_errors=[{"field": "body", "message": reason}])
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem(exc.status_code, f"http-{exc.status_code}", phrase, detail, instance=request.url.path,
                   headers=dict(exc.headers or {}))


def store_unavailable(instance: str | None) -> JSONResponse:
    """503 while the database does not answer; Retry-After: the store watch pings every half second."""
    return problem(503, "storage-unavailable", "Storage unavailable",
                   "数据库暂时不可用，请稍后重试 (the database is unavailable; try again shortly)",
                   instance=instance, headers={"Retry-After": "1"})


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, IntegrityError):
        return problem(409, errors.ConcurrencyConflict.rule, errors.ConcurrencyConflict.title,
                       "记录已被同时更新，请重试 (a concurrent write won; try again)", instance=request.url.path)
    watch = getattr(request.app.state, "store_watch", None)
    if watch is not None and is_unavailable(exc):
        watch.suspect()  # the watch pings at once and logs the outage, once (application/store_watch.py)
    else:
        log.warning("storage unavailable on %s: %s", request.url.path, type(exc).__name__)
    return store_unavailable(request.url.path)


async def _view_lagging(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ViewLagging)  # noqa: S101 - registered for this class only (install)
    return problem(503, "ViewLagging", "视图尚未更新 (view not caught up)",
                   f"视图在 {exc.waited:g} 秒内未处理到位置 {exc.position} "
                   f"(the views did not reach position {exc.position} in time); retry shortly",
                   instance=request.url.path, headers={"Retry-After": "1"}, extensions={"lag": exc.lag})


# How long a client is asked to wait while a view is projected from zero (minutes at a province's scale).
REBUILDING_RETRY_SECONDS = 30


async def _view_rebuilding(request: Request, exc: Exception) -> Response:
    """503 while a view is projected from zero: a problem document, or a page saying so where the app's pages
    answer (they set `app.state.rebuilding_page`, which gives None for a path that is not theirs)."""
    assert isinstance(exc, ViewRebuilding)  # noqa: S101 - registered for this class only (install)
    headers = {"Retry-After": str(REBUILDING_RETRY_SECONDS)}
    page = getattr(request.app.state, "rebuilding_page", None)
    if page is not None and (html := page(request, exc.progress, REBUILDING_RETRY_SECONDS)) is not None:
        return HTMLResponse(html, status_code=503, headers=headers)
    names = ", ".join(sorted(exc.progress))
    return problem(503, "view-rebuilding", "视图正在从日志重建 (view being projected from the log)",
                   f"视图 {names} 正在从日志重新生成，完成前的答案会漏掉事件，请稍后再试 (the views {names} are being "
                   "projected from the log again, after a new version changed their tables or on a first start over "
                   "an existing log; until they have caught up their answers would leave events out: retry later)",
                   instance=request.url.path, headers=headers,
                   extensions={"rebuilding": {name: {"position": position, "ready_at": ready_at}
                                              for name, (position, ready_at) in sorted(exc.progress.items())}})


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)  # noqa: S101 - registered for RateLimited only
    return problem(429, "rate-limited", "Too many requests",
                   f"请求过于频繁，请 {exc.retry_after} 秒后再试 (too many requests; retry after {exc.retry_after} s)",
                   instance=request.url.path, headers={"Retry-After": str(exc.retry_after)})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal-error", "Internal error", "服务器内部错误 (internal error)",
                   instance=request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PersistenceError, _storage_error)
    app.add_exception_handler(StoreUnavailable, _storage_error)
    # Raised by the driver outside the library's translation (connections of our own, the pool).
    app.add_exception_handler(psycopg.OperationalError, _storage_error)
    app.add_exception_handler(psycopg.InterfaceError, _storage_error)
    app.add_exception_handler(ViewLagging, _view_lagging)
    app.add_exception_handler(ViewRebuilding, _view_rebuilding)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(Exception, _unexpected)
    _document_problems(app)


# -- OpenAPI ---------------------------------------------------------------------------

_DESCRIPTIONS = {
    400: "请求无法读取 Unreadable request (a bad Content-Length)",
    401: "未认证 Not authenticated: no, unknown or revoked token",
    403: "无权 Not permitted: the role or the towns do not cover this act",
    404: "不存在 Not found",
    409: "规则不允许 A rule forbids this, or If-Match is stale",
    413: "请求体过大 Request body too large",
    422: "无效 Invalid request: names each bad field",
    429: "请求过于频繁 Too many requests (public pages: a token bucket per client address)",
    500: "日志完整性校验失败 The event log fails its integrity check (log-integrity), or an internal error",
    503: "数据库不可用 Storage unavailable",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem responses a route documents (served as application/problem+json).

    A route that reads a body (413) can also meet one it cannot read at all (400).
    """
    if 413 in statuses:
        statuses = (400, *statuses)
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


def _document_problems(app: FastAPI) -> None:
    """Documents error responses as application/problem+json, which is what they are served as."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[:1] in "45" and "application/json" in content:
                            content[MEDIA_TYPE] = content.pop("application/json")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it


CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "已记录 Recorded: where the event landed",
        "headers": {
            "Location": {"description": "the new enterprise, or /enterprises/{id}/history/{version}",
                         "schema": {"type": "string"}},
            "ETag": {"description": 'the enterprise\'s new version, e.g. "7", for If-Match',
                     "schema": {"type": "string"}},
        },
    }
}
COMMAND_RESPONSES = {**CREATED, **responses(401, 403, 404, 409, 413, 422)}
REGISTER_RESPONSES = {**CREATED, **responses(401, 403, 409, 413, 422)}
READ_RESPONSES = responses(401, 404, 422)
