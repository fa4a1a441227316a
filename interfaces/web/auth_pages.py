"""Sign-in with an official's token, and sign-out (both POST forms with a CSRF token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain import errors
from domain.official import hash_token
from interfaces.web.render import page
from interfaces.web.session import CSRF_FIELD, Sessions, VisitorDep

router = APIRouter(prefix="/web", include_in_schema=False)


class CsrfRefused(Exception):
    """A form that writes came without the session's CSRF token."""


def safe_next(target: Any) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")) \
            and "\n" not in target and "\r" not in target:
        return target
    return "/"


async def checked_form(request: Request, visitor: Any) -> Any:
    """The posted form, once its CSRF token matches the session's; CsrfRefused otherwise."""
    form = await request.form()
    sessions: Sessions = request.app.state.web_sessions
    if visitor.fresh or not sessions.csrf_ok(visitor.session, form.get(CSRF_FIELD)):
        raise CsrfRefused()
    return form


@router.get("/signin")
def signin_page(request: Request, visitor: VisitorDep) -> Response:
    if visitor.caller is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return page(request, visitor, "signin.html", next=safe_next(request.query_params.get("next")), error=None)


@router.post("/signin")
async def signin(request: Request, visitor: VisitorDep) -> Response:
    form = await checked_form(request, visitor)
    token = str(form.get("token") or "").strip()
    target = safe_next(form.get("next"))
    try:
        caller = await run_in_threadpool(request.app.state.ledger.authenticate, token)  # off the event loop
    except errors.Unauthenticated:
        return page(request, visitor, "signin.html", status=401, next=target,
                    error="令牌无效、已吊销或人员已停用，请核对后重试。")
    sessions: Sessions = request.app.state.web_sessions
    response = RedirectResponse(target, status_code=303)
    sessions.write(response, request, sessions.signed_in(caller.id, hash_token(token)))
    return response


@router.post("/signout")
async def signout(request: Request, visitor: VisitorDep) -> Response:
    await checked_form(request, visitor)
    response = RedirectResponse("/web/signin", status_code=303)
    request.app.state.web_sessions.clear(response)
    return response
