"""Random inspections (双随机): announce a plan, draw it with the seed, publish, cancel; read and verify it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from application.commands import AnnounceDraw, CancelDraw, DrawTargets, PublishDraw
from application.results import CommandResult
from domain import errors
from interfaces.draw_reading import caught_up_register
from interfaces.http import problems
from interfaces.http.deps import CurrentOfficial, LedgerDep, Registration
from interfaces.http.draw_schemas import (
    CancellationCreate,
    CompletionPublic,
    DrawCommandPublic,
    DrawingCreate,
    DrawPlanCreate,
    DrawPlanPublic,
    DrawPlansPublic,
    DrawPlanSummary,
    PublicationCreate,
    VerificationPublic,
)
from interfaces.http.read_side import AFTER_TIMEOUT_SECONDS, KnownAtParam, ReadAt, known_at_or_now, waits_for
from projections import draw_queries

router = APIRouter(prefix="/draws", tags=["draws"])

PlanId = Annotated[UUID, Path(description="the draw plan's id, as answered by POST /draws")]
COMMAND = {**problems.CREATED, **problems.responses(401, 403, 404, 409, 413, 422, 503)}


def _answer(result: CommandResult, response: Response) -> DrawCommandPublic:
    response.headers["Location"] = f"/draws/{result.enterprise_id}"
    response.headers["ETag"] = f'"{result.version}"'
    return DrawCommandPublic(plan_id=result.enterprise_id, version=result.version, position=result.position,
                             recorded_at=result.recorded_at)


@router.post("", status_code=201, response_model=DrawCommandPublic,
             responses={**problems.CREATED, **problems.responses(401, 403, 409, 413, 422)})
def announce(body: DrawPlanCreate, ledger: LedgerDep, command: Registration, response: Response) -> DrawCommandPublic:
    """发布抽查计划: a supervisor announces a plan for their unit with the SHA-256 commitment of a secret seed
    (event `Announced`). Keep the seed: it is revealed at the draw, and the draw is refused unless it matches."""
    values = body.model_dump()
    values["strata"] = body.strata.model_dump(exclude_none=True)
    return _answer(ledger.announce_draw(AnnounceDraw(**values), **command.using(body, versioned=False)), response)


@router.post("/{plan_id}/drawing", status_code=201, response_model=DrawCommandPublic, responses=COMMAND)
def draw(plan_id: PlanId, body: DrawingCreate, request: Request, ledger: LedgerDep, command: Registration,
         response: Response) -> DrawCommandPublic:
    """随机抽取: reveals the seed and records the enterprises and inspectors it draws from the register as known
    now (event `Drawn`); 409 `seed-matches-commitment` if the seed is not the committed one, 409 `draw-impossible`
    (naming the stratum and the enterprise) if a drawn enterprise has too few eligible inspectors."""
    reader = caught_up_register(request.app.state.views, AFTER_TIMEOUT_SECONDS)
    known_at = datetime.now(UTC)
    return _answer(ledger.draw(plan_id, DrawTargets(seed=body.seed), read_register=reader, known_at=known_at,
                               **command.using(body, versioned=False)), response)


@router.post("/{plan_id}/publication", status_code=201, response_model=DrawCommandPublic, responses=COMMAND)
def publish(plan_id: PlanId, body: PublicationCreate, ledger: LedgerDep, command: Registration,
            response: Response) -> DrawCommandPublic:
    """公示: publishes a drawn plan; from then on it and the inspections answering it are public (event `Published`)."""
    return _answer(ledger.publish_draw(plan_id, PublishDraw(), **command.using(body, versioned=False)), response)


@router.post("/{plan_id}/cancellation", status_code=201, response_model=DrawCommandPublic, responses=COMMAND)
def cancel(plan_id: PlanId, body: CancellationCreate, ledger: LedgerDep, command: Registration,
           response: Response) -> DrawCommandPublic:
    """撤销: cancels a plan not yet published, with a reason (event `Cancelled`)."""
    return _answer(ledger.cancel_draw(plan_id, CancelDraw(reason=body.reason),
                                      **command.using(body, versioned=False)), response)


@router.get("", response_model=DrawPlansPublic, responses=problems.responses(401, 422, 503))
def plans(by: CurrentOfficial, at: Annotated[ReadAt, waits_for("accountability")],
          state: Annotated[str | None, Query(pattern="^(announced|drawn|published|cancelled)$")] = None,
          ) -> DrawPlansPublic:
    """Every draw plan as known at `known_at`, newest first; `state` filters."""
    found = draw_queries.plans(at.views, at.known_at, state=state)
    return DrawPlansPublic(known_at=at.known_at.isoformat(), items=[DrawPlanSummary(**p.as_dict()) for p in found])


@router.get("/{plan_id}", response_model=DrawPlanPublic, responses=problems.responses(401, 404, 422))
def plan(plan_id: PlanId, by: CurrentOfficial, ledger: LedgerDep, known_at: KnownAtParam = None) -> dict[str, Any]:
    """The plan as it stands, or as known at `known_at` (only its events recorded by then: announced, not yet
    drawn...): its rules, commitment, and once drawn its seed, known_at and selection."""
    return ledger.describe_draw(plan_id, None if known_at is None else known_at_or_now(known_at))


@router.get("/{plan_id}/verify", response_model=VerificationPublic, responses=problems.responses(401, 404, 422, 503))
def verify(plan_id: PlanId, request: Request, by: CurrentOfficial, ledger: LedgerDep) -> dict[str, Any]:
    """Recomputes the draw from the log: the recorded seed against the commitment, and the selection it gives over
    the register as known at the draw's `known_at` against the recorded one. `ok` only when both hold."""
    reader = caught_up_register(request.app.state.views, AFTER_TIMEOUT_SECONDS)
    return ledger.verify_draw(plan_id, reader).as_dict()


@router.get("/{plan_id}/completion", response_model=CompletionPublic, responses=problems.responses(401, 404, 422, 503))
def completion(plan_id: PlanId, by: CurrentOfficial,
               at: Annotated[ReadAt, waits_for("accountability")]) -> dict[str, Any]:
    """完成情况 at (as_of, known_at): each drawn enterprise inspected on time (within the period, by an assigned
    inspector, answering the plan), late, missed (not by the period's end) or pending; per inspector; and
    inspections answering the plan by someone not assigned to that enterprise."""
    found = draw_queries.completion(at.views, str(plan_id), at.as_of, at.known_at)
    if found is None:
        raise errors.NotFound(f"没有这个抽查计划 (no draw plan {plan_id} as known at {at.known_at.isoformat()})")
    return found
