"""A realistic demo campaign: Chinese names, several towns and kinds, a few months of acts.

Deterministic (seeded), idempotent (a marker aggregate says it was done), and dated
within the campaign of the year whose implementation phase has begun by `today`.
Every act is recorded now, so each is "entered late" by the days since it occurred;
some are deliberately entered out of order, and one is retracted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.commands import (
    Close,
    GrantLicense,
    Inspect,
    OrderToRectify,
    RecordSample,
    Register,
    Retract,
    ReviewLicense,
    VerifyRectification,
)
from application.ledger import Ledger
from application.markers import DemoSeeded
from domain.actor import SYSTEM
from domain.bureau_time import BUREAU_TZ, bureau_date
from domain.credit_code import ALPHABET, check_character
from domain.official import Caller
from domain.recording_clock import fixed, simulated
from domain.values import (
    Area,
    ClosureReason,
    FindingCode,
    Kind,
    LicenseType,
    Outcome,
    ProductCategory,
    Role,
    SampleResult,
)

TOWNS = ["石桥镇", "河口镇", "青山镇", "柳林镇", "城东街道", "城西街道"]
AREAS = {"石桥镇": "rural", "河口镇": "urban_rural_fringe", "青山镇": "rural", "柳林镇": "rural",
         "城东街道": "urban_rural_fringe", "城西街道": "urban"}

# (name, kind, product categories, license type prefix)
ENTERPRISES = [
    ("张记豆腐坊", "small_workshop", ["bean_products"]),
    ("李家豆芽作坊", "small_workshop", ["bean_sprouts"]),
    ("王氏豆制品厂", "food_producer", ["bean_products"]),
    ("清泉桶装水厂", "food_producer", ["drinking_water"]),
    ("山泉纯净水有限公司", "food_producer", ["drinking_water"]),
    ("河口水产加工厂", "food_producer", ["aquatic_products"]),
    ("鲜达水产品店", "sales_point", ["aquatic_products"]),
    ("顺发肉制品厂", "food_producer", ["meat_products"]),
    ("刘记卤肉作坊", "small_workshop", ["meat_products"]),
    ("甜蜜糖果厂", "food_producer", ["candy"]),
    ("老窖白酒坊", "small_workshop", ["liquor"]),
    ("青山酒业有限公司", "food_producer", ["liquor"]),
    ("佳美食品塑料包装厂", "food_producer", ["food_plastic_packaging"]),
    ("惠民副食店", "sales_point", ["other_food", "candy"]),
    ("城东农贸市场豆腐摊", "sales_point", ["bean_products"]),
    ("陈记糕点作坊", "small_workshop", ["other_food"]),
    ("宏达水泵厂", "licensed_product_maker", ["water_pumps"]),
    ("劲风空压机有限公司", "licensed_product_maker", ["air_compressors"]),
    ("精工机械密封件厂", "licensed_product_maker", ["mechanical_seals"]),
    ("绿源电动车厂", "licensed_product_maker", ["electric_bicycles"]),
    ("永固橡胶制品厂", "licensed_product_maker", ["rubber_products"]),
    ("安达蓄电池有限公司", "licensed_product_maker", ["storage_batteries"]),
    ("华阳漆包线厂", "licensed_product_maker", ["enamelled_copper_wire"]),
    ("金龙电线电缆有限公司", "ccc_product_maker", ["wires_cables"]),
    ("华强插头插座厂", "ccc_product_maker", ["plugs"]),
    ("新星电机厂", "ccc_product_maker", ["small_power_motors"]),
    ("利达电动工具厂", "ccc_product_maker", ["power_tools"]),
    ("美发电器厂", "ccc_product_maker", ["hair_dryers"]),
    ("明亮灯具厂", "ccc_product_maker", ["lighting"]),
    ("正泰开关柜厂", "ccc_product_maker", ["low_voltage_electrical"]),
    ("赵家豆腐作坊", "small_workshop", ["bean_products"]),
    ("孙记肉松作坊", "small_workshop", ["meat_products"]),
    ("周氏水产冷冻厂", "food_producer", ["aquatic_products"]),
    ("吴家米酒坊", "small_workshop", ["liquor"]),
    ("郑记凉皮作坊", "small_workshop", ["other_food"]),
    ("冯记电线经销部", "ccc_product_maker", ["wires_cables"]),
]
LICENSE_PREFIX = {"food_production": "SC", "food_business": "JY", "workshop_registration": "XZF",
                  "industrial_production": "XK", "ccc": "CCC"}
FAIL_ITEMS = {
    "bean_products": ["苯甲酸及其钠盐", "脱氢乙酸"], "bean_sprouts": ["4-氯苯氧乙酸钠", "6-苄基腺嘌呤"],
    "drinking_water": ["菌落总数", "大肠菌群"], "aquatic_products": ["孔雀石绿", "氯霉素"],
    "meat_products": ["亚硝酸盐", "菌落总数"], "candy": ["柠檬黄"], "liquor": ["甲醇", "甜蜜素"],
    "other_food": ["铝的残留量"], "food_plastic_packaging": ["总迁移量"],
    "wires_cables": ["导体电阻", "绝缘厚度"], "plugs": ["插销尺寸", "耐热"],
}


def campaign_year(today: date) -> int:
    """The year of the campaign under way: this year once its implementation has begun."""
    return today.year if today >= date(today.year, 8, 20) else today.year - 1


def valid_credit_code(rng: random.Random) -> str:
    body = "91" + "3501" + f"{rng.randint(0, 99):02d}" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


@dataclass
class DemoResult:
    seeded: bool
    enterprises: int
    officials: dict[str, UUID]
    first_enterprise: UUID | None = None


def seed_demo(ledger: Ledger, today: date, now: datetime | None = None) -> DemoResult:
    """The demo campaign up to `today` (the bureau's), every act recorded before `now` (the clock's)."""
    try:
        marker = ledger.repository.get(DemoSeeded.ID)
        return DemoResult(False, marker.enterprises, dict(marker.officials))
    except AggregateNotFoundError:
        pass
    return _Seeder(ledger, today, now or datetime.now(UTC)).run()


class _Seeder:
    """Plans each enterprise's acts, then records them in order of entry under a simulated clock.

    Most acts are entered within two days; every fourth inspection or sample is entered
    one to four weeks late. An act is never entered before what it depends on (a
    verification after its order, a review after its licence).
    """

    def __init__(self, ledger: Ledger, today: date, now: datetime) -> None:
        self.ledger = ledger
        self.today = today
        self.rng = random.Random(20260803)  # noqa: S311 - seeded for reproducible demo data, not for secrets
        year = campaign_year(today)
        self.start = date(year, 8, 5)
        self.end = min(today, date(year, 12, 30))
        self.now = now
        self.plan: list[tuple[datetime, int, Callable[[date], Any]]] = []
        self.late_count = 0

    def day(self, after: date, within: int) -> date:
        return min(after + timedelta(days=self.rng.randint(1, within)), self.end)

    def at(self, on: date, act: Callable[[date], Any], *, after: datetime | None = None,
           may_be_late: bool = False) -> datetime:
        """Plans an act done on `on`; returns when it will be recorded."""
        delay = self.rng.randint(0, 2)
        if may_be_late:
            self.late_count += 1
            if self.late_count % 4 == 0:
                delay = self.rng.randint(8, 28)
        recorded = datetime.combine(on + timedelta(days=delay),
                                    time(9 + self.rng.randint(0, 8), self.rng.randint(0, 59)),
                                    tzinfo=BUREAU_TZ)
        if after is not None:
            recorded = max(recorded, after + timedelta(minutes=7))
        # Not after now, nor before the bureau's day it happened on began (just after the bureau's midnight,
        # "a minute ago" is yesterday, and an act of today cannot be recorded then).
        recorded = max(min(recorded, self.now - timedelta(minutes=1)), datetime.combine(on, time(0), tzinfo=BUREAU_TZ))
        self.plan.append((recorded, len(self.plan), act))
        return recorded

    def record_plan(self) -> None:
        for recorded, _, act in sorted(self.plan, key=lambda p: (p[0], p[1])):
            with simulated(fixed(recorded)):
                act(bureau_date(recorded))
        self.plan.clear()

    def run(self) -> DemoResult:
        led, rng = self.ledger, self.rng
        staff = [
            ("李明", "食品监管办", "supervisor", []),
            ("赵强", "监督稽查科", "supervisor", []),
            ("王芳", "石桥镇质监站", "inspector", ["石桥镇", "河口镇"]),
            ("张伟", "青山镇质监站", "inspector", ["青山镇", "柳林镇"]),
            ("刘洋", "城区质监所", "inspector", ["城东街道", "城西街道"]),
            ("陈静", "上级督查组", "auditor", []),
        ]
        officials: dict[str, Caller] = {}
        appointed_at = datetime.combine(self.start - timedelta(days=2), time(9, 0), tzinfo=BUREAU_TZ)
        with simulated(lambda: appointed_at):
            for name, unit, role, towns in staff:
                appointed = led.appoint_official(by=SYSTEM, today=bureau_date(appointed_at), name=name, unit=unit,
                                                 role=Role(role), towns=towns)
                officials[name] = led.authenticate(appointed.token)
        inspector_for = {t: officials[n] for n, _, _, towns in staff for t in towns}
        ids: list[UUID] = []
        for i, (name, kind, categories) in enumerate(ENTERPRISES):
            town = TOWNS[i % len(TOWNS)]
            inspector = inspector_for[town]
            chief = officials["李明"] if Kind(kind).is_food else officials["赵强"]
            registered_on = self.day(self.start, 20)
            code = None if kind == "small_workshop" and rng.random() < 0.6 else valid_credit_code(rng)
            address = f"{town}{rng.choice(['建设路', '人民路', '工业园', '新村', '老街'])}{rng.randint(1, 200)}号"

            def register(today: date, name: str = name, kind: str = kind, categories: list[str] = categories,
                         town: str = town, inspector: Caller = inspector, registered_on: date = registered_on,
                         code: str | None = code, address: str = address) -> None:
                ids.append(led.register(Register(occurred_on=registered_on, name=name, town=town,
                                                 area=Area(AREAS[town]), kind=Kind(kind),
                                                 product_categories=[ProductCategory(c) for c in categories],
                                                 credit_code=code, address=address),
                                        by=inspector, today=today).enterprise_id)

            registered_at = self.at(registered_on, register)
            self.record_plan()
            self.history(ids[-1], i, kind, categories, registered_on, registered_at, inspector, chief)
            self.record_plan()
        self.report_cases(ids, inspector_for, officials)
        self.record_plan()
        ids_by_name = {name: o.id for name, o in officials.items()}
        led.save(DemoSeeded(officials=ids_by_name, enterprises=len(ENTERPRISES)))
        return DemoResult(True, len(ENTERPRISES), ids_by_name, ids[0])

    def mistake(self, eid: UUID, on: date, registered_at: datetime, inspector: Caller, chief: Caller) -> None:
        """One mistaken record, corrected: an inspection entered twice, retracted a week later."""
        led = self.ledger
        twice_on = on + timedelta(days=3)
        duplicate: dict[str, int] = {}

        def enter_twice(today: date) -> None:
            duplicate["version"] = led.record(eid, Inspect(occurred_on=twice_on, outcome=Outcome.COMPLIANT,
                                                           notes="重复录入"),
                                              by=inspector, today=today).version

        entered = self.at(twice_on, enter_twice, after=registered_at)
        corrected_at = entered + timedelta(days=7)
        self.at(bureau_date(corrected_at),
                lambda t: led.record(eid,
                                     Retract(event_version=duplicate["version"], reason="同一次检查重复录入，予以更正"),
                                     by=chief, today=t), after=entered)

    def history(self, eid: UUID, i: int, kind: str, categories: list[str], on: date, registered_at: datetime,
                inspector: Caller, chief: Caller) -> None:
        led, rng = self.ledger, self.rng
        category = categories[0]
        inspected_on = self.day(on, 15)
        troubled = i % 3 == 1
        if troubled:
            findings = rng.sample([FindingCode.SUBSTANDARD_CONDITIONS, FindingCode.INCOMPLETE_LICENSES,
                                   FindingCode.THREE_NO, FindingCode.ADDITIVE_ABUSE, FindingCode.UNLICENSED], 2)
            self.at(inspected_on,
                    lambda t: led.record(eid,
                                         Inspect(occurred_on=inspected_on, outcome=Outcome.VIOLATION, findings=findings,
                                                      notes="现场检查发现问题"), by=inspector, today=t),
                    after=registered_at, may_be_late=True)
            order_no = f"质监责改〔{on.year}〕{i + 1:03d}号"
            deadline = inspected_on + timedelta(days=rng.choice([15, 20, 30]))
            ordered_at = self.at(inspected_on,
                                 lambda t: led.record(eid,
                                                      OrderToRectify(occurred_on=inspected_on, order_no=order_no,
                                                                     deadline=deadline,
                                                                     items=["完善生产场所卫生条件",
                                                                            "建立进货查验记录"]), by=chief,
                                                      today=t), after=registered_at)
            fate = i % 4
            if fate in (0, 1) and deadline - timedelta(days=2) <= self.end:
                verified_on = min(deadline + timedelta(days=5 * fate - 2), self.end)
                self.at(verified_on,
                        lambda t: led.record(eid,
                                             VerifyRectification(occurred_on=verified_on, order_no=order_no,
                                                                 passed=True,
                                                                 notes="复查合格" if fate == 0 else "逾期后复查合格"),
                                             by=chief, today=t), after=ordered_at)
            elif fate == 2 and inspected_on + timedelta(days=5) <= self.end:
                self.at(inspected_on + timedelta(days=5),
                        lambda t: led.record(eid,
                                             VerifyRectification(occurred_on=inspected_on + timedelta(days=5),
                                                                 order_no=order_no, passed=False, notes="复查仍不合格"),
                                             by=chief, today=t), after=ordered_at)
        else:
            outcome = Outcome.COMPLIANT if i % 3 == 0 else Outcome.DEFICIENT
            self.at(inspected_on,
                    lambda t: led.record(eid,
                                         Inspect(occurred_on=inspected_on, outcome=outcome,
                                                 findings=[] if outcome == Outcome.COMPLIANT
                                                 else [FindingCode.INCOMPLETE_LICENSES]),
                                         by=inspector, today=t), after=registered_at, may_be_late=True)
        required = Kind(kind).required_license.value
        if i % 5 != 4:
            licensed_on = self.day(inspected_on, 20)
            license_no = f"{LICENSE_PREFIX[required]}{rng.randint(10**9, 10**10 - 1)}"
            licensed_at = self.at(licensed_on,
                                  lambda t: led.record(eid,
                                                       GrantLicense(occurred_on=licensed_on,
                                                                    license_type=LicenseType(required),
                                                                    license_no=license_no,
                                                                    valid_until=licensed_on.replace(
                                                                        year=licensed_on.year + 3)),
                                                       by=chief, today=t),
                                  after=registered_at)
            if i % 4 != 3:
                reviewed_on = self.day(licensed_on, 20)
                self.at(reviewed_on,
                        lambda t: led.record(eid, ReviewLicense(occurred_on=reviewed_on, license_no=license_no,
                                                                year=licensed_on.year), by=chief, today=t),
                    after=licensed_at)
        if i % 2 == 0 or category in ("meat_products", "aquatic_products", "plugs", "wires_cables"):
            sampled_on = self.day(inspected_on, 40)
            fails = i % 6 == 0 or category in ("plugs",)
            failed_items = rng.sample(FAIL_ITEMS.get(category, ["标签标识"]), 1) if fails else []
            self.at(sampled_on,
                    lambda t: led.record(eid,
                                         RecordSample(occurred_on=sampled_on, sample_no=f"CJ{on.year}-{i + 1:04d}",
                                                      product_category=ProductCategory(category),
                                                      result=SampleResult.FAIL if fails else SampleResult.PASS,
                                                      product=f"{ProductCategory(category).label}样品",
                                                      failed_items=failed_items, lab="市产品质量监督检验所"),
                                         by=inspector, today=t), after=registered_at, may_be_late=True)
        if i == 0:
            self.mistake(eid, on, registered_at, inspector, chief)
        if kind == "small_workshop" and i % 7 == 0:
            last = max((p[0] for p in self.plan), default=registered_at)
            self.at(self.end,
                    lambda t: led.record(eid,
                                         Close(occurred_on=self.end, reason=ClosureReason.FRINGE_WORKSHOP,
                                               decision_no=f"取缔〔{on.year}〕{i:02d}号"), by=chief,
                                         today=t), after=last)

    def report_cases(self, ids: list[UUID], inspector_for: dict[str, Caller], officials: dict[str, Caller]) -> None:
        """A few more acts so that every part of the campaign report has something to show.

        A wire failure followed up by an order (后处理), a failed drinking-water sample, a
        bean-sprout failure, and a "three-no" stall closed after an inspection.
        """
        led = self.ledger
        by_name = {name: (eid, i) for i, ((name, _, _), eid) in enumerate(zip(ENTERPRISES, ids, strict=True))}
        chief_food, chief_ccc = officials["李明"], officials["赵强"]

        def on(days: int) -> date:
            return min(self.start + timedelta(days=days), self.end)

        def sample(name: str, days: int, category: str, product: str, failed: str) -> tuple[UUID, date, datetime]:
            eid, i = by_name[name]
            inspector = inspector_for[TOWNS[i % len(TOWNS)]]
            day = on(days)
            at = self.at(day,
                         lambda t: led.record(eid,
                                              RecordSample(occurred_on=day, sample_no=f"CJ{day.year}-{i + 1:04d}B",
                                                           product_category=ProductCategory(category),
                                                           result=SampleResult.FAIL, product=product,
                                                           failed_items=[failed], lab="市产品质量监督检验所"),
                                              by=inspector, today=t))
            return eid, day, at

        wires, failed_on, failed_at = sample("金龙电线电缆有限公司", 48, "wires_cables", "BV2.5电线", "导体电阻")
        ordered_on = min(failed_on + timedelta(days=3), self.end)
        self.at(ordered_on,
                lambda t: led.record(wires,
                                     OrderToRectify(occurred_on=ordered_on,
                                                    order_no=f"质监责改〔{ordered_on.year}〕101号",
                                                    deadline=ordered_on + timedelta(days=30),
                                                    items=["召回不合格批次电线", "整改导体材料进货查验"]),
                                     by=chief_ccc, today=t),
            after=failed_at)
        sample("山泉纯净水有限公司", 52, "drinking_water", "桶装饮用纯净水", "菌落总数")
        sample("李家豆芽作坊", 44, "bean_sprouts", "绿豆芽", "6-苄基腺嘌呤")
        eid, i = by_name["城东农贸市场豆腐摊"]
        day = on(60)
        inspected_at = self.at(day,
                               lambda t: led.record(eid,
                                                    Inspect(occurred_on=day, outcome=Outcome.VIOLATION,
                                                            findings=[FindingCode.THREE_NO,
                                                                      FindingCode.NO_BUSINESS_LICENSE],
                                                            notes="无照经营，销售无标签豆制品"),
                                                    by=inspector_for[TOWNS[i % len(TOWNS)]], today=t))
        self.at(day,
                lambda t: led.record(eid,
                                     Close(occurred_on=day, reason=ClosureReason.THREE_NO,
                                           decision_no=f"取缔〔{day.year}〕{i:02d}号"), by=chief_food,
                                     today=t), after=inspected_at)
