"""The bureau's web pages, served by the API's own app: 工作台 at `/`, then /web/… (see install).

Server-rendered with Jinja2 (autoescape on), in Chinese; every asset is in this package
(templates/, static/); charts are SVG drawn on the server (charts.py). The pages call the
ledger and the views directly, never the HTTP API. They are left out of the OpenAPI schema.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from interfaces.web import auth_pages, enterprise_pages, report_pages
from interfaces.web.auth_pages import CsrfRefused
from interfaces.web.overview import OverviewCache
from interfaces.web.render import environment, url
from interfaces.web.security import SecurityHeaders
from interfaces.web.session import Sessions, SignInRequired, WebSettings, secret_from

STATIC = Path(__file__).with_name("static")


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"  # a form posted without a session is not posted again after signing in
    return RedirectResponse(url("/web/signin", next=target), status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    html = environment().get_template("error.html").render(
        request=request, caller=None, csrf="", url=url, path=request.url.path, active=None, title="请求已拒绝",
        detail="表单已过期或来源不明（CSRF 校验未通过）。请返回上一页刷新后重新提交。")
    return HTMLResponse(html, status_code=403)


def _rebuilding_page(request: Request, progress: dict[str, tuple[int, int]], retry_after: int) -> str | None:
    """The page shown (503, by the one error map: interfaces/http/problems.py) while a view is projected from
    zero, for a path of the pages (`/` and `/web/…`); None for any other (the API answers a problem document)."""
    if request.url.path != "/" and not request.url.path.startswith("/web/"):
        return None
    done = ", ".join(f"{name} {position:,}/{ready_at:,}" for name, (position, ready_at) in sorted(progress.items()))
    return environment().get_template("error.html").render(
        request=request, caller=None, csrf="", url=url, path=request.url.path, active=None, title="统计视图正在重建",
        detail=f"统计视图正在从日志重新生成（新版本启用或首次启动时；已处理 {done} 个事件）。完成前的数字会漏掉事件，"
               f"所以暂不显示；请约 {retry_after} 秒后刷新。登记、检查等录入不受影响。")


def install(app: FastAPI) -> None:
    """Adds the pages, their static files, their session handling and the security headers to the app."""
    settings = WebSettings()
    app.state.web_sessions = Sessions(secret_from(settings, app.state.settings.data_dir), settings)
    app.state.web_overviews = OverviewCache()
    for module in (report_pages, enterprise_pages, auth_pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.state.rebuilding_page = _rebuilding_page  # what a page shows while a view is projected from zero
    app.add_middleware(SecurityHeaders)
