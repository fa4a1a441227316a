"""The log that proves itself: verification, the signed tree head, inclusion and consistency proofs.

Auditors and supervisors only (domain/permissions.py). Hashes are hex; the hashing is in
the README's "Audit: proving the log" and application/audit/leaves.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from application.audit.service import Audit
from application.audit.verify import Break
from domain.official import Caller
from domain.permissions import authorise_audit
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial

router = APIRouter(prefix="/audit", tags=["audit"])


async def audit(request: Request) -> Audit:
    return request.app.state.audit  # type: ignore[no-any-return]


async def auditing_official(by: CurrentOfficial) -> Caller:
    authorise_audit(by)
    return by


AuditDep = Annotated[Audit, Depends(audit)]
Auditor = Annotated[Caller, Depends(auditing_official)]
RESPONSES = problems.responses(401, 403, 422)
Position = Annotated[int, Query(ge=0, le=2**62)]


class BreakPublic(BaseModel):
    position: int
    enterprise_id: str | None = Field(description="the aggregate whose event is broken (an enterprise, an official, "
                                                  "an index); null when only a gap in the leaves shows it")
    version: int | None
    reason: str = Field(description="altered | missing | inserted | out_of_order")
    message: str


class VerifyPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": False, "checked": 1204, "first_break": {
            "position": 17, "enterprise_id": "6f1c2f7e-8d0b-4c39-9a51-2b1f5c0d7a10", "version": 3,
            "reason": "altered", "message": "事件内容与记录时的哈希不符 (altered: …)"},
        "breaks": [], "break_count": 1, "size": 1204, "root_hash": "9f2c…"}]})
    ok: bool
    checked: int = Field(description="events whose leaf hash was recomputed")
    first_break: BreakPublic | None
    breaks: list[BreakPublic] = Field(description="every break found, in log order (the first 100)")
    break_count: int
    size: int | None = Field(description="events walked from the start: the tree's size (null for a range)")
    root_hash: str | None = Field(description="Merkle root of the recomputed leaves (null for a range)")


class CheckpointPublic(BaseModel):
    size: int
    root_hash: str
    time: str
    signature: str = Field(
        description="hex Ed25519 signature of 'zhijian checkpoint v1\\n<size>\\n<root_hash>\\n<time>\\n'")
    key_id: str = Field(description="first 16 hex digits of SHA-256 of the raw public key")
    public_key: str = Field(description="the bureau's Ed25519 public key (PEM); pin it, or its key_id, out of band")


class InclusionPublic(BaseModel):
    position: int
    leaf_index: int
    leaf_hash: str
    tree_size: int
    root_hash: str
    audit_path: list[str] = Field(description="RFC 9162 §2.1.3 inclusion path, leaf side first")


class ConsistencyPublic(BaseModel):
    first: int = Field(serialization_alias="from")
    second: int = Field(serialization_alias="to")
    first_root: str = Field(serialization_alias="from_root")
    second_root: str = Field(serialization_alias="to_root")
    proof: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof")


def break_public(b: Break) -> BreakPublic:
    return BreakPublic(position=b.position, enterprise_id=None if b.enterprise_id is None else str(b.enterprise_id),
                       version=b.version, reason=b.reason, message=b.message)


@router.get("/verify", response_model=VerifyPublic, responses=RESPONSES)
def verify(audit: AuditDep, by: Auditor,
           start: Annotated[Position, Query(alias="from", description="first position to check")] = 0,
           stop: Annotated[Position | None, Query(alias="to", description="last position to check")] = None) -> Any:
    """Recomputes every event's leaf hash from the stored event (in the range) and compares it with the one
    recorded with it; names the first break: altered, missing, inserted or out_of_order."""
    report = audit.verify(start, stop)
    first = report.first_break
    return VerifyPublic(ok=report.ok, checked=report.checked,
                        first_break=None if first is None else break_public(first),
                        breaks=[break_public(b) for b in report.breaks], break_count=report.break_count,
                        size=report.size, root_hash=None if report.root is None else report.root.hex())


@router.get("/checkpoint", response_model=CheckpointPublic, responses=problems.responses(401, 403))
def checkpoint(audit: AuditDep, by: Auditor) -> Any:
    """The signed tree head now: size, root hash, time, Ed25519 signature. Keep it: `zhijian audit verify
    --checkpoint FILE` later checks that the log still extends it."""
    cp = audit.checkpoint()
    return CheckpointPublic(**cp.as_dict(), public_key=audit.key.public_pem())


@router.get("/proof/inclusion/{position}", response_model=InclusionPublic, responses=problems.responses(401, 403,
                                                                                                          404, 422))
def inclusion(audit: AuditDep, by: Auditor, position: Annotated[int, Path(ge=0, le=2**62)],
              size: Annotated[int | None, Query(ge=1, le=2**62, description="the tree's size (a checkpoint's); "
                                                                              "today's when omitted")] = None) -> Any:
    """Proves the event at `position` is in the tree of `size` leaves."""
    p = audit.inclusion(position, size)
    return InclusionPublic(position=p.position, leaf_index=p.leaf_index, leaf_hash=p.leaf_hash.hex(),
                           tree_size=p.tree_size, root_hash=p.root_hash.hex(),
                           audit_path=[h.hex() for h in p.audit_path])


@router.get("/proof/consistency", response_model=ConsistencyPublic, response_model_by_alias=True,
            responses=RESPONSES)
def consistency(audit: AuditDep, by: Auditor,
                first: Annotated[int, Query(alias="from", ge=0, le=2**62, description="the older tree's size")],
                second: Annotated[int | None, Query(alias="to", ge=0, le=2**62,
                                                    description="the newer tree's size; today's when omitted")] = None,
                ) -> Any:
    """Proves the tree of `to` leaves extends the one of `from` leaves."""
    p = audit.consistency(first, second)
    return ConsistencyPublic(first=p.first, second=p.second, first_root=p.first_root.hex(),
                             second_root=p.second_root.hex(), proof=[h.hex() for h in p.proof])
