"""The Official aggregate: a member of staff, their role, towns and access tokens.

Only token *hashes* are stored. A token index aggregate, whose id is derived from the
hash, finds the official for a presented token without scanning anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain import errors
from domain.actor import Actor
from domain.acts import Act
from domain.recording_clock import RecordedInOrder, recording_time
from domain.text import identifying, normal_form, refuse_control_characters
from domain.values import Role


def hash_token(token: str) -> str:
    """SHA-256 of a token. Tokens are 256-bit random strings, so a fast hash is right here."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """The authenticated official acting in a command: a plain value, not the aggregate."""

    id: UUID
    name: str
    unit: str
    role: Role
    towns: tuple[str, ...]
    active: bool = True

    @property
    def as_actor(self) -> Actor:
        return Actor(self.id, self.name, self.unit, self.role)

    def covers(self, town: str) -> bool:
        """An official bound to towns acts only there; one with no towns acts unit-wide."""
        return not self.towns or normal_form(town) in {normal_form(t) for t in self.towns}


class Official(RecordedInOrder, Aggregate):
    """A member of the bureau's staff (质监员, 科长, 督查...)."""

    class Event(Aggregate.Event):
        create_timestamp = staticmethod(recording_time)
        actor: Actor
        occurred_on: date

    class Appointed(Event, Aggregate.Created):
        name: str
        unit: str
        role: str
        towns: list[str]

    class Reassigned(Event):
        towns: list[str]
        role: str

    class TokenIssued(Event):
        token_hash: str

    class TokenRevoked(Event):
        token_hash: str

    class Deactivated(Event):
        reason: str

    class ConflictDeclared(Event):
        """回避: the official declares a conflict of interest with an enterprise; no draw assigns them to it.

        On the official, not on a draw plan: a conflict is the inspector's relation to the
        enterprise, and holds for every plan after it, including those not yet announced."""

        act = Act.DECLARE_CONFLICT
        label = "申报回避"
        enterprise_id: str
        reason: str

    @classmethod
    def appoint(
        cls, *, actor: Actor, today: date, name: str, unit: str, role: Role, towns: Iterable[str] = ()
    ) -> Official:
        refuse_control_characters(locals())
        name, unit = identifying(name, "name"), identifying(unit, "unit")
        if not name:
            raise errors.BlankValue("姓名不能为空 (name must not be blank)", field="name")
        if not unit:
            raise errors.BlankValue("单位不能为空 (unit must not be blank)", field="unit")
        return cls(id=uuid4(), actor=actor, occurred_on=today, name=name, unit=unit, role=Role(role).value,
                   towns=_towns(towns))

    @event(Appointed)
    def __init__(
        self,
        *,
        id: UUID,  # noqa: A002 - the library's name for an aggregate's id
        actor: Actor, occurred_on: date, name: str, unit: str, role: str, towns: list[str],
    ) -> None:
        self.name = name
        self.unit = unit
        self.role = Role(role)
        self.towns = list(towns)
        self.active = True
        self.token_hashes: list[str] = []
        self.conflicts: set[str] = set()  # enterprises the official declared a conflict with

    @property
    def as_caller(self) -> Caller:
        return Caller(self.id, self.name, self.unit, self.role, tuple(self.towns), self.active)

    def _check_active(self) -> None:
        if not self.active:
            raise errors.OfficialInactive(f"{self.name} 已停用 (official is deactivated)")

    def reassign(self, *, actor: Actor, today: date, towns: Iterable[str] | None = None,
                 role: Role | None = None) -> None:
        self._check_active()
        new_towns = self.towns if towns is None else _towns(towns)
        new_role = self.role if role is None else Role(role)
        self._reassigned(actor=actor, occurred_on=today, towns=new_towns, role=new_role.value)

    @event(Reassigned)
    def _reassigned(self, actor: Actor, occurred_on: date, towns: list[str], role: str) -> None:
        self.towns = list(towns)
        self.role = Role(role)

    def issue_token(self, *, actor: Actor, today: date, token_hash: str) -> None:
        self._check_active()
        self._token_issued(actor=actor, occurred_on=today, token_hash=token_hash)

    @event(TokenIssued)
    def _token_issued(self, actor: Actor, occurred_on: date, token_hash: str) -> None:
        self.token_hashes.append(token_hash)

    def revoke_token(self, *, actor: Actor, today: date, token_hash: str) -> None:
        if token_hash not in self.token_hashes:
            raise errors.NotFound("没有这个令牌 (no such token)", field="token")
        self._token_revoked(actor=actor, occurred_on=today, token_hash=token_hash)

    @event(TokenRevoked)
    def _token_revoked(self, actor: Actor, occurred_on: date, token_hash: str) -> None:
        self.token_hashes.remove(token_hash)

    def deactivate(self, *, actor: Actor, today: date, reason: str = "") -> None:
        self._check_active()
        self._deactivated(actor=actor, occurred_on=today, reason=reason)

    @event(Deactivated)
    def _deactivated(self, actor: Actor, occurred_on: date, reason: str) -> None:
        self.active = False
        self.token_hashes = []


    def declare_conflict(self, *, actor: Actor, today: date, enterprise_id: UUID, reason: str) -> None:
        refuse_control_characters(locals())
        self._check_active()
        reason = (reason or "").strip()
        if not reason:
            raise errors.ReasonRequired("申报回避须说明理由 (a declared conflict gives a reason)")
        if str(enterprise_id) in getattr(self, "conflicts", ()):
            raise errors.DuplicateConflict(
                f"已申报对企业 {enterprise_id} 回避 (a conflict with it is already declared)")
        self._conflict_declared(actor=actor, occurred_on=today, enterprise_id=str(enterprise_id), reason=reason)

    @event(ConflictDeclared)
    def _conflict_declared(self, actor: Actor, occurred_on: date, enterprise_id: str, reason: str) -> None:
        # An official appointed before conflicts existed has no set yet (its snapshot or its events).
        self.conflicts = {*getattr(self, "conflicts", ()), enterprise_id}


class TokenIndex(Aggregate):
    """Finds the official for a token hash; its id is derived from the hash."""

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/zhijian/token-hashes/{token_hash}")

    @event("Indexed")
    def __init__(self, token_hash: str, official_id: UUID) -> None:
        self.token_hash = token_hash
        self.official_id = official_id


def _towns(towns: Iterable[str]) -> list[str]:
    """Each town once, in its one spelling (domain.text.identifying)."""
    return sorted({t for t in (identifying(t, "towns") for t in towns) if t})
