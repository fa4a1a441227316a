"""A province (or city) to measure on, planned as data before anything is recorded.

`plan_province(scale, seed, year)` returns the towns, the officials, the enterprises and
every act the bureau does to them over one campaign year, each act with its field date
(`on`) and the moment it is recorded (`at`). Nothing here touches the ledger: planning
is pure and deterministic (one `random.Random` per enterprise, seeded from the seed and
the enterprise's number), so the same seed gives the same province, whatever the store.
`bench/generate.py` then applies the acts in order of recording through the
aggregates' own command methods, which check every rule.

Proportions are meant to look like a real campaign (DOMAIN.md): most enterprises hold
their licence at the census, some obtain it before the year-end deadline, some are
closed; fringe workshops are mostly closed; a third of inspections find something and
most of those lead to an order whose verification is on time, late, failed then
passed, or never (overdue); high-risk foods (meat, aquatic) are sampled more and fail
more; some failed plugs and wires get a follow-up order, some do not; about 88% of
licences are reviewed; about 0.5% of acts are retracted a few days later with a reason.
Most acts are recorded 0-3 days after they happen; a quarter of inspections and
samples 1-4 weeks late.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bench import vocabulary as words
from domain.bureau_time import BUREAU_TZ
from domain.credit_code import ALPHABET, check_character
from domain.values import FOOD_CATEGORIES, Kind, ProductCategory

HIGH_RISK = ("meat_products", "aquatic_products")
FOLLOW_UP = ("plugs", "wires_cables")
FOOD = sorted(c.value for c in FOOD_CATEGORIES)
LICENSED_PRODUCTS = ("water_pumps", "air_compressors", "mechanical_seals", "electric_bicycles", "rubber_products",
                     "compressed_gas", "enamelled_copper_wire", "storage_batteries", "explosion_proof_electrical")
CCC_PRODUCTS = ("small_power_motors", "wires_cables", "plugs", "power_tools", "hair_dryers", "low_voltage_electrical",
                "arc_welders", "lighting")

# Kinds in the census, and the categories each makes or sells, with weights.
KIND_WEIGHTS = {"sales_point": 40, "small_workshop": 24, "food_producer": 13, "licensed_product_maker": 12,
                "ccc_product_maker": 11}
FOOD_CATEGORY_WEIGHTS = {"other_food": 30, "bean_products": 12, "bean_sprouts": 7, "meat_products": 13,
                         "aquatic_products": 10, "drinking_water": 8, "liquor": 8, "candy": 5,
                         "food_plastic_packaging": 4}
LICENSED_WEIGHTS = {"water_pumps": 18, "air_compressors": 10, "mechanical_seals": 10, "electric_bicycles": 12,
                    "rubber_products": 14, "compressed_gas": 8, "enamelled_copper_wire": 10, "storage_batteries": 10,
                    "explosion_proof_electrical": 8}
CCC_WEIGHTS = {"small_power_motors": 14, "wires_cables": 20, "plugs": 16, "power_tools": 12, "hair_dryers": 8,
               "low_voltage_electrical": 14, "arc_welders": 6, "lighting": 10}
# Who holds the licence their kind needs at the census.
HELD_AT_CENSUS = {"food_producer": 0.82, "small_workshop": 0.55, "sales_point": 0.80, "licensed_product_maker": 0.85,
                  "ccc_product_maker": 0.80}
LICENSE_PREFIX = {"food_production": "SC1", "food_business": "JY1", "workshop_registration": "XZF",
                  "industrial_production": "XK", "ccc": ""}


@dataclass(frozen=True)
class Scale:
    name: str
    enterprises: int
    towns: int
    officials: int


SCALES = {
    "tiny": Scale("tiny", 1_000, 6, 12),
    "city": Scale("city", 10_000, 20, 30),
    "province": Scale("province", 100_000, 100, 300),
}


@dataclass(frozen=True)
class Town:
    name: str
    region: str  # six digits: the administrative division code used in credit codes


@dataclass(frozen=True)
class PlannedOfficial:
    index: int
    name: str
    unit: str
    role: str
    towns: tuple[str, ...]


@dataclass(slots=True)
class PlannedEnterprise:
    index: int
    name: str
    town: str
    area: str
    kind: str
    categories: list[str]
    credit_code: str | None
    verified_by_hand: bool
    address: str


@dataclass(slots=True)
class PlannedAct:
    """One act: recorded at `at` (epoch seconds), done in the field on `on`, by official `by`."""

    at: int
    seq: int
    enterprise: int
    act: str  # register, inspect, order, verify, license, review, sample, close, retract
    by: int
    on: date
    args: dict[str, Any]
    target: PlannedAct | None = None  # what a retraction retracts
    version: int = 0  # the enterprise's version this act got, filled in when applied


@dataclass
class Province:
    scale: Scale
    seed: int
    year: int
    start: date
    end: date
    towns: list[Town]
    officials: list[PlannedOfficial]
    enterprises: list[PlannedEnterprise]
    acts: list[PlannedAct] = field(default_factory=list)  # sorted by (at, seq)


def campaign_window(year: int, today: date) -> tuple[date, date]:
    """The simulated year: Y-08-03 to Y+1-08-02, or to yesterday if that comes first."""
    start, end = date(year, 8, 3), min(date(year + 1, 8, 2), today - timedelta(days=1))
    if end < start + timedelta(days=30):
        raise ValueError(f"campaign year {year} is not far enough in the past (today is {today})")
    return start, end


def plan_province(scale: Scale, seed: int, year: int, now: datetime | None = None) -> Province:
    now = now or datetime.now(UTC)
    start, end = campaign_window(year, now.astimezone(BUREAU_TZ).date())
    rng = random.Random(f"{seed}/province")
    towns = _towns(rng, scale.towns)
    officials = _officials(rng, scale.officials, towns)
    province = Province(scale, seed, year, start, end, towns, officials, [])
    planner = _Planner(province, now)
    for i in range(scale.enterprises):
        planner.enterprise(i)
    province.acts.sort(key=lambda a: (a.at, a.seq))
    return province


def census_rows(n: int, seed: int, year: int, towns: int = 20) -> list[dict[str, str]]:
    """A census list of n enterprises (no history), rows as `zhijian enterprises import` reads them."""
    rng = random.Random(f"{seed}/census")
    town_list = _towns(rng, towns)
    start = date(year, 8, 5)
    province = Province(Scale("census", n, towns, 30), seed, year, start, date(year, 9, 30), town_list,
                        _officials(rng, 30, town_list), [])
    planner = _Planner(province, datetime.now(UTC))
    rows = []
    for i in range(n):
        e = planner.enterprise(i, history=False)
        rows.append({
            "name": e.name, "credit_code": e.credit_code or "",
            "credit_code_verified_by_hand": "是" if e.verified_by_hand else "",
            "address": e.address, "town": e.town, "area": e.area, "kind": e.kind,
            "product_categories": "、".join(e.categories),
            "occurred_on": (start + timedelta(days=rng.randint(0, 56))).isoformat(), "notes": "",
        })
    return rows


# -- towns and officials -----------------------------------------------------------------------


def _towns(rng: random.Random, n: int) -> list[Town]:
    stems = list(words.TOWN_STEMS)
    if n > len(stems):
        raise ValueError(f"at most {len(stems)} towns")
    rng.shuffle(stems)
    towns = []
    for i, stem in enumerate(stems[:n]):
        suffix = "街道" if i % 7 == 0 else "乡" if i % 5 == 1 else "镇"
        county = 2 + i // 12
        towns.append(Town(stem + suffix, f"43{7 + county // 10:02d}{county % 10 + 1:02d}"))
    return towns


def _person(rng: random.Random, taken: set[str]) -> str:
    while True:
        given = "".join(rng.choice(words.GIVEN_NAME_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(words.SURNAMES) + given
        if name not in taken:
            taken.add(name)
            return name


def _officials(rng: random.Random, n: int, towns: list[Town]) -> list[PlannedOfficial]:
    """Inspectors bound to one or two towns; supervisors bound to a block of towns or unit-wide."""
    auditors, admins = max(1, n // 50), max(1, n // 100)
    unit_supervisors, town_supervisors = max(2, n // 10), max(1, n // 6)
    unit_inspectors = max(1, n // 30)
    town_inspectors = max(len(towns), n - auditors - admins - unit_supervisors - town_supervisors - unit_inspectors)
    names: set[str] = set()
    out: list[PlannedOfficial] = []

    def add(unit: str, role: str, bound: tuple[str, ...]) -> None:
        out.append(PlannedOfficial(len(out), _person(rng, names), unit, role, bound))

    for i in range(town_inspectors):
        home = towns[i % len(towns)].name
        second = towns[(i + 1) % len(towns)].name
        add(f"{home}质监站", "inspector", (home, second) if rng.random() < 0.3 and len(towns) > 1 else (home,))
    for _ in range(unit_inspectors):
        add("稽查大队", "inspector", ())
    block = -(-len(towns) // town_supervisors)
    for i in range(town_supervisors):
        bound = tuple(t.name for t in towns[i * block:(i + 1) * block]) or (towns[i % len(towns)].name,)
        add(f"{bound[0]}中心质监所", "supervisor", bound)
    units = (words.FOOD_OFFICE, words.INSPECTION_SECTION, words.FOOD_OFFICE, words.INSPECTION_SECTION,
             words.QUALITY_SECTION)
    for i in range(unit_supervisors):
        add(units[i % len(units)], "supervisor", ())
    for _ in range(auditors):
        add(words.AUDIT_TEAM, "auditor", ())
    for _ in range(admins):
        add(words.ADMIN_UNIT, "admin", ())
    return out


# -- one enterprise's year ------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Planner:
    """Plans every enterprise in turn; numbering (orders, samples, licences) runs across them."""

    def __init__(self, province: Province, now: datetime) -> None:
        self.p = province
        self.cap = int(now.timestamp()) - 3600  # nothing is recorded later than an hour ago
        self.seq = 0
        self.counters: dict[str, int] = {}
        self.codes: set[str] = set()
        self.town_inspectors: dict[str, list[int]] = {t.name: [] for t in province.towns}
        self.town_supervisors: dict[str, list[int]] = {t.name: [] for t in province.towns}
        self.unit_inspectors: list[int] = []
        self.unit_supervisors: dict[str, list[int]] = {}
        for o in province.officials:
            if o.role == "inspector":
                for t in o.towns:
                    self.town_inspectors[t].append(o.index)
                if not o.towns:
                    self.unit_inspectors.append(o.index)
            elif o.role == "supervisor":
                for t in o.towns:
                    self.town_supervisors[t].append(o.index)
                if not o.towns:
                    self.unit_supervisors.setdefault(o.unit, []).append(o.index)
        self.town_index = {t.name: i for i, t in enumerate(province.towns)}

    def number(self, key: str) -> int:
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    # -- the enterprise itself --------------------------------------------------------------

    def enterprise(self, i: int, *, history: bool = True) -> PlannedEnterprise:
        rng = random.Random(f"{self.p.seed}/enterprise/{i}")
        town = self.p.towns[rng.randrange(len(self.p.towns))]
        kind = _weighted(rng, KIND_WEIGHTS)
        area = self._area(rng, town.name)
        categories = self._categories(rng, kind)
        code, by_hand = self._credit_code(rng, kind, town)
        name = self._name(rng, kind, categories, town.name)
        address = self._address(rng, town.name)
        planned = PlannedEnterprise(i, name, town.name, area, kind, categories, code, by_hand, address)
        self.p.enterprises.append(planned)
        if history:
            _History(self, rng, planned).plan()
        return planned

    def _area(self, rng: random.Random, town: str) -> str:
        if town.endswith("街道"):
            return rng.choices(("urban", "urban_rural_fringe"), (60, 40))[0]
        if town.endswith("乡"):
            return rng.choices(("rural", "urban_rural_fringe"), (92, 8))[0]
        return rng.choices(("rural", "urban_rural_fringe", "urban"), (62, 30, 8))[0]

    def _categories(self, rng: random.Random, kind: str) -> list[str]:
        weights = (FOOD_CATEGORY_WEIGHTS if Kind(kind).is_food else LICENSED_WEIGHTS
                   if kind == "licensed_product_maker" else CCC_WEIGHTS)
        n = rng.choices((1, 2, 3), (55, 35, 10))[0] if kind == "sales_point" else rng.choices((1, 2), (85, 15))[0]
        chosen: list[str] = []
        while len(chosen) < n:
            c = _weighted(rng, weights)
            if c not in chosen:
                chosen.append(c)
        return chosen

    def _credit_code(self, rng: random.Random, kind: str, town: Town) -> tuple[str | None, bool]:
        if kind == "small_workshop" and rng.random() < 0.65:
            return None, False  # an unregistered workshop (无照) has no code
        if kind == "sales_point" and rng.random() < 0.08:
            return None, False
        entity = "2" if kind in ("sales_point", "small_workshop") else "1"  # 个体工商户 or company
        while True:
            organisation = ("MA" + "".join(rng.choice(ALPHABET) for _ in range(7)) if rng.random() < 0.6
                            else "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(ALPHABET))
            body = "9" + entity + town.region + organisation
            code = body + check_character(body)
            if rng.random() < 0.003:  # a legal early code whose check character fails, verified by hand
                code = body + ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
            if code not in self.codes:
                self.codes.add(code)
                return code, code[-1] != check_character(body)

    def _name(self, rng: random.Random, kind: str, categories: list[str], town: str) -> str:
        main = categories[0]
        brand = rng.choice(words.BRANDS)
        if kind == "small_workshop":
            product = rng.choice(words.WORKSHOP_PRODUCTS[main])
            surname = rng.choice(words.SURNAMES)
            style = rng.random()
            owner = f"{surname}记" if style < 0.6 else f"{surname}家" if style < 0.8 else f"{surname}氏"
            prefix = town if rng.random() < 0.5 else ""
            return f"{prefix}{owner}{product}{rng.choice(words.WORKSHOP_SUFFIXES)}"
        if kind == "food_producer":
            return f"{town[:2] if rng.random() < 0.3 else ''}{brand}{rng.choice(words.PRODUCER_SUFFIXES[main])}"
        if kind == "sales_point":
            owner = brand if rng.random() < 0.5 else rng.choice(words.SURNAMES) + "记"
            return f"{owner}{rng.choice(words.SHOP_SUFFIXES[main])}"
        return f"{town[:2] if rng.random() < 0.4 else ''}{brand}{rng.choice(words.MAKER_SUFFIXES[main])}"

    def _address(self, rng: random.Random, town: str) -> str:
        if rng.random() < 0.35:
            return f"{town}{rng.choice(words.TOWN_STEMS)}村{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
        if rng.random() < 0.15:
            return f"{town}工业园区{rng.randint(1, 30)}栋"
        return f"{town}{rng.choice(words.ROADS)}{rng.randint(1, 300)}号"


class _History:
    """Plans one enterprise's acts over the year, then keeps only those the rules allow."""

    def __init__(self, planner: _Planner, rng: random.Random, e: PlannedEnterprise) -> None:
        self.planner, self.rng, self.e = planner, rng, e
        self.y = planner.p.year
        self.start, self.end = planner.p.start, planner.p.end
        self.acts: list[PlannedAct] = []
        self.closures: list[PlannedAct] = []
        self.kind = Kind(e.kind)
        inspectors = planner.town_inspectors[e.town]
        self.inspector = rng.choice(inspectors)
        self.inspectors = inspectors
        unit = words.FOOD_OFFICE if self.kind.is_food else words.INSPECTION_SECTION
        self.unit_chiefs = (planner.unit_supervisors.get(unit)
                            or [o for v in planner.unit_supervisors.values() for o in v])
        town_chiefs = planner.town_supervisors[e.town]
        self.chief = rng.choice(town_chiefs) if town_chiefs and rng.random() < 0.6 else rng.choice(self.unit_chiefs)
        self.town_chiefs = town_chiefs

    # -- who and when ------------------------------------------------------------------------

    def who_records(self) -> int:
        r = self.rng.random()
        if r < 0.06:
            return self.rng.choice(self.inspectors)
        if r < 0.09 and self.planner.unit_inspectors:
            return self.rng.choice(self.planner.unit_inspectors)
        return self.inspector

    def who_supervises(self) -> int:
        r = self.rng.random()
        if r < 0.08:
            return self.rng.choice(self.unit_chiefs)
        if r < 0.12 and self.town_chiefs:
            return self.rng.choice(self.town_chiefs)
        return self.chief

    def day(self, lo: date, hi: date) -> date | None:
        """A random day in [lo, hi], within the simulated year; None if there is none."""
        lo, hi = max(lo, self.registered_on if hasattr(self, "registered_on") else lo), min(hi, self.end)
        if hi < lo:
            return None
        return lo + timedelta(days=self.rng.randint(0, (hi - lo).days))

    def recorded(self, on: date, *, may_be_late: bool = False, after: int | None = None) -> int:
        """When an act done on `on` is entered: mostly 0-3 days later, some 1-4 weeks, in office hours."""
        rng = self.rng
        if may_be_late and rng.random() < 0.25:
            delay = rng.randint(7, 28)
        else:
            delay = rng.choices((0, 1, 2, 3), (45, 30, 15, 10))[0]
        moment = datetime.combine(on + timedelta(days=delay), time(8, 30), BUREAU_TZ) + timedelta(
            seconds=rng.randint(0, 10 * 3600))
        at = int(moment.timestamp())
        if after is not None:
            at = max(at, after + rng.randint(60, 1800))
        return min(at, self.planner.cap)

    def add(self, act: str, by: int, on: date, at: int, **args: Any) -> PlannedAct:
        self.planner.seq += 1
        planned = PlannedAct(at, self.planner.seq, self.e.index, act, by, on, args)
        self.acts.append(planned)
        return planned

    # -- the plan -------------------------------------------------------------------------------

    def plan(self) -> None:
        rng, y = self.rng, self.y
        r = rng.random()
        if r < 0.80:
            registered_on = self.day(date(y, 8, 5), date(y, 9, 30))
        elif r < 0.92:
            registered_on = self.day(date(y, 10, 1), date(y, 12, 15))
        else:
            registered_on = self.day(date(y + 1, 1, 5), self.end - timedelta(days=30))
        self.registered_on = registered_on or self.start
        registration = self.add("register", self.who_records(), self.registered_on,
                                self.recorded(self.registered_on))
        self.reg_at = registration.at
        self.licences()
        self.inspections()
        self.samples()
        self.voluntary_closure()
        self.keep_what_the_rules_allow()
        self.retractions()
        self.planner.p.acts.extend(self.acts)

    def after_registration(self, on: date, *, may_be_late: bool = False, after: int | None = None) -> int:
        return self.recorded(on, may_be_late=may_be_late, after=max(after or 0, self.reg_at))

    # -- licences and reviews -----------------------------------------------------------------

    def licences(self) -> None:
        rng, y = self.rng, self.y
        held = HELD_AT_CENSUS[self.e.kind] * (0.3 if self.e.credit_code is None else 1.0)
        fringe_workshop = self.e.kind == "small_workshop" and self.e.area == "urban_rural_fringe"
        if fringe_workshop and rng.random() < 0.6:
            self.close("fringe_workshop", self.day(date(y, 9, 20), date(y, 12, 31)))
        if self.registered_on <= date(y, 12, 15) and rng.random() < held:
            on = self.registered_on + timedelta(days=rng.randint(0, 2))
            valid_until = date(y + rng.randint(1, 4), rng.randint(1, 12), rng.randint(1, 28))
            expiring = rng.random() < 0.04
            if expiring:
                valid_until = self.day(date(y, 10, 1), date(y + 1, 6, 30)) or valid_until
                valid_until = max(valid_until, on + timedelta(days=30))
            self.licence(on, valid_until, review_chance=0.91, notes="普查核验，证照在有效期内")
            if expiring and rng.random() < 0.6:
                renewed = self.day(valid_until - timedelta(days=30), valid_until)
                if renewed:
                    self.licence(renewed, renewed + timedelta(days=365 * 5), review_chance=0.5, notes="到期换证")
            return
        path = rng.choices(("campaign", "late", "closed", "unlicensed"), (55, 10, 15, 20))[0]
        if path == "campaign":
            on = self.day(self.registered_on + timedelta(days=10), date(y, 12, 31))
            if on:
                self.licence(on, on + timedelta(days=365 * 5), review_chance=0.75 if on <= date(y, 10, 31) else 0.0,
                             notes="专项整治期间办证")
        elif path == "late":
            on = self.day(date(y + 1, 1, 2), date(y + 1, 4, 30))
            if on:
                self.licence(on, on + timedelta(days=365 * 5), review_chance=0.0, notes="逾期办证")
        elif path == "closed":
            self.close("unlicensed", self.day(date(y, 11, 15), date(y + 1, 1, 31)))

    def licence(self, on: date, valid_until: date, *, review_chance: float, notes: str) -> None:
        rng, y = self.rng, self.y
        license_type = self.kind.required_license.value
        no = self.licence_number(license_type, on)
        granted = self.add("license", self.who_supervises(), on, self.after_registration(on), license_type=license_type,
                           license_no=no, valid_until=valid_until, notes=notes)
        if rng.random() < review_chance:
            reviewed = self.day(max(on + timedelta(days=1), date(y, 9, 1)), min(date(y, 12, 31), valid_until))
            if reviewed:
                self.add("review", self.who_supervises(), reviewed, self.recorded(reviewed, after=granted.at),
                         license_no=no, year=y, passed=True, notes="年审合格")
        if rng.random() < 0.3:
            reviewed = self.day(max(on + timedelta(days=1), date(y + 1, 3, 1)), min(date(y + 1, 7, 31), valid_until))
            if reviewed:
                self.add("review", self.who_supervises(), reviewed, self.recorded(reviewed, after=granted.at),
                         license_no=no, year=y + 1, passed=True, notes="年审合格")

    def licence_number(self, license_type: str, on: date) -> str:
        n = self.planner.number(license_type)
        region = self.e.credit_code[2:8] if self.e.credit_code else "430701"
        if license_type == "ccc":
            return f"{on.year}0103{n:08d}"
        if license_type == "industrial_production":
            return f"XK{LICENSED_PRODUCTS.index(self.e.categories[0]) + 6:02d}-{region}-{n:05d}"
        return f"{LICENSE_PREFIX[license_type]}{region}{n:07d}"

    # -- inspections, orders, verifications ---------------------------------------------------

    def inspections(self) -> None:
        rng, y = self.rng, self.y
        campaign_day = self.day(date(y, 8, 16), date(y, 12, 15))
        if campaign_day is None:  # registered after the implementation phase: inspected at or soon after registration
            campaign_day = self.day(self.registered_on, self.registered_on + timedelta(days=30))
        days = [campaign_day] if campaign_day else []
        extra = rng.choices((0, 1, 2, 3, 4),
                            (20, 30, 25, 15, 10) if self.e.kind == "sales_point" else (8, 22, 30, 25, 15))[0]
        for _ in range(extra):
            d = self.day(self.registered_on, self.end)
            if d:
                days.append(d)
        for n, on in enumerate(sorted(days)):
            self.inspection(on, campaign=n == 0)

    def inspection(self, on: date, *, campaign: bool) -> None:
        rng = self.rng
        licensed = any(a.act == "license" and a.on <= on for a in self.acts)
        weights = (70, 22, 8) if licensed else (25, 35, 40) if campaign else (55, 30, 15)
        outcome = rng.choices(("compliant", "deficient", "violation"), weights)[0]
        findings: list[str] = []
        if outcome == "deficient":
            findings = rng.sample(["substandard_conditions", "incomplete_licenses"], rng.randint(1, 2))
        elif outcome == "violation":
            findings = self.violation_findings(licensed)
        inspected = self.add("inspect", self.who_records(), on, self.after_registration(on, may_be_late=True),
                             outcome=outcome, findings=findings, notes=rng.choice(words.INSPECTION_NOTES[outcome]))
        if outcome == "violation" and "three_no" in findings and rng.random() < 0.5:
            self.close("three_no", self.day(on + timedelta(days=1), on + timedelta(days=20)))
        if (outcome == "violation" and rng.random() < 0.85) or (outcome == "deficient" and rng.random() < 0.55):
            self.order(on + timedelta(days=rng.randint(0, 3)), findings, after=inspected.at)

    def violation_findings(self, licensed: bool) -> list[str]:
        rng = self.rng
        if self.kind.is_food:
            pool = ["non_food_materials", "additive_abuse", "adulteration", "recycled_food", "three_no",
                    "substandard_conditions", "no_business_license"]
            if self.e.kind == "small_workshop":
                pool.append("workshop_food_in_retail")
        elif self.e.kind == "ccc_product_maker":
            pool = ["uncertified_ccc", "three_no", "substandard_conditions"]
        else:
            pool = ["incomplete_licenses", "three_no", "substandard_conditions"]
        findings = rng.sample(pool, rng.choices((1, 2), (70, 30))[0])
        if not licensed:
            findings.append("unlicensed")
        if self.e.credit_code is None and "no_business_license" not in findings and rng.random() < 0.5:
            findings.append("no_business_license")
        return sorted(set(findings))

    def order(self, on: date, findings: list[str], *, after: int) -> None:
        rng, p = self.rng, self.planner
        if on > self.end:
            return
        items = [words.ORDER_ITEMS[f] for f in findings] or [words.ORDER_ITEMS["substandard_conditions"]]
        if rng.random() < 0.4:
            items.append(rng.choice(words.GENERAL_ORDER_ITEMS))
        town = self.e.town
        order_no = f"{town[:2]}质监责改〔{on.year}〕{p.number('order/' + town)}号"
        deadline = on + timedelta(days=rng.choice((15, 20, 30, 30, 45, 60)))
        ordered = self.add("order", self.who_supervises(), on, self.after_registration(on, after=after),
                           order_no=order_no, deadline=deadline, items=items, notes="")
        fate = rng.choices(("on_time", "late", "failed_then_passed", "never", "failed_then_closed"),
                           (55, 13, 12, 14, 6))[0]

        def verify(day: date | None, passed: bool, after: int) -> PlannedAct | None:
            if day is None:
                return None
            return self.add("verify", self.who_supervises(), day, self.recorded(day, after=after), order_no=order_no,
                            passed=passed, notes="复查合格" if passed else "复查仍不合格")

        if fate == "on_time":
            verify(self.day(min(on + timedelta(days=5), deadline), deadline), True, ordered.at)
        elif fate == "late":
            verify(self.day(deadline + timedelta(days=3), deadline + timedelta(days=45)), True, ordered.at)
        elif fate in ("failed_then_passed", "failed_then_closed"):
            failed = verify(self.day(max(on + timedelta(days=1), deadline - timedelta(days=7)), deadline), False,
                            ordered.at)
            if failed is not None and fate == "failed_then_passed":
                verify(self.day(failed.on + timedelta(days=10), failed.on + timedelta(days=40)), True, failed.at)
            elif failed is not None:
                self.close("failed_rectification",
                           self.day(failed.on + timedelta(days=7), failed.on + timedelta(days=30)))

    # -- samples ----------------------------------------------------------------------------

    def samples(self) -> None:
        rng, y = self.rng, self.y
        cats = self.e.categories
        if self.kind.is_food:
            if any(c in HIGH_RISK for c in cats):
                n = 2 + rng.randint(0, 2)
            elif self.e.kind == "sales_point":
                n = rng.choices((0, 1, 2), (35, 45, 20))[0]
            else:
                n = rng.choices((0, 1, 2), (15, 55, 30))[0]
        elif any(c in FOLLOW_UP for c in cats):
            n = rng.choices((1, 2), (60, 40))[0]
        else:
            n = rng.choices((0, 1), (50, 50))[0]
        for _ in range(n):
            on = (self.day(date(y, 8, 16), date(y, 12, 15)) if rng.random() < 0.7 else None) or self.day(
                self.registered_on, self.end)
            if on is None:
                continue
            high = [c for c in cats if c in HIGH_RISK]
            category = rng.choice(high) if high and rng.random() < 0.7 else rng.choice(cats)
            self.sample(on, category)

    def sample(self, on: date, category: str) -> PlannedAct:
        rng = self.rng
        fail_rate = (0.10 if category in HIGH_RISK else 0.12 if category == "bean_sprouts" else 0.15
                     if category in FOLLOW_UP else 0.06 if category in FOOD else 0.05)
        failed = rng.random() < fail_rate
        items = words.FAILED_ITEMS[category]
        sample_no = self.sample_number(on)
        sampled = self.add(
            "sample", self.who_records(), on, self.after_registration(on, may_be_late=True), sample_no=sample_no,
            product_category=category, result="fail" if failed else "pass",
            product=f"{ProductCategory(category).label}样品", failed_items=rng.sample(items, 1) if failed else [],
            lab=rng.choice(words.LABS), notes="")
        if failed:
            follow_up = 0.65 if category in FOLLOW_UP else 0.4
            if rng.random() < follow_up:
                self.order(on + timedelta(days=rng.randint(3, 20)), [], after=sampled.at)
        return sampled

    def sample_number(self, on: date) -> str:
        town = self.planner.town_index[self.e.town]
        return f"CJ{on.year}{town:03d}{self.planner.number('sample/' + self.e.town):06d}"

    # -- closures -------------------------------------------------------------------------

    def close(self, reason: str, on: date | None) -> None:
        if on is not None and on <= self.registered_on:
            on = self.registered_on + timedelta(days=1)
        if on is None or on > self.end:
            return
        self.planner.seq += 1
        act = PlannedAct(0, self.planner.seq, self.e.index, "close", self.who_supervises(), on,
                         {"reason": reason, "decision_no": "", "notes": words.CLOSURE_NOTES[reason]})
        self.closures.append(act)

    def voluntary_closure(self) -> None:
        r = self.rng.random()
        if r < 0.012:
            self.close("voluntary" if r < 0.009 else "other",
                       self.day(self.registered_on + timedelta(days=30), self.end))

    def keep_what_the_rules_allow(self) -> None:
        """A closed enterprise accepts only inspections after its closure: the earliest closure wins."""
        if not self.closures:
            return
        closure = min(self.closures, key=lambda a: (a.on, a.seq))
        kept = [a for a in self.acts if a.act in ("register", "inspect") or a.on < closure.on]
        closure.at = self.after_registration(closure.on,
                                             after=max((a.at for a in kept if a.on <= closure.on), default=0))
        town = self.e.town
        closure.args["decision_no"] = f"{town[:2]}质监关〔{closure.on.year}〕{self.planner.number('closure/' + town)}号"
        kept.append(closure)
        if self.rng.random() < 0.4:
            on = self.day(closure.on + timedelta(days=20), closure.on + timedelta(days=60))
            if on:
                self.planner.seq += 1
                kept.append(PlannedAct(self.recorded(on, after=closure.at), self.planner.seq, self.e.index, "inspect",
                                       self.who_records(), on, {"outcome": "compliant", "findings": [],
                                                                "notes": words.CLOSED_INSPECTION_NOTE}))
        self.acts = kept

    # -- corrections ------------------------------------------------------------------------

    def retractions(self) -> None:
        """About 0.5% of acts are corrected a few days after they were entered, some re-entered right."""
        rng = self.rng
        closed_on = min((a.on for a in self.acts if a.act == "close"), default=None)
        for target in [a for a in self.acts if a.act in ("inspect", "sample", "review")]:
            if rng.random() >= 0.0075:
                continue
            if target.act == "inspect":
                reason = rng.choices(("duplicate", "wrong_date", "wrong_enterprise"), (40, 30, 30))[0]
            elif target.act == "sample":
                reason = rng.choices(("wrong_number", "wrong_enterprise"), (60, 40))[0]
            else:
                reason = "review_mistake"
            if reason == "duplicate":
                self.planner.seq += 1
                twin = PlannedAct(min(target.at + rng.randint(300, 7200), self.planner.cap), self.planner.seq,
                                  target.enterprise, target.act, target.by, target.on, dict(target.args))
                self.acts.append(twin)
                target = twin
            at = min(target.at + rng.randint(1, 10) * 86400 + rng.randint(-3600, 3600), self.planner.cap)
            at = max(at, target.at + 60)
            retraction = self.add("retract", self.who_supervises(), datetime.fromtimestamp(at, BUREAU_TZ).date(), at,
                                  reason=words.RETRACTION_REASONS[reason])
            retraction.target = target
            again = min(at + rng.randint(600, 5400), self.planner.cap)
            if reason == "wrong_date":
                on = max(target.on - timedelta(days=rng.randint(1, 3)), self.registered_on)
                self.add("inspect", target.by, on, again, **target.args)
            elif reason == "wrong_number":
                args = {**target.args, "sample_no": self.sample_number(target.on)}
                self.add("sample", target.by, target.on, again, **args)
            elif reason == "review_mistake" and rng.random() < 0.5:
                on = target.on + timedelta(days=rng.randint(7, 30))
                if on <= self.end and (closed_on is None or on < closed_on):
                    self.add("review", target.by, on, self.recorded(on, after=again), **target.args)
