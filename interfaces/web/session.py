"""Who is signed in to the web pages: a signed session cookie, checked against the ledger on every request.

The cookie (HttpOnly, SameSite=Strict, Secure over HTTPS) holds a random session id, and
once signed in the official's id, the SHA-256 hash of the token they signed in with and
an expiry; it is signed with itsdangerous, never encrypted, so it holds nothing secret:
not the token. Each request re-reads the official from the ledger and requires them to be
active and to still hold that token hash, so revoking the token or deactivating the
official ends the session at once.

CSRF: every form that writes carries a synchronizer token, an HMAC of the session id
under the signing secret (so it is tied to the session and changes when signing in
starts a new one); a POST without the right one is refused (403).

The signing secret is `ZHIJIAN_SESSION_SECRET`; without it, a random secret made once in
the data folder (`session-secret`, mode 0600), which survives restarts and is shared by
every worker process on that folder.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.responses import Response

from application.ledger import Ledger
from application.secret_files import made_once
from domain.official import Caller, Official

COOKIE = "zhijian_session"
SECRET_FILE = "session-secret"  # noqa: S105 - the name of the file that holds the secret
CSRF_FIELD = "csrf_token"


class WebSettings(BaseSettings):
    """The web pages' own settings (prefix ZHIJIAN_), beside application.settings.Settings."""

    model_config = SettingsConfigDict(env_prefix="ZHIJIAN_", env_file=".env", extra="ignore")

    session_secret: SecretStr | None = Field(default=None, description="signs the session cookie; 32+ random bytes")
    session_hours: float = Field(default=10.0, gt=0, le=24 * 30)
    # None: Secure when the request came over HTTPS (as the server sees it: use --proxy-headers behind a proxy).
    session_cookie_secure: bool | None = None


def secret_from(settings: WebSettings, data_dir: Path) -> bytes:
    """The configured secret, or the data folder's, made once (atomically: workers racing agree on one)."""
    if settings.session_secret is not None:
        value = settings.session_secret.get_secret_value()
        if len(value) < 16:
            raise ValueError("ZHIJIAN_SESSION_SECRET must be at least 16 characters")
        return value.encode()
    return made_once(data_dir / SECRET_FILE, lambda: secrets.token_urlsafe(48).encode()).strip()


@dataclass(frozen=True)
class Session:
    sid: str
    official_id: UUID | None = None
    token_hash: str | None = None
    expires: float = 0.0

    @property
    def signed_in(self) -> bool:
        return self.official_id is not None and time.time() < self.expires


class Sessions:
    """Makes, reads and checks session cookies and their CSRF tokens."""

    def __init__(self, secret: bytes, settings: WebSettings) -> None:
        self._secret = secret
        self._serializer = URLSafeTimedSerializer(secret, salt="zhijian-session")
        self.lifetime = int(settings.session_hours * 3600)
        self.secure = settings.session_cookie_secure

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data: dict[str, Any] = self._serializer.loads(raw, max_age=self.lifetime)
            official = data.get("o")
            return Session(str(data["s"]), UUID(official) if official else None, data.get("h"), float(data.get("e", 0)))
        except (BadSignature, KeyError, ValueError, TypeError):
            return None

    def anonymous(self) -> Session:
        return Session(secrets.token_urlsafe(24))

    def signed_in(self, official_id: UUID, token_hash: str) -> Session:
        """A new session (a new id: nothing from before signing in carries over)."""
        return Session(secrets.token_urlsafe(24), official_id, token_hash, time.time() + self.lifetime)

    def write(self, response: Response, request: Request, session: Session) -> None:
        data: dict[str, str | float] = {"s": session.sid}
        if session.official_id is not None:
            data |= {"o": str(session.official_id), "h": session.token_hash or "", "e": session.expires}
        secure = self.secure if self.secure is not None else request.url.scheme == "https"
        response.set_cookie(COOKIE, self._serializer.dumps(data), max_age=self.lifetime, path="/", httponly=True,
                            samesite="strict", secure=secure)

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._secret, f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: Any) -> bool:
        return session is not None and isinstance(token, str) and hmac.compare_digest(self.csrf_token(session), token)


def caller_holding(ledger: Ledger, official_id: UUID, token_hash: str) -> Caller | None:
    """The official, if active and still holding this token hash (not revoked); else None."""
    try:
        official = ledger.repository.get(official_id)
    except AggregateNotFoundError:
        return None
    if not isinstance(official, Official) or not official.active:
        return None
    if not any(hmac.compare_digest(h, token_hash) for h in official.token_hashes):
        return None
    return official.as_caller


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""


@dataclass(frozen=True)
class Visitor:
    """Whoever asked: their session (maybe new, not yet in a cookie) and, when signed in, the official."""

    session: Session
    caller: Caller | None
    csrf: str
    fresh: bool  # the session is new: the answer must set the cookie


def visitor(request: Request) -> Visitor:
    sessions: Sessions = request.app.state.web_sessions
    session = sessions.read(request)
    fresh = session is None
    if session is None:
        session = sessions.anonymous()
    caller = None
    if session.signed_in and session.official_id is not None and session.token_hash:
        caller = caller_holding(request.app.state.ledger, session.official_id, session.token_hash)
    return Visitor(session, caller, sessions.csrf_token(session), fresh)


def signed_in(request: Request) -> Visitor:
    found = visitor(request)
    if found.caller is None:
        raise SignInRequired()
    return found


VisitorDep = Annotated[Visitor, Depends(visitor)]
SignedIn = Annotated[Visitor, Depends(signed_in)]
