"""Officials and their tokens: appointment, tokens issued and revoked, reassignment, deactivation, sign-in.

Only token hashes are stored. A token's hash names its official for good (a token index
is never changed), so it is looked up once per process; the official's own state
(revocations, deactivation) is read fast-forwarded from the store, so a revocation
counts at once (or, from memory, within `recently_authenticated`'s bound).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.results import Appointment
from domain import errors
from domain.actor import Actor
from domain.official import Caller, Official, TokenIndex, hash_token
from domain.values import Role

if TYPE_CHECKING:
    from eventsourcing.application import LRUCache

    from application.aggregate_cache import CachedRepository

_A = TypeVar("_A")


class OfficialsMixin:
    """The Ledger's use cases about officials (mixed into `application.ledger.Ledger`, which provides
    `save`, `repository`, `_get`, `_created_once` and `_token_owners`)."""

    if TYPE_CHECKING:  # what the Ledger provides, as the type checker should see it
        _token_owners: LRUCache[str, UUID]

        @property
        def repository(self) -> CachedRepository: ...
        def save(self, *objs: Any, **kwargs: Any) -> Any: ...
        def _get(self, cls: type[_A], aggregate_id: UUID, what: str) -> _A: ...
        def _created_once(self, aggregate_id: UUID) -> Any | None: ...

    def appoint_official(
        self, *, by: Actor, today: date, name: str, unit: str, role: Role, towns: Iterable[str] = ()
    ) -> Appointment:
        official = Official.appoint(actor=by, today=today, name=name, unit=unit, role=role, towns=towns)
        token, index = self._new_token(official, by, today)
        self.save(official, index)
        return Appointment(official.id, token)

    def issue_token(self, official_id: UUID, *, by: Actor, today: date) -> str:
        official = self._official(official_id)
        token, index = self._new_token(official, by, today)
        self.save(official, index)
        return token

    def _new_token(self, official: Official, by: Actor, today: date) -> tuple[str, TokenIndex]:
        token = "zj_" + secrets.token_urlsafe(32)
        token_hash = hash_token(token)
        official.issue_token(actor=by, today=today, token_hash=token_hash)
        return token, TokenIndex(token_hash=token_hash, official_id=official.id)

    def revoke_token(self, official_id: UUID, token: str, *, by: Actor, today: date) -> None:
        official = self._official(official_id)
        official.revoke_token(actor=by, today=today, token_hash=hash_token(token))
        self.save(official)

    def reassign_official(
        self, official_id: UUID, *, by: Actor, today: date, towns: Iterable[str] | None = None, role: Role | None = None
    ) -> None:
        official = self._official(official_id)
        official.reassign(actor=by, today=today, towns=towns, role=role)
        self.save(official)

    def deactivate_official(self, official_id: UUID, *, by: Actor, today: date, reason: str = "") -> None:
        official = self._official(official_id)
        official.deactivate(actor=by, today=today, reason=reason)
        self.save(official)

    def caller(self, official_id: UUID) -> Caller:
        """The official as a caller, for acts recorded on their behalf by the seeders (never over HTTP)."""
        return self._official(official_id).as_caller

    def _official(self, official_id: UUID) -> Official:
        return self._get(Official, official_id, "official")

    def authenticate(self, token: str) -> Caller:
        """The active official holding this token, or Unauthenticated; what the store holds now."""
        official_id = self._token_owner(token)
        try:
            official = self.repository.get(official_id)  # fast-forwarded: a revocation counts at once
        except AggregateNotFoundError:
            raise _refused() from None
        return _caller(official, token)

    def recently_authenticated(self, token: str, within: float) -> Caller | None:
        """As `authenticate`, from memory alone: None unless the token's official was read from the store less
        than `within` seconds ago (then ask `authenticate`). Never waits, never asks the store.

        A refusal from memory is final: revoked tokens and deactivated officials stay so.
        """
        try:
            official_id = self._token_owners.get(hash_token(token))
        except KeyError:
            return None
        official = self.repository.recent(official_id, within)
        return None if official is None else _caller(official, token)

    def _token_owner(self, token: str) -> UUID:
        token_hash = hash_token(token)
        try:
            return self._token_owners.get(token_hash)
        except KeyError:
            pass
        index = self._created_once(TokenIndex.create_id(token_hash))
        if not isinstance(index, TokenIndex):
            raise _refused()
        self._token_owners.put(token_hash, index.official_id)
        return index.official_id


def _refused() -> errors.Unauthenticated:
    return errors.Unauthenticated("令牌无效、已吊销或人员已停用 (token unknown, revoked, or official deactivated)")


def _caller(official: Any, token: str) -> Caller:
    """The official as the caller presenting `token`, if they are active and hold it; Unauthenticated otherwise."""
    if not isinstance(official, Official):
        raise _refused()
    token_hash = hash_token(token)
    held = [h for h in official.token_hashes if hmac.compare_digest(h, token_hash)]
    if not official.active or not held:
        raise _refused()
    return official.as_caller
