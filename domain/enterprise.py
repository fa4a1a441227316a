"""The Enterprise aggregate: every act of the bureau on one enterprise, and its rules.

Events store enum members as their string values (the API's words), so renaming a
Python class never breaks decoding of old events. Each public command method checks
the rules first and only then triggers its event; the event's body only records, so
replaying old events never re-runs today's checks.

The aggregate keeps the *live* acts (those not retracted) by version. Every rule is a
question about that set, so a retraction simply removes the act it voids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain import credit_code as credit_codes
from domain import errors
from domain.actor import Actor
from domain.acts import Act
from domain.recording_clock import RecordedInOrder, recording_time
from domain.text import identifying, refuse_control_characters
from domain.values import (
    Area,
    ClosureReason,
    FindingCode,
    Kind,
    LicenseType,
    Outcome,
    ProductCategory,
    SampleResult,
)

# Acts a closed enterprise still accepts: checking that it stays closed, and corrections.
ALLOWED_WHEN_CLOSED = frozenset({Act.INSPECT, Act.RETRACT})


@dataclass
class LiveAct:
    """A live (not retracted) event, as the rules need it: its event's name, date and what rules ask of it."""

    type: str
    occurred_on: date
    data: dict[str, Any] = field(default_factory=dict)


def _text(value: str, name: str) -> str:
    """An identifying value in its one spelling (domain.text.identifying), refused when blank."""
    value = identifying(value, name)
    if not value:
        raise errors.BlankValue(f"{name} 不能为空 ({name} must not be blank)", field=name)
    return value


def _texts(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


class Enterprise(RecordedInOrder, Aggregate):
    """One registered enterprise (企业/小作坊/销售点) and what the bureau did to it."""

    # -- its events: each the record of one act, with who did it and when it happened -------

    class Event(Aggregate.Event):
        create_timestamp = staticmethod(recording_time)
        act: ClassVar[Act]
        label: ClassVar[str]  # what people call the record (the timeline, the accountability tables)
        actor: Actor
        occurred_on: date

    class Registered(Event, Aggregate.Created):
        act = Act.REGISTER
        label = "登记建档"
        name: str
        credit_code: str | None
        credit_code_verified_by_hand: bool
        address: str
        town: str
        area: str
        kind: str
        product_categories: list[str]
        notes: str

    class Inspected(Event):
        act = Act.INSPECT
        label = "检查"
        class_version = 2
        outcome: str
        findings: list[str]
        notes: str
        draw_id: str | None  # the draw plan (双随机) this inspection answers, if any; since version 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Inspections recorded before draws existed answer none."""
            state["draw_id"] = None

    class OrderedToRectify(Event):
        act = Act.ORDER_TO_RECTIFY
        label = "责令限期整改"
        order_no: str
        deadline: date
        items: list[str]
        notes: str

    class RectificationVerified(Event):
        act = Act.VERIFY_RECTIFICATION
        label = "整改复查"
        order_no: str
        passed: bool
        notes: str

    class Licensed(Event):
        act = Act.GRANT_LICENSE
        label = "取得许可证"
        license_type: str
        license_no: str
        valid_until: date
        notes: str

    class LicenseReviewed(Event):
        act = Act.REVIEW_LICENSE
        label = "年审"
        license_no: str
        year: int
        passed: bool
        notes: str

    class SamplePassed(Event):
        act = Act.RECORD_SAMPLE
        label = "抽检合格"
        sample_no: str
        product_category: str
        product: str
        lab: str
        notes: str

    class SampleFailed(Event):
        act = Act.RECORD_SAMPLE
        label = "抽检不合格"
        sample_no: str
        product_category: str
        product: str
        failed_items: list[str]
        lab: str
        notes: str

    class Closed(Event):
        act = Act.CLOSE
        label = "关停/取缔"
        reason: str
        decision_no: str
        notes: str

    class Retracted(Event):
        act = Act.RETRACT
        label = "更正"
        event_version: int
        reason: str

    # -- registration --------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        name: str,
        town: str,
        area: Area,
        kind: Kind,
        product_categories: Iterable[ProductCategory] = (),
        credit_code: str | None = None,
        credit_code_verified_by_hand: bool = False,
        address: str = "",
        notes: str = "",
    ) -> Enterprise:
        refuse_control_characters(locals())
        _check_not_future(occurred_on, today)
        code = None
        credit_code = identifying(credit_code, "credit_code")  # full-width digits are the same code
        if credit_code:
            code = credit_codes.validate(credit_code, verified_by_hand=credit_code_verified_by_hand)
        # The flag is kept only when it mattered: a code that fails its check.
        by_hand = bool(
            code is not None and credit_code_verified_by_hand and code[17] != credit_codes.check_character(code[:17])
        )
        return cls(
            id=uuid4(),
            actor=actor,
            occurred_on=occurred_on,
            name=_text(name, "name"),
            credit_code=code,
            credit_code_verified_by_hand=by_hand,
            address=identifying(address, "address"),
            town=_text(town, "town"),
            area=Area(area).value,
            kind=Kind(kind).value,
            product_categories=sorted({ProductCategory(c).value for c in product_categories}),
            notes=notes,
        )

    @event(Registered)
    def __init__(
        self,
        *,
        id: UUID,  # noqa: A002 - the library's name for the aggregate id
        actor: Actor,
        occurred_on: date,
        name: str,
        credit_code: str | None,
        credit_code_verified_by_hand: bool,
        address: str,
        town: str,
        area: str,
        kind: str,
        product_categories: list[str],
        notes: str,
    ) -> None:
        self.name = name
        self.credit_code = credit_code
        self.address = address
        self.town = town
        self.area = Area(area)
        self.kind = Kind(kind)
        self.product_categories = [ProductCategory(c) for c in product_categories]
        self.registered_on = occurred_on
        self.acts: dict[int, LiveAct] = {}
        self.retracted: dict[int, int] = {}  # voided version -> version of the retraction

    # -- the rules' view of the state ---------------------------------------------

    def live(self, event_class: type[Event]) -> Iterable[tuple[int, LiveAct]]:
        name = event_class.__name__
        return ((v, a) for v, a in self.acts.items() if a.type == name)

    @property
    def closed_on(self) -> date | None:
        dates = [a.occurred_on for _, a in self.live(self.Closed)]
        return min(dates) if dates else None

    def order(self, order_no: str) -> LiveAct | None:
        return next((a for _, a in self.live(self.OrderedToRectify) if a.data["order_no"] == order_no), None)

    def order_is_open(self, order_no: str) -> bool:
        return self.order(order_no) is not None and not any(
            a.data["order_no"] == order_no and a.data["passed"] for _, a in self.live(self.RectificationVerified)
        )

    def license(self, license_no: str) -> LiveAct | None:
        return next((a for _, a in self.live(self.Licensed) if a.data["license_no"] == license_no), None)

    def _sample_numbers(self) -> set[str]:
        return {a.data["sample_no"] for t in (self.SamplePassed, self.SampleFailed) for _, a in self.live(t)}

    def _check_dated(self, occurred_on: date, today: date, act: Act) -> None:
        _check_not_future(occurred_on, today)
        if occurred_on < self.registered_on:
            raise errors.BeforeRegistration(
                f"日期 {occurred_on} 早于企业建档日期 {self.registered_on} "
                f"(occurred_on {occurred_on} is before the registration on {self.registered_on})"
            )
        closed_on = self.closed_on
        if closed_on is not None and act not in ALLOWED_WHEN_CLOSED and occurred_on >= closed_on:
            raise errors.EnterpriseClosed(
                f"企业已于 {closed_on} 关停，此后只接受检查和更正 "
                f"(closed on {closed_on}: only inspections and retractions are accepted from then on)"
            )

    # -- commands --------------------------------------------------------------------

    def inspect(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        outcome: Outcome,
        findings: Iterable[FindingCode] = (),
        notes: str = "",
        draw_id: UUID | None = None,
    ) -> None:
        """检查. `draw_id` names the draw plan it answers; the ledger checks that the plan drew this enterprise."""
        refuse_control_characters(locals())
        self._check_dated(occurred_on, today, Act.INSPECT)
        outcome = Outcome(outcome)
        codes = sorted({FindingCode(f).value for f in findings})
        if outcome is Outcome.VIOLATION and not codes:
            raise errors.ViolationWithoutFindings(
                "结论为违法违规时须至少列出一项问题 (a violation lists at least one finding)"
            )
        self._inspected(actor=actor, occurred_on=occurred_on, outcome=outcome.value, findings=codes, notes=notes,
                        draw_id=None if draw_id is None else str(draw_id))

    @event(Inspected)
    def _inspected(self, actor: Actor, occurred_on: date, outcome: str, findings: list[str], notes: str,
                   draw_id: str | None = None) -> None:
        self._record(self.Inspected, occurred_on, outcome=outcome, findings=findings, inspector_id=actor.official_id)

    def order_to_rectify(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        order_no: str,
        deadline: date,
        items: Iterable[str],
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        order_no = _text(order_no, "order_no")
        item_list = _texts(items)
        if not item_list:
            raise errors.NoItems("整改通知须至少列出一项整改内容 (an order lists at least one item)")
        if deadline <= occurred_on:
            raise errors.DeadlineNotAfterOrder(
                f"整改期限 {deadline} 须晚于下达日期 {occurred_on} (deadline must be after the order's date)"
            )
        self._check_dated(occurred_on, today, Act.ORDER_TO_RECTIFY)
        if self.order(order_no) is not None:
            raise errors.DuplicateOrderNo(f"整改通知书编号 {order_no} 已存在 (order number {order_no} is already used)")
        self._ordered_to_rectify(
            actor=actor, occurred_on=occurred_on, order_no=order_no, deadline=deadline, items=item_list, notes=notes
        )

    @event(OrderedToRectify)
    def _ordered_to_rectify(
        self, actor: Actor, occurred_on: date, order_no: str, deadline: date, items: list[str], notes: str
    ) -> None:
        self._record(self.OrderedToRectify, occurred_on, order_no=order_no, deadline=deadline)

    def verify_rectification(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        order_no: str,
        passed: bool,
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        order_no = _text(order_no, "order_no")
        self._check_dated(occurred_on, today, Act.VERIFY_RECTIFICATION)
        order = self.order(order_no)
        if order is None or not self.order_is_open(order_no):
            raise errors.OrderNotOpen(
                f"整改通知 {order_no} 不存在或已复查通过 (order {order_no} is unknown or already verified as passed)"
            )
        if occurred_on < order.occurred_on:
            raise errors.VerificationBeforeOrder(
                f"复查日期 {occurred_on} 早于整改通知日期 {order.occurred_on} "
                "(a verification is dated on or after its order)"
            )
        self._rectification_verified(actor=actor, occurred_on=occurred_on, order_no=order_no, passed=bool(passed),
                                     notes=notes)

    @event(RectificationVerified)
    def _rectification_verified(self, actor: Actor, occurred_on: date, order_no: str, passed: bool, notes: str) -> None:
        self._record(self.RectificationVerified, occurred_on, order_no=order_no, passed=passed)

    def grant_license(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        license_type: LicenseType,
        license_no: str,
        valid_until: date,
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        license_no = _text(license_no, "license_no")
        license_type = LicenseType(license_type)
        if valid_until <= occurred_on:
            raise errors.ValidUntilNotAfterGrant(
                f"有效期至 {valid_until} 须晚于发证日期 {occurred_on} (valid_until must be after the grant)"
            )
        self._check_dated(occurred_on, today, Act.GRANT_LICENSE)
        if license_type is not self.kind.required_license:
            raise errors.LicenseTypeMismatch(
                f"{self.kind.label}应持{self.kind.required_license.label}，不是{license_type.label} "
                f"(a {self.kind.value} holds {self.kind.required_license.value}, not {license_type.value})"
            )
        if self.license(license_no) is not None:
            raise errors.DuplicateLicenseNo(
                f"证书编号 {license_no} 已存在 (license number {license_no} is already used)"
            )
        self._licensed(
            actor=actor,
            occurred_on=occurred_on,
            license_type=license_type.value,
            license_no=license_no,
            valid_until=valid_until,
            notes=notes,
        )

    @event(Licensed)
    def _licensed(
        self, actor: Actor, occurred_on: date, license_type: str, license_no: str, valid_until: date, notes: str
    ) -> None:
        self._record(self.Licensed, occurred_on, license_no=license_no, license_type=license_type,
                     valid_until=valid_until)

    def review_license(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        license_no: str,
        year: int,
        passed: bool = True,
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        license_no = _text(license_no, "license_no")
        self._check_dated(occurred_on, today, Act.REVIEW_LICENSE)
        held = self.license(license_no)
        if held is None:
            raise errors.LicenseNotHeld(f"企业未持有证书 {license_no} (the enterprise holds no license {license_no})")
        if occurred_on < held.occurred_on:
            raise errors.ReviewBeforeGrant(f"年审日期早于发证日期 {held.occurred_on} (review dated before the grant)")
        reviews = (a for _, a in self.live(self.LicenseReviewed))
        if any(a.data["license_no"] == license_no and a.data["year"] == year for a in reviews):
            raise errors.DuplicateReview(f"证书 {license_no} 的 {year} 年度年审已记录 (already reviewed for {year})")
        self._license_reviewed(
            actor=actor, occurred_on=occurred_on, license_no=license_no, year=int(year), passed=bool(passed),
            notes=notes
        )

    @event(LicenseReviewed)
    def _license_reviewed(
        self, actor: Actor, occurred_on: date, license_no: str, year: int, passed: bool, notes: str
    ) -> None:
        self._record(self.LicenseReviewed, occurred_on, license_no=license_no, year=year)

    def record_sample(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        sample_no: str,
        product_category: ProductCategory,
        result: SampleResult,
        product: str = "",
        failed_items: Iterable[str] = (),
        lab: str = "",
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        sample_no = _text(sample_no, "sample_no")
        result = SampleResult(result)
        category = ProductCategory(product_category).value
        failed = _texts(failed_items)
        if result is SampleResult.FAIL and not failed:
            raise errors.FailedSampleWithoutItems("不合格样品须列出不合格项目 (a failed sample lists its failed items)")
        self._check_dated(occurred_on, today, Act.RECORD_SAMPLE)
        if sample_no in self._sample_numbers():
            raise errors.DuplicateSampleNo(f"抽样编号 {sample_no} 已存在 (sample number {sample_no} is already used)")
        if result is SampleResult.PASS:
            self._sample_passed(
                actor=actor, occurred_on=occurred_on, sample_no=sample_no, product_category=category,
                product=product, lab=lab, notes=notes,
            )
        else:
            self._sample_failed(
                actor=actor, occurred_on=occurred_on, sample_no=sample_no, product_category=category,
                product=product, failed_items=failed, lab=lab, notes=notes,
            )

    @event(SamplePassed)
    def _sample_passed(
        self, actor: Actor, occurred_on: date, sample_no: str, product_category: str, product: str, lab: str, notes: str
    ) -> None:
        self._record(self.SamplePassed, occurred_on, sample_no=sample_no)

    @event(SampleFailed)
    def _sample_failed(
        self,
        actor: Actor,
        occurred_on: date,
        sample_no: str,
        product_category: str,
        product: str,
        failed_items: list[str],
        lab: str,
        notes: str,
    ) -> None:
        self._record(self.SampleFailed, occurred_on, sample_no=sample_no)

    def close(
        self,
        *,
        actor: Actor,
        today: date,
        occurred_on: date,
        reason: ClosureReason,
        decision_no: str = "",
        notes: str = "",
    ) -> None:
        refuse_control_characters(locals())
        reason = ClosureReason(reason)
        decision_no = identifying(decision_no, "decision_no")
        self._check_dated(occurred_on, today, Act.CLOSE)
        self._closed(actor=actor, occurred_on=occurred_on, reason=reason.value, decision_no=decision_no, notes=notes)

    @event(Closed)
    def _closed(self, actor: Actor, occurred_on: date, reason: str, decision_no: str, notes: str) -> None:
        self._record(self.Closed, occurred_on)

    def retract(self, *, actor: Actor, today: date, occurred_on: date, event_version: int, reason: str) -> None:
        refuse_control_characters(locals())
        reason = (reason or "").strip()
        if not reason:
            raise errors.ReasonRequired("更正须说明理由 (a retraction gives a reason)")
        self._check_dated(occurred_on, today, Act.RETRACT)
        target = self.acts.get(event_version)
        if event_version == 1:
            raise errors.CannotRetract("建档事件不能更正 (the registration cannot be retracted)")
        if event_version in self.retracted:
            raise errors.CannotRetract(
                f"第 {event_version} 号事件已于第 {self.retracted[event_version]} 号事件更正 (already retracted)"
            )
        if target is None:
            raise errors.CannotRetract(
                f"本企业没有可更正的第 {event_version} 号事件 "
                f"(no event {event_version} of this enterprise can be retracted)"
            )
        dependants = self._dependants(target)
        if dependants:
            raise errors.CannotRetract(
                f"请先更正依赖它的事件 {dependants} (retract the events that depend on it first: versions {dependants})"
            )
        self._retracted(actor=actor, occurred_on=occurred_on, event_version=event_version, reason=reason)

    def _dependants(self, target: LiveAct) -> list[int]:
        """Live acts that refer to the target: a verification to its order, a review to its license."""
        refs: type[Enterprise.Event]
        if target.type == self.OrderedToRectify.__name__:
            key, refs = "order_no", self.RectificationVerified
        elif target.type == self.Licensed.__name__:
            key, refs = "license_no", self.LicenseReviewed
        else:
            return []
        return sorted(v for v, a in self.live(refs) if a.data[key] == target.data[key])

    @event(Retracted)
    def _retracted(self, actor: Actor, occurred_on: date, event_version: int, reason: str) -> None:
        self.acts.pop(event_version, None)
        self.retracted[event_version] = self.version + 1  # the version this event is about to get

    # -- helpers ---------------------------------------------------------------------

    def _record(self, event_class: type[Event], occurred_on: date, **data: Any) -> None:
        # self.version is the version of the previous event while an event is applied.
        self.acts[self.version + 1] = LiveAct(event_class.__name__, occurred_on, data)


# Every event an enterprise records, by its name (its class's name: how the log's topics
# and the views' rows name it). Code that handles events keys on these names and is
# tested to handle every one (tests/unit/test_events_handled.py).
EVENTS: dict[str, type[Enterprise.Event]] = {
    cls.__name__: cls
    for cls in (Enterprise.Registered, Enterprise.Inspected, Enterprise.OrderedToRectify,
                Enterprise.RectificationVerified, Enterprise.Licensed, Enterprise.LicenseReviewed,
                Enterprise.SamplePassed, Enterprise.SampleFailed, Enterprise.Closed, Enterprise.Retracted)
}
REGISTERED = Enterprise.Registered.__name__
INSPECTED = Enterprise.Inspected.__name__
ORDERED_TO_RECTIFY = Enterprise.OrderedToRectify.__name__
RECTIFICATION_VERIFIED = Enterprise.RectificationVerified.__name__
LICENSED = Enterprise.Licensed.__name__
LICENSE_REVIEWED = Enterprise.LicenseReviewed.__name__
SAMPLE_PASSED = Enterprise.SamplePassed.__name__
SAMPLE_FAILED = Enterprise.SampleFailed.__name__
CLOSED = Enterprise.Closed.__name__
RETRACTED = Enterprise.Retracted.__name__
SAMPLES = (SAMPLE_PASSED, SAMPLE_FAILED)


def _check_not_future(occurred_on: date, today: date) -> None:
    if occurred_on > today:
        raise errors.DateInFuture(f"日期 {occurred_on} 晚于今天 {today} (occurred_on may not be after today, {today})")


class CreditCodeIndex(Aggregate):
    """Makes a credit code register at most once: its id is derived from the code."""

    @staticmethod
    def create_id(credit_code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/zhijian/credit-codes/{credit_code}")

    @event("Indexed")
    def __init__(self, credit_code: str, enterprise_id: UUID) -> None:
        self.credit_code = credit_code
        self.enterprise_id = enterprise_id
