"""Who may record which act, and where: the permission table and the one check of it.

Auditors read everything and write nothing; administrators manage officials only. Auditors
and supervisors may check the log itself (its verification, checkpoints and proofs). An
official bound to towns acts only on enterprises in those towns (registering into
another town is refused too); one with no towns acts unit-wide.
"""

from __future__ import annotations

from domain import errors
from domain.acts import DRAW_ACTS, Act
from domain.official import Caller
from domain.values import Role

RECORDING = frozenset({Act.REGISTER, Act.INSPECT, Act.RECORD_SAMPLE, Act.DECLARE_CONFLICT})
SUPERVISING = frozenset({Act.ORDER_TO_RECTIFY, Act.VERIFY_RECTIFICATION, Act.GRANT_LICENSE, Act.REVIEW_LICENSE,
                         Act.CLOSE, Act.RETRACT, *DRAW_ACTS})
PERMITTED_ACTS: dict[Role, frozenset[Act]] = {
    Role.INSPECTOR: RECORDING,
    Role.SUPERVISOR: RECORDING | SUPERVISING,
    Role.AUDITOR: frozenset(),
    Role.ADMIN: frozenset(),
}


def may(caller: Caller, act: Act) -> bool:
    """Whether the caller's role may record the act at all (anywhere)."""
    return caller.active and act in PERMITTED_ACTS[caller.role]


def authorise(caller: Caller, act: Act, town: str) -> None:
    """Refuses (NotPermitted, 403) an act the caller's role or towns do not cover."""
    _authorise_role(caller, act)
    if not caller.covers(town):
        raise errors.NotPermitted(
            f"{town} 不在 {caller.name} 的辖区 {'、'.join(caller.towns)} 内 "
            f"(town {town} is outside the official's towns)"
        )


def authorise_announcement(caller: Caller, towns: tuple[str, ...] | list[str]) -> None:
    """Refuses an announcement by a role that may not announce, or over towns the caller does not cover
    (an official bound to towns announces only plans scoped to those towns)."""
    _authorise_role(caller, Act.ANNOUNCE_DRAW)
    if caller.towns and (not towns or any(not caller.covers(t) for t in towns)):
        raise errors.NotPermitted(
            f"抽查范围须在 {caller.name} 的辖区 {'、'.join(caller.towns)} 内 "
            "(an official bound to towns announces plans scoped to those towns only)"
        )


def authorise_plan(caller: Caller, act: Act, unit: str) -> None:
    """Refuses an act on a draw plan by a role that may not, or by anyone outside the announcer's unit."""
    _authorise_role(caller, act)
    if caller.unit != unit:
        raise errors.NotPermitted(
            f"只有{unit}可以{act.label} (only the announcing unit, {unit}, may {act.value})"
        )


def authorise_declaration(caller: Caller, official_id: object) -> None:
    """Refuses a conflict declaration unless it is the caller's own, or the caller is a supervisor."""
    _authorise_role(caller, Act.DECLARE_CONFLICT)
    if caller.id != official_id and caller.role is not Role.SUPERVISOR:
        raise errors.NotPermitted(
            "只能申报本人的回避，监管负责人可代为申报 "
            "(declare your own conflicts; a supervisor may declare one for others)"
        )


def _authorise_role(caller: Caller, act: Act) -> None:
    if not caller.active:
        raise errors.NotPermitted(f"{caller.name} 已停用 (official is deactivated)")
    if not may(caller, act):
        raise errors.NotPermitted(
            f"{caller.role.label}无权{act.label} (role {caller.role.value} may not {act.value})"
        )


AUDITING = frozenset({Role.AUDITOR, Role.SUPERVISOR})  # may check the log's integrity and ask for its proofs


def authorise_audit(caller: Caller) -> None:
    """Refuses (NotPermitted, 403) the log's verification and proofs to anyone but auditors and supervisors."""
    if not caller.active or caller.role not in AUDITING:
        raise errors.NotPermitted(
            f"{caller.role.label}无权核验日志 (role {caller.role.value} may not audit the log: auditors and "
            "supervisors may)"
        )
