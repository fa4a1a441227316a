"""The campaign's vocabulary: enums whose values are API words and whose labels are Chinese."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A string enum whose members carry a Chinese label for people.

    Members are declared as `NAME = "value", "label"`; `Kind("small_workshop")` looks a member up by its value
    (the label's default only lets that call type-check: lookups never reach `__new__`).
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value


class Area(Labelled):
    RURAL = ("rural", "农村")
    URBAN_RURAL_FRINGE = ("urban_rural_fringe", "城乡结合部")
    URBAN = ("urban", "城区")


class LicenseType(Labelled):
    FOOD_PRODUCTION = ("food_production", "食品生产许可证")
    FOOD_BUSINESS = ("food_business", "食品经营许可证")
    WORKSHOP_REGISTRATION = ("workshop_registration", "小作坊登记证")
    INDUSTRIAL_PRODUCTION = ("industrial_production", "工业产品生产许可证")
    CCC = ("ccc", "强制性产品认证证书")


class Kind(Labelled):
    FOOD_PRODUCER = ("food_producer", "食品生产企业")
    SMALL_WORKSHOP = ("small_workshop", "小作坊")
    SALES_POINT = ("sales_point", "销售点")
    LICENSED_PRODUCT_MAKER = ("licensed_product_maker", "生产许可证产品企业")
    CCC_PRODUCT_MAKER = ("ccc_product_maker", "强制性认证产品企业")

    @property
    def required_license(self) -> LicenseType:
        """The one license type that this kind of enterprise must hold."""
        return _REQUIRED_LICENSE[self]

    @property
    def is_food(self) -> bool:
        return self in (Kind.FOOD_PRODUCER, Kind.SMALL_WORKSHOP, Kind.SALES_POINT)


_REQUIRED_LICENSE = {
    Kind.FOOD_PRODUCER: LicenseType.FOOD_PRODUCTION,
    Kind.SMALL_WORKSHOP: LicenseType.WORKSHOP_REGISTRATION,
    Kind.SALES_POINT: LicenseType.FOOD_BUSINESS,
    Kind.LICENSED_PRODUCT_MAKER: LicenseType.INDUSTRIAL_PRODUCTION,
    Kind.CCC_PRODUCT_MAKER: LicenseType.CCC,
}


class ProductCategory(Labelled):
    AQUATIC_PRODUCTS = ("aquatic_products", "水产品")
    BEAN_PRODUCTS = ("bean_products", "豆制品")
    BEAN_SPROUTS = ("bean_sprouts", "豆芽")
    DRINKING_WATER = ("drinking_water", "饮用水")
    MEAT_PRODUCTS = ("meat_products", "肉制品")
    CANDY = ("candy", "糖果")
    LIQUOR = ("liquor", "白酒")
    FOOD_PLASTIC_PACKAGING = ("food_plastic_packaging", "食品塑料包装容器")
    OTHER_FOOD = ("other_food", "其他食品")
    WATER_PUMPS = ("water_pumps", "水泵")
    AIR_COMPRESSORS = ("air_compressors", "空压机")
    MECHANICAL_SEALS = ("mechanical_seals", "机械密封")
    ELECTRIC_BICYCLES = ("electric_bicycles", "电动车")
    RUBBER_PRODUCTS = ("rubber_products", "橡胶制品")
    COMPRESSED_GAS = ("compressed_gas", "压缩(液化)气体")
    ENAMELLED_COPPER_WIRE = ("enamelled_copper_wire", "漆包圆铜线")
    STORAGE_BATTERIES = ("storage_batteries", "蓄电池")
    EXPLOSION_PROOF_ELECTRICAL = ("explosion_proof_electrical", "防爆电器")
    SMALL_POWER_MOTORS = ("small_power_motors", "小功率电动机")
    WIRES_CABLES = ("wires_cables", "电线电缆")
    PLUGS = ("plugs", "插头")
    POWER_TOOLS = ("power_tools", "电动工具")
    HAIR_DRYERS = ("hair_dryers", "电吹风(烫发器)")
    LOW_VOLTAGE_ELECTRICAL = ("low_voltage_electrical", "低压电器")
    ARC_WELDERS = ("arc_welders", "交流弧焊机")
    LIGHTING = ("lighting", "照明电器")

    @property
    def is_food(self) -> bool:
        return self in FOOD_CATEGORIES


FOOD_CATEGORIES = frozenset(
    {
        ProductCategory.AQUATIC_PRODUCTS,
        ProductCategory.BEAN_PRODUCTS,
        ProductCategory.BEAN_SPROUTS,
        ProductCategory.DRINKING_WATER,
        ProductCategory.MEAT_PRODUCTS,
        ProductCategory.CANDY,
        ProductCategory.LIQUOR,
        ProductCategory.FOOD_PLASTIC_PACKAGING,
        ProductCategory.OTHER_FOOD,
    }
)


class Outcome(Labelled):
    COMPLIANT = ("compliant", "合格")
    DEFICIENT = ("deficient", "存在问题")
    VIOLATION = ("violation", "违法违规")


class FindingCode(Labelled):
    UNLICENSED = ("unlicensed", "无证")
    NO_BUSINESS_LICENSE = ("no_business_license", "无照")
    THREE_NO = ("three_no", "三无")
    NON_FOOD_MATERIALS = ("non_food_materials", "非食品原料")
    RECYCLED_FOOD = ("recycled_food", "回收食品")
    ADDITIVE_ABUSE = ("additive_abuse", "滥用添加剂")
    ADULTERATION = ("adulteration", "掺杂使假")
    WORKSHOP_FOOD_IN_RETAIL = ("workshop_food_in_retail", "小作坊食品进入商超")
    SUBSTANDARD_CONDITIONS = ("substandard_conditions", "达不到质量安全卫生基本条件")
    INCOMPLETE_LICENSES = ("incomplete_licenses", "证照不全")
    UNCERTIFIED_CCC = ("uncertified_ccc", "未获认证 / 假冒")


class SampleResult(Labelled):
    PASS = ("pass", "合格")
    FAIL = ("fail", "不合格")


class ClosureReason(Labelled):
    UNLICENSED = ("unlicensed", "无证生产")
    FRINGE_WORKSHOP = ("fringe_workshop", "城乡结合部小作坊")
    FAILED_RECTIFICATION = ("failed_rectification", "整改不合格")
    THREE_NO = ("three_no", "三无")
    VOLUNTARY = ("voluntary", "自行关闭")
    OTHER = ("other", "其他")


class Role(Labelled):
    INSPECTOR = ("inspector", "质监员")
    SUPERVISOR = ("supervisor", "监管负责人")
    AUDITOR = ("auditor", "督查")
    ADMIN = ("admin", "系统管理员")


class Status(Labelled):
    """An enterprise's status; see domain.status for the precedence."""

    REGISTERED = ("registered", "已建档")
    LICENSED = ("licensed", "已持证")
    UNDER_RECTIFICATION = ("under_rectification", "整改中")
    OVERDUE = ("overdue", "逾期未整改")
    CLOSED = ("closed", "已关停")


ENUMS: tuple[type[Labelled], ...] = (
    Area,
    LicenseType,
    Kind,
    ProductCategory,
    Outcome,
    FindingCode,
    SampleResult,
    ClosureReason,
    Role,
    Status,
)
