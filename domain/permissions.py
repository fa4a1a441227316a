"""Who may record which act, and where: the permission table and the one check of it.

Auditors read everything and write nothing; administrators manage officials only. Auditors
and supervisors may check the log itself (its verification, checkpoints and proofs). An
official bound to towns acts only on enterprises in those towns (registering into
another town is refused too); one with no towns acts unit-wide.
"""

from __future__ import annotations

from domain import errors
from domain.acts import Act
from domain.official import Caller
from domain.values import Role

RECORDING = frozenset({Act.REGISTER, Act.INSPECT, Act.RECORD_SAMPLE})
SUPERVISING = frozenset({Act.ORDER_TO_RECTIFY, Act.VERIFY_RECTIFICATION, Act.GRANT_LICENSE, Act.REVIEW_LICENSE,
                         Act.CLOSE, Act.RETRACT})
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
    if not caller.active:
        raise errors.NotPermitted(f"{caller.name} 已停用 (official is deactivated)")
    if not may(caller, act):
        raise errors.NotPermitted(
            f"{caller.role.label}无权{act.label} (role {caller.role.value} may not {act.value})"
        )
    if not caller.covers(town):
        raise errors.NotPermitted(
            f"{town} 不在 {caller.name} 的辖区 {'、'.join(caller.towns)} 内 (town {town} is outside the official's towns)"
        )


AUDITING = frozenset({Role.AUDITOR, Role.SUPERVISOR})  # may check the log's integrity and ask for its proofs


def authorise_audit(caller: Caller) -> None:
    """Refuses (NotPermitted, 403) the log's verification and proofs to anyone but auditors and supervisors."""
    if not caller.active or caller.role not in AUDITING:
        raise errors.NotPermitted(
            f"{caller.role.label}无权核验日志 (role {caller.role.value} may not audit the log: auditors and "
            "supervisors may)"
        )
