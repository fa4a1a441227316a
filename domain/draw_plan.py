"""The DrawPlan aggregate (抽查计划): a random inspection plan, its committed seed, its draw and its publication.

Commit-reveal: the announcement stores only the SHA-256 of a secret seed; the draw
reveals the seed, is refused unless it hashes to that commitment, and records the
selection that domain/draw.py computes from the seed, the plan and the register as known
at the draw's `known_at` (given by the caller: the moment the draw read the register).
Everything recorded is public once published, seed included, so anyone can recompute it.

Events carry their actor and `occurred_on` like the Enterprise's. A plan moves
announced → drawn → published; it may be cancelled (with a reason) until published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from fractions import Fraction
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import draw as draws
from domain import errors
from domain.actor import Actor
from domain.acts import Act
from domain.recording_clock import RecordedInOrder, recording_time
from domain.text import refuse_control_characters
from domain.values import Kind, ProductCategory

ANNOUNCED, DRAWN, PUBLISHED, CANCELLED = "announced", "drawn", "published", "cancelled"
STATES = {ANNOUNCED: "已发布计划", DRAWN: "已抽取", PUBLISHED: "已公示", CANCELLED: "已撤销"}
_COMMITMENT = re.compile(r"^[0-9a-f]{64}$")
MIN_INSPECTORS_PER_TARGET = 2  # at least two law-enforcement officers act together


class DrawPlan(RecordedInOrder, Aggregate):
    """One random inspection plan (双随机抽查计划) of one unit."""

    class Event(Aggregate.Event):
        create_timestamp = staticmethod(recording_time)
        act: ClassVar[Act]
        label: ClassVar[str]
        actor: Actor
        occurred_on: date

    class Announced(Event, Aggregate.Created):
        act = Act.ANNOUNCE_DRAW
        label = "发布抽查计划"
        name: str
        unit: str
        towns: list[str]
        kinds: list[str]
        categories: list[str]
        high_risk_categories: list[str]
        strata: dict[str, dict[str, Any]]
        inspectors_per_target: int
        period_start: date
        period_end: date
        cross_town: bool
        recent_months: int
        seed_commitment: str
        notes: str

    class Drawn(Event):
        act = Act.DRAW
        label = "随机抽取"
        seed: str
        known_at: datetime
        strata: list[dict[str, Any]]
        targets: list[dict[str, Any]]

    class Published(Event):
        act = Act.PUBLISH_DRAW
        label = "公示抽查结果"

    class Cancelled(Event):
        act = Act.CANCEL_DRAW
        label = "撤销抽查计划"
        reason: str

    # -- announcement ------------------------------------------------------------------

    @classmethod
    def announce(
        cls,
        *,
        actor: Actor,
        today: date,
        name: str,
        strata: Mapping[str, Mapping[str, Any]],
        period_start: date,
        period_end: date,
        seed_commitment: str,
        towns: Iterable[str] = (),
        kinds: Iterable[str] = (),
        categories: Iterable[str] = (),
        high_risk_categories: Iterable[str] = (),
        inspectors_per_target: int = MIN_INSPECTORS_PER_TARGET,
        cross_town: bool = False,
        recent_months: int = 0,
        notes: str = "",
    ) -> DrawPlan:
        refuse_control_characters(locals())
        name = (name or "").strip()
        if not name:
            raise errors.BlankValue("计划名称不能为空 (name must not be blank)", field="name")
        quotas = _quotas(strata)
        if not MIN_INSPECTORS_PER_TARGET <= inspectors_per_target <= 10:
            raise errors.InvalidPlan("每户检查人员须为 2 至 10 名 (inspectors_per_target: 2 to 10)",
                                     field="inspectors_per_target")
        if period_end < period_start:
            raise errors.InvalidPlan("检查期限结束日不能早于开始日 (period_end before period_start)",
                                     field="period_end")
        if period_end < today:
            raise errors.InvalidPlan(f"检查期限已于 {period_end} 结束 (the period ended before today, {today})",
                                     field="period_end")
        if not 0 <= recent_months <= 60:
            raise errors.InvalidPlan("近期检查回避月数须为 0 至 60 (recent_months: 0 to 60)", field="recent_months")
        commitment = (seed_commitment or "").strip()
        if not _COMMITMENT.match(commitment):
            raise errors.InvalidCommitment("种子承诺须为 64 位小写十六进制 SHA-256 (seed_commitment: 64 lower-case hex "
                                           "digits, the SHA-256 of the seed)")
        return cls(
            id=uuid4(),
            actor=actor,
            occurred_on=today,
            name=name,
            unit=actor.unit,
            towns=sorted({t.strip() for t in towns if t.strip()}),
            kinds=sorted({Kind(k).value for k in kinds}),
            categories=sorted({ProductCategory(c).value for c in categories}),
            high_risk_categories=sorted({ProductCategory(c).value for c in high_risk_categories}),
            strata={s: q.as_dict() for s, q in quotas.items()},
            inspectors_per_target=int(inspectors_per_target),
            period_start=period_start,
            period_end=period_end,
            cross_town=bool(cross_town),
            recent_months=int(recent_months),
            seed_commitment=commitment,
            notes=notes,
        )

    @event(Announced)
    def __init__(
        self,
        *,
        id: UUID,  # noqa: A002 - the library's name for the aggregate id
        actor: Actor,
        occurred_on: date,
        name: str,
        unit: str,
        towns: list[str],
        kinds: list[str],
        categories: list[str],
        high_risk_categories: list[str],
        strata: dict[str, dict[str, Any]],
        inspectors_per_target: int,
        period_start: date,
        period_end: date,
        cross_town: bool,
        recent_months: int,
        seed_commitment: str,
        notes: str,
    ) -> None:
        self.name = name
        self.unit = unit
        self.announced_by = actor
        self.announced_on = occurred_on
        self.rules = draws.PlanRules(
            towns=tuple(towns), kinds=tuple(kinds), categories=tuple(categories),
            high_risk_categories=tuple(high_risk_categories),
            quotas={s: draws.Quota(**q) for s, q in strata.items()},
            inspectors_per_target=int(inspectors_per_target), cross_town=bool(cross_town),
            recent_months=int(recent_months),
        )
        self.period_start = period_start
        self.period_end = period_end
        self.seed_commitment = seed_commitment
        self.notes = notes
        self.state = ANNOUNCED
        self.seed: str | None = None
        self.known_at: datetime | None = None
        self.drawn_on: date | None = None
        self.selection: draws.Selection | None = None
        self.published_on: date | None = None
        self.cancelled: tuple[date, str] | None = None

    # -- the draw ----------------------------------------------------------------------

    def draw(self, *, actor: Actor, today: date, seed: str, known_at: datetime, register: draws.Register) -> None:
        """随机抽取: reveals the seed and records the selection it gives over `register` (read at (today, known_at))."""
        refuse_control_characters({"seed": seed})
        self._check_state(ANNOUNCED, "抽取", "drawn")
        if today > self.period_end:
            raise errors.PlanNotOpen(
                f"检查期限已于 {self.period_end} 结束 (the plan's period ended on {self.period_end})")
        if not seed or draws.commitment(seed) != self.seed_commitment:
            raise errors.SeedMismatch(
                f"种子的 SHA-256 与计划公布的承诺 {self.seed_commitment} 不符 "
                f"(the seed's SHA-256 is not the commitment the plan announced)"
            )
        selection = draws.select(seed, self.rules, register)
        d = selection.as_dict()
        self._drawn(actor=actor, occurred_on=today, seed=seed, known_at=known_at, strata=d["strata"],
                    targets=d["targets"])

    @event(Drawn)
    def _drawn(self, actor: Actor, occurred_on: date, seed: str, known_at: datetime, strata: list[dict[str, Any]],
               targets: list[dict[str, Any]]) -> None:
        self.state = DRAWN
        self.seed = seed
        self.known_at = known_at
        self.drawn_on = occurred_on
        self.selection = draws.Selection.from_dict({"strata": strata, "targets": targets})

    def publish(self, *, actor: Actor, today: date) -> None:
        """公示: makes the plan, its draw and the inspections answering it public."""
        self._check_state(DRAWN, "公示", "published")
        self._published(actor=actor, occurred_on=today)

    @event(Published)
    def _published(self, actor: Actor, occurred_on: date) -> None:
        self.state = PUBLISHED
        self.published_on = occurred_on

    def cancel(self, *, actor: Actor, today: date, reason: str) -> None:
        refuse_control_characters(locals())
        reason = (reason or "").strip()
        if not reason:
            raise errors.ReasonRequired("撤销须说明理由 (a cancellation gives a reason)")
        if self.state in (PUBLISHED, CANCELLED):
            raise errors.PlanNotOpen(
                f"计划{STATES[self.state]}，不能撤销 (the plan is {self.state}: it cannot be cancelled)")
        self._cancelled(actor=actor, occurred_on=today, reason=reason)

    @event(Cancelled)
    def _cancelled(self, actor: Actor, occurred_on: date, reason: str) -> None:
        self.state = CANCELLED
        self.cancelled = (occurred_on, reason)

    # -- questions -------------------------------------------------------------------------

    def target(self, enterprise_id: UUID | str) -> draws.Target | None:
        """The drawn enterprise's entry in the selection (None if the plan has not drawn it)."""
        if self.selection is None:
            return None
        return next((t for t in self.selection.targets if t.enterprise_id == str(enterprise_id)), None)

    def check_answered_by(self, enterprise_id: UUID | str) -> None:
        """Refuses (NotADrawnTarget) an inspection naming this plan unless the plan drew the enterprise and stands."""
        if self.state not in (DRAWN, PUBLISHED) or self.target(enterprise_id) is None:
            raise errors.NotADrawnTarget(
                f"企业 {enterprise_id} 不是抽查计划「{self.name}」抽中的检查对象 "
                f"(enterprise {enterprise_id} was not drawn by plan {self.id}, or the plan is {self.state})"
            )

    def _check_state(self, wanted: str, verb: str, done: str) -> None:
        if self.state != wanted:
            raise errors.PlanNotOpen(
                f"计划{STATES[self.state]}，不能{verb} (the plan is {self.state}; only a plan {wanted} can be {done})"
            )


def _quotas(strata: Mapping[str, Mapping[str, Any]]) -> dict[str, draws.Quota]:
    """One quota per stratum, all three named; ratios differentiated (差异化抽查): the bad-record and
    high-risk strata are drawn at a ratio no lower than the general one's."""
    names = {s.value for s in draws.STRATA}
    unknown = sorted(set(strata) - names)
    if unknown:
        raise errors.InvalidPlan(f"未知的分层 {unknown} (unknown strata; they are {sorted(names)})", field="strata")
    missing = [s.value for s in draws.STRATA if s.value not in strata]
    if missing:
        raise errors.InvalidPlan(f"缺少分层 {missing} (each stratum needs a ratio or a count)", field="strata")
    quotas = {s.value: draws.Quota.parse(s.value, dict(strata[s.value])) for s in draws.STRATA}
    general = quotas[draws.Stratum.GENERAL.value].ratio
    for stratum in (draws.Stratum.BAD_RECORD, draws.Stratum.HIGH_RISK):
        ratio = quotas[stratum.value].ratio
        if ratio is not None and general is not None and Fraction(ratio) < Fraction(general):
            raise errors.InvalidPlan(
                f"差异化抽查：「{stratum.label}」的比例 {ratio} 不得低于一般企业的 {general} "
                f"(the {stratum.value} ratio may not be below the general one)", field=f"strata.{stratum.value}.ratio")
    return quotas


# Every event a draw plan records, by its name (code that handles events keys on these names).
PLAN_EVENTS: dict[str, type[DrawPlan.Event]] = {
    cls.__name__: cls for cls in (DrawPlan.Announced, DrawPlan.Drawn, DrawPlan.Published, DrawPlan.Cancelled)
}
