"""A realistic demo campaign: Chinese names, several towns and kinds, a few months of acts.

Deterministic (seeded), idempotent (a marker aggregate says it was done), and dated
within the campaign of the year whose implementation phase has begun by `today`.
Every act is recorded now, so each is "entered late" by the days since it occurred;
some are deliberately entered out of order, and one is retracted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from application.ledger import Ledger
from domain.actor import SYSTEM
from domain.credit_code import ALPHABET, check_character
from domain.official import Official
from domain.values import Kind

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


class DemoSeeded(Aggregate):
    """Marks that the demo was seeded, and remembers its officials."""

    ID = uuid5(NAMESPACE_URL, "/zhijian/demo")

    @staticmethod
    def create_id() -> UUID:
        return DemoSeeded.ID

    @event("Seeded")
    def __init__(self, officials: dict[str, UUID], enterprises: int) -> None:
        self.officials = officials
        self.enterprises = enterprises


@dataclass
class DemoResult:
    seeded: bool
    enterprises: int
    officials: dict[str, UUID]
    first_enterprise: UUID | None = None


def seed_demo(ledger: Ledger, today: date) -> DemoResult:
    try:
        marker = ledger.repository.get(DemoSeeded.ID)
        return DemoResult(False, marker.enterprises, dict(marker.officials))
    except AggregateNotFoundError:
        pass
    return _Seeder(ledger, today).run()


class _Seeder:
    def __init__(self, ledger: Ledger, today: date) -> None:
        self.ledger = ledger
        self.today = today
        self.rng = random.Random(20260803)
        year = campaign_year(today)
        self.start = date(year, 8, 5)
        self.end = min(today, date(year, 12, 30))

    def day(self, after: date, within: int) -> date:
        return min(after + timedelta(days=self.rng.randint(1, within)), self.end)

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
        officials: dict[str, Official] = {}
        for name, unit, role, towns in staff:
            appointed = led.appoint_official(by=SYSTEM, today=self.start, name=name, unit=unit, role=role, towns=towns)
            officials[name] = led.authenticate(appointed.token)
        inspector_for = {t: officials[n] for n, _, _, towns in staff for t in towns}
        first: UUID | None = None
        for i, (name, kind, categories) in enumerate(ENTERPRISES):
            town = TOWNS[i % len(TOWNS)]
            inspector = inspector_for[town]
            chief = officials["李明"] if Kind(kind).is_food else officials["赵强"]
            registered_on = self.day(self.start, 20)
            code = None if kind == "small_workshop" and rng.random() < 0.6 else valid_credit_code(rng)
            result = led.register_enterprise(
                by=inspector, today=self.today, occurred_on=registered_on, name=name, town=town,
                area=AREAS[town], kind=kind, product_categories=categories, credit_code=code,
                address=f"{town}{rng.choice(['建设路', '人民路', '工业园', '新村', '老街'])}{rng.randint(1, 200)}号",
            )
            first = first or result.enterprise_id
            self.history(result.enterprise_id, i, kind, categories, registered_on, inspector, chief)
        # One mistaken record, corrected: the first enterprise's inspection was entered twice.
        if first is not None:
            e = led.get_enterprise(first)
            led.inspect(first, by=inspector_for[e.town], today=self.today, occurred_on=e.registered_on + timedelta(days=3),
                        outcome="compliant", notes="重复录入")
            led.retract(first, by=officials["李明"], today=self.today, event_version=led.get_enterprise(first).version,
                        reason="同一次检查重复录入，予以更正")
        ids = {name: o.id for name, o in officials.items()}
        led.save(DemoSeeded(officials=ids, enterprises=len(ENTERPRISES)))
        return DemoResult(True, len(ENTERPRISES), ids, first)

    def history(self, eid: UUID, i: int, kind: str, categories: list[str], on: date,
                inspector: Official, chief: Official) -> None:
        led, rng, today = self.ledger, self.rng, self.today
        category = categories[0]
        inspected_on = self.day(on, 15)
        troubled = i % 3 == 1
        if troubled:
            led.inspect(eid, by=inspector, today=today, occurred_on=inspected_on, outcome="violation",
                        findings=rng.sample(["substandard_conditions", "incomplete_licenses", "three_no",
                                             "additive_abuse", "unlicensed"], 2),
                        notes="现场检查发现问题")
            order_no = f"质监责改〔{on.year}〕{i + 1:03d}号"
            deadline = inspected_on + timedelta(days=rng.choice([15, 20, 30]))
            led.order_to_rectify(eid, by=chief, today=today, occurred_on=inspected_on, order_no=order_no,
                                 deadline=deadline, items=["完善生产场所卫生条件", "建立进货查验记录"])
            fate = i % 4
            if fate in (0, 1) and deadline - timedelta(days=2) <= self.end:
                verified_on = min(deadline + timedelta(days=5 * fate - 2), self.end)
                led.verify_rectification(eid, by=chief, today=today, occurred_on=verified_on, order_no=order_no,
                                         passed=True, notes="复查合格" if fate == 0 else "逾期后复查合格")
            elif fate == 2 and inspected_on + timedelta(days=5) <= self.end:
                led.verify_rectification(eid, by=chief, today=today, occurred_on=inspected_on + timedelta(days=5),
                                         order_no=order_no, passed=False, notes="复查仍不合格")
        else:
            led.inspect(eid, by=inspector, today=today, occurred_on=inspected_on,
                        outcome="compliant" if i % 3 == 0 else "deficient",
                        findings=[] if i % 3 == 0 else ["incomplete_licenses"])
        required = Kind(kind).required_license.value
        if i % 5 != 4:
            licensed_on = self.day(inspected_on, 20)
            license_no = f"{LICENSE_PREFIX[required]}{rng.randint(10**9, 10**10 - 1)}"
            led.grant_license(eid, by=chief, today=today, occurred_on=licensed_on, license_type=required,
                              license_no=license_no, valid_until=licensed_on.replace(year=licensed_on.year + 3))
            if i % 4 != 3:
                led.review_license(eid, by=chief, today=today, occurred_on=self.day(licensed_on, 20),
                                   license_no=license_no, year=licensed_on.year)
        if i % 2 == 0 or category in ("meat_products", "aquatic_products", "plugs", "wires_cables"):
            sampled_on = self.day(inspected_on, 40)
            fails = i % 6 == 0 or category in ("plugs",)
            led.record_sample(eid, by=inspector, today=today, occurred_on=sampled_on,
                              sample_no=f"CJ{on.year}-{i + 1:04d}", product_category=category,
                              result="fail" if fails else "pass", product=f"{category}样品",
                              failed_items=rng.sample(FAIL_ITEMS.get(category, ["标签标识"]), 1) if fails else [],
                              lab="市产品质量监督检验所")
        if kind == "small_workshop" and i % 7 == 0:
            led.close_enterprise(eid, by=chief, today=today, occurred_on=self.end, reason="fringe_workshop",
                                 decision_no=f"取缔〔{on.year}〕{i:02d}号")
