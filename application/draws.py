"""Random inspections (双随机): draw plans announced, drawn, published, cancelled and verified; declared conflicts.

The ledger never reads the views itself: what a draw needs of the register comes in as a
function (`ReadRegister`) that the interface builds over the views, asked for the plan's
rules, the draw day and the `known_at` that the draw records. Verification asks the same
function for the day and moment the draw recorded, so it recomputes exactly what the draw
computed, or says where the record departs from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.commands import AnnounceDraw, CancelDraw, DeclareConflict, DrawTargets, PublishDraw
from application.results import CommandResult, Idempotency
from domain import draw as draws
from domain import errors
from domain.acts import Act
from domain.draw_plan import DrawPlan
from domain.enterprise import Enterprise
from domain.official import Caller, Official
from domain.permissions import authorise_announcement, authorise_declaration, authorise_plan

ReadRegister = Callable[[draws.PlanRules, date, datetime], draws.Register]

_A = TypeVar("_A")


@dataclass(frozen=True)
class Verification:
    """What recomputing a draw from the log found."""

    plan_id: UUID
    drawn: bool
    commitment_matches: bool
    selection_matches: bool
    differences: list[str]

    @property
    def ok(self) -> bool:
        return self.drawn and self.commitment_matches and self.selection_matches

    def as_dict(self) -> dict[str, Any]:
        return {"plan_id": str(self.plan_id), "ok": self.ok, "drawn": self.drawn,
                "commitment_matches": self.commitment_matches, "selection_matches": self.selection_matches,
                "differences": self.differences}


class DrawsMixin:
    """The Ledger's use cases about draw plans (mixed into `application.ledger.Ledger`, which provides
    `save`, `_get`, `_replay`, `_save_command` and `command_retries`)."""

    if TYPE_CHECKING:  # what the Ledger provides, as the type checker should see it
        command_retries: int

        def save(self, *objs: Any, **kwargs: Any) -> Any: ...
        events: Any

        def _get(self, cls: type[_A], aggregate_id: UUID, what: str, version: int | None = None) -> _A: ...
        def _replay(self, by: Caller, idempotency: Idempotency | None) -> CommandResult | None: ...
        def _save_command(self, aggregate: Any, extra: Any, by: Caller,
                          idempotency: Idempotency | None) -> CommandResult: ...

    def announce_draw(self, command: AnnounceDraw, *, by: Caller, today: date,
                      idempotency: Idempotency | None = None) -> CommandResult:
        """发布抽查计划: a supervisor announces a plan, with the commitment of its seed, for their unit."""
        authorise_announcement(by, tuple(command.towns))
        replay = self._replay(by, idempotency)
        if replay is not None:
            return replay
        plan = command.create(by.as_actor, today)
        try:
            return self._save_command(plan, [], by, idempotency)
        except IntegrityError:
            replay = self._replay(by, idempotency)
            if replay is not None:
                return replay
            raise

    def draw(self, plan_id: UUID, command: DrawTargets, *, read_register: ReadRegister, known_at: datetime,
             by: Caller, today: date, idempotency: Idempotency | None = None) -> CommandResult:
        """随机抽取: reveals the seed and records the selection over the register as known at `known_at`."""
        def decide(plan: DrawPlan) -> None:
            register = read_register(plan.rules, today, known_at)
            plan.draw(actor=by.as_actor, today=today, seed=command.seed, known_at=known_at, register=register)

        return self._on_plan(plan_id, by, Act.DRAW, idempotency, decide)

    def publish_draw(self, plan_id: UUID, command: PublishDraw, *, by: Caller, today: date,
                     idempotency: Idempotency | None = None) -> CommandResult:
        return self._on_plan(plan_id, by, Act.PUBLISH_DRAW, idempotency,
                             lambda plan: plan.publish(actor=by.as_actor, today=today))

    def cancel_draw(self, plan_id: UUID, command: CancelDraw, *, by: Caller, today: date,
                    idempotency: Idempotency | None = None) -> CommandResult:
        return self._on_plan(plan_id, by, Act.CANCEL_DRAW, idempotency,
                             lambda plan: plan.cancel(actor=by.as_actor, today=today, reason=command.reason))

    def declare_conflict(self, official_id: UUID, command: DeclareConflict, *, by: Caller, today: date,
                         idempotency: Idempotency | None = None) -> CommandResult:
        """申报回避: records on the official a conflict with an (existing) enterprise."""
        authorise_declaration(by, official_id)
        self._get(Enterprise, command.enterprise_id, "enterprise")
        for _ in range(max(1, self.command_retries)):
            replay = self._replay(by, idempotency)
            if replay is not None:
                return replay
            official: Official = self._get(Official, official_id, "official")
            official.declare_conflict(actor=by.as_actor, today=today, enterprise_id=command.enterprise_id,
                                      reason=command.reason)
            try:
                return self._save_command(official, [], by, idempotency)
            except IntegrityError:
                continue
        raise errors.ConcurrencyConflict("并发写入过多，请重试 (too many concurrent writes; try again)")

    def _on_plan(self, plan_id: UUID, by: Caller, act: Act, idempotency: Idempotency | None,
                 decide: Callable[[DrawPlan], None]) -> CommandResult:
        """Load, authorise (the announcer's unit), decide, save; decided again if another writer won the race."""
        for _ in range(max(1, self.command_retries)):
            plan = self.draw_plan(plan_id)
            authorise_plan(by, act, plan.unit)
            replay = self._replay(by, idempotency)
            if replay is not None:
                return replay
            decide(plan)
            try:
                return self._save_command(plan, [], by, idempotency)
            except IntegrityError:
                continue
        raise errors.ConcurrencyConflict("并发写入过多，请重试 (too many concurrent writes; try again)")

    # -- queries -------------------------------------------------------------------------

    def draw_plan(self, plan_id: UUID, known_at: datetime | None = None) -> DrawPlan:
        """The plan as it stands, or as it was known at `known_at` (its events recorded by then): a copy, to
        read, never to save."""
        if known_at is None:
            return self._get(DrawPlan, plan_id, "draw plan")
        version = None
        for event in self.events.get(plan_id):  # in version order; a plan's events are few
            if event.timestamp > known_at:
                break
            version = event.originator_version
        if version is None:
            raise errors.NotFound(f"没有这个抽查计划 (no draw plan {plan_id} as known at {known_at.isoformat()})")
        return self._get(DrawPlan, plan_id, "draw plan", version=version)

    def describe_draw(self, plan_id: UUID, known_at: datetime | None = None) -> dict[str, Any]:
        """The plan as it stands (or as known at `known_at`), as plain values (the API's words): what
        GET /draws/{id} answers."""
        return describe(self.draw_plan(plan_id, known_at))

    def check_draw_answered(self, plan_id: UUID, enterprise_id: UUID) -> None:
        """Refuses an inspection naming a plan that did not draw the enterprise (or that does not exist)."""
        try:
            plan = self.draw_plan(plan_id)
        except errors.NotFound:
            raise errors.NotADrawnTarget(f"没有这个抽查计划 (no draw plan {plan_id})") from None
        plan.check_answered_by(enterprise_id)

    def verify_draw(self, plan_id: UUID, read_register: ReadRegister) -> Verification:
        """Recomputes the plan's draw from its recorded seed over the register at its recorded (day, known_at)."""
        plan = self.draw_plan(plan_id)
        if plan.selection is None or plan.seed is None or plan.known_at is None or plan.drawn_on is None:
            return Verification(plan.id, False, False, False, ["the plan has not been drawn"])
        commitment_matches = draws.commitment(plan.seed) == plan.seed_commitment
        try:
            recomputed = draws.select(plan.seed, plan.rules, read_register(plan.rules, plan.drawn_on, plan.known_at))
            found = draws.differences(plan.selection, recomputed)
        except errors.DrawImpossible as e:
            found = [f"the seed gives no possible draw: {e.detail}"]
        notes = ([] if commitment_matches else ["the recorded seed does not hash to the announced commitment"])
        return Verification(plan.id, True, commitment_matches, not found, notes + found)


def describe(plan: DrawPlan) -> dict[str, Any]:
    rules = plan.rules
    return {
        "plan_id": str(plan.id), "name": plan.name, "unit": plan.unit, "state": plan.state, "version": plan.version,
        "announced_by": {"official_id": str(plan.announced_by.official_id), "name": plan.announced_by.name},
        "announced_on": plan.announced_on.isoformat(),
        "scope": {"towns": list(rules.towns), "kinds": list(rules.kinds), "categories": list(rules.categories),
                  "high_risk_categories": list(rules.high_risk_categories)},
        "strata": {s: q.as_dict() for s, q in rules.quotas.items()},
        "inspectors_per_target": rules.inspectors_per_target, "cross_town": rules.cross_town,
        "recent_months": rules.recent_months,
        "period_start": plan.period_start.isoformat(), "period_end": plan.period_end.isoformat(),
        "seed_commitment": plan.seed_commitment, "seed": plan.seed,
        "known_at": plan.known_at.isoformat() if plan.known_at else None,
        "drawn_on": plan.drawn_on.isoformat() if plan.drawn_on else None,
        "published_on": plan.published_on.isoformat() if plan.published_on else None,
        "cancelled": None if plan.cancelled is None else {"occurred_on": plan.cancelled[0].isoformat(),
                                                          "reason": plan.cancelled[1]},
        "selection": None if plan.selection is None else plan.selection.as_dict(),
        "notes": plan.notes,
    }
