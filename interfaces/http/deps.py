"""Every dependency of the routes, as Annotated aliases, so route signatures read as declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from application.campaign_settings import CampaignSettings, load_campaign_settings
from application.ledger import Ledger
from application.results import CommandResult, Idempotency
from domain import errors
from domain.bureau_time import bureau_today
from domain.official import Caller

# Dependencies are `async def`: FastAPI runs them on the event loop, where a plain `def`
# would cost a hop to the thread pool each (a large share of a command's CPU here). What
# waits on the database is sent to the thread pool explicitly, so the loop never waits.


async def ledger(request: Request) -> Ledger:
    return request.app.state.ledger  # type: ignore[no-any-return]  # app.state is untyped; create_app puts it there


LedgerDep = Annotated[Ledger, Depends(ledger)]

_bearer = HTTPBearer(auto_error=False, description="令牌 token from `zhijian officials add`")


async def current_official(
    request: Request, ledger: LedgerDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """The active official holding the bearer token; 401 otherwise.

    From memory when this process read the official less than `auth_recheck_seconds`
    ago (no query, no hop to a thread); otherwise from the store, in a thread.
    """
    if credentials is None:
        raise errors.Unauthenticated("缺少令牌 (missing bearer token: send Authorization: Bearer <token>)")
    within = request.app.state.settings.auth_recheck_seconds
    caller = ledger.recently_authenticated(credentials.credentials, within) if within > 0 else None
    if caller is None:
        caller = await run_in_threadpool(ledger.authenticate, credentials.credentials)
    return caller


CurrentOfficial = Annotated[Caller, Depends(current_official)]


@lru_cache(maxsize=1)
def _deployment_campaign_settings() -> CampaignSettings:
    return load_campaign_settings()


def campaign_settings(request: Request) -> CampaignSettings:
    """The app's campaign settings if it was given some, else the deployment's campaign file (read once):
    targets, deadlines and the accountability window, by the date a report is asked for."""
    return getattr(request.app.state, "campaign_settings", None) or _deployment_campaign_settings()


async def today() -> date:
    """The bureau's date (UTC+8): the domain refuses acts dated after it. Tests override this dependency."""
    return bureau_today()


Today = Annotated[date, Depends(today)]

_VERSION = re.compile(r'^\s*(?:W/)?"?([0-9]{1,18})"?\s*$')
IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"?[0-9]{1,18}"?)\s*$'


async def if_match(
    if_match: Annotated[
        str | None,
        Header(pattern=IF_MATCH_PATTERN,
               description='the version you read (from ETag): `"3"`, `W/"3"` or `3`; '
                           "409 if the enterprise has moved on"),
    ] = None,
) -> int | None:
    """The version the client expects the enterprise to be at, or None (also for `*`)."""
    match = _VERSION.match(if_match or "")
    return int(match.group(1)) if match else None


IfMatch = Annotated[int | None, Depends(if_match)]

IdempotencyKey = Annotated[
    str | None,
    Header(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
           description="repeat a POST with the same key to get the original answer; nothing is stored twice"),
]


def etag(version: int, *, weak: bool = False) -> str:
    return f'{"W/" if weak else ""}"{version}"'


@dataclass(frozen=True)
class CommandContext:
    """Who acts, when, and under which preconditions: what every command takes besides its body."""

    by: Caller
    today: date
    expected_version: int | None
    idempotency_key: str | None
    path: str

    def using(self, body: BaseModel, *, versioned: bool = True) -> dict[str, Any]:
        """Keyword arguments for a ledger command method."""
        idempotency = None
        if self.idempotency_key is not None:
            request = {"path": self.path, "body": body.model_dump(mode="json")}
            idempotency = Idempotency(self.idempotency_key, request)
        extra = {"expected_version": self.expected_version} if versioned else {}
        return {"by": self.by, "today": self.today, "idempotency": idempotency, **extra}


async def command_context(request: Request, by: CurrentOfficial, today: Today, expected_version: IfMatch,
                    idempotency_key: IdempotencyKey = None) -> CommandContext:
    return CommandContext(by, today, expected_version, idempotency_key, request.url.path)


async def registration_context(request: Request, by: CurrentOfficial, today: Today,
                         idempotency_key: IdempotencyKey = None) -> CommandContext:
    return CommandContext(by, today, None, idempotency_key, request.url.path)


Command = Annotated[CommandContext, Depends(command_context)]
Registration = Annotated[CommandContext, Depends(registration_context)]


def answer(result: CommandResult, response: Response, location: str | None = None) -> CommandResult:
    """A command's 201: Location of what it recorded, and the enterprise's new version as ETag."""
    response.headers["Location"] = location or f"/enterprises/{result.enterprise_id}/history/{result.version}"
    response.headers["ETag"] = etag(result.version)
    return result


EnterpriseId = Annotated[UUID, Path(description="the enterprise's id, as answered by POST /enterprises")]
