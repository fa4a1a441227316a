"""The campaign figures on a small scripted campaign, against numbers worked out by hand below.

The campaign (year 2026; phases 08-03..08-15, 08-16..12-15, 12-16..12-30; licensing deadline 12-31):

  id town   area    kind              category          what happens (2026)
  A  河口镇 fringe  small_workshop    bean_products     violation + order O1 08-10 (deadline 08-30), failed
                                                        verification 08-25, passed 09-05 (late); sample failed
                                                        08-20; closed 09-20 (fringe_workshop)
  B  石桥镇 rural   food_producer     aquatic_products  licence SC1 08-20, reviewed for 2026 09-01; samples passed
                                                        08-25 and 09-10
  C  石桥镇 rural   food_producer     drinking_water    licence SC2 08-21 (not reviewed); order O2 08-15 (deadline
                                                        09-15) passed 09-10; sample passed 09-12
  D  石桥镇 rural   ccc_product_maker plugs             CCC1 08-10 reviewed 08-30; plug sample failed 09-01, no order
  E  河口镇 fringe  ccc_product_maker wires_cables      CCC2 08-10 reviewed 08-31; wire sample failed 09-02; order O3
                                                        09-05 (deadline 09-25), never verified
  F  河口镇 fringe  sales_point       meat_products     no licence; sample passed 09-03
  G  石桥镇 rural   small_workshop    candy             no licence (outside the fringe)
  I  河口镇 fringe  small_workshop    other_food        workshop registration XZF1 08-20, valid to 2027-08-19
  H  河口镇 fringe  small_workshop    bean_sprouts      registered 10-05 only
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from application.campaign_settings import DEFAULT_FILE, load_campaign_settings
from domain.status import Fact, fold
from projections.campaign_figures import campaign_figures

KNOWN_AT = datetime(2027, 2, 1, tzinfo=UTC)
T0 = datetime(2026, 8, 1, tzinfo=UTC)


def d(month_day: str, year: int = 2026) -> date:
    return date.fromisoformat(f"{year}-{month_day}")


class Script:
    """Builds one enterprise's facts in order."""

    def __init__(self, letter: str, name: str, town: str, area: str, kind: str, category: str, on: str) -> None:
        self.id = UUID(int=ord(letter))
        self.facts: list[Fact] = []
        self.add("Registered", on, name=name, town=town, area=area, kind=kind, product_categories=[category],
                 credit_code=None, address="")

    def add(self, type_: str, on: str, **payload: object) -> Script:
        version = len(self.facts) + 1
        self.facts.append(Fact(version, type_, d(on), T0 + timedelta(minutes=version), "u1", payload))
        return self

    def order(self, on: str, no: str, deadline: str) -> Script:
        return self.add("OrderedToRectify", on, order_no=no, deadline=d(deadline), items=["整改"])

    def verify(self, on: str, no: str, passed: bool) -> Script:
        return self.add("RectificationVerified", on, order_no=no, passed=passed)

    def license(self, on: str, no: str, type_: str, until: date) -> Script:
        return self.add("Licensed", on, license_no=no, license_type=type_, valid_until=until)

    def review(self, on: str, no: str) -> Script:
        return self.add("LicenseReviewed", on, license_no=no, year=2026, passed=True)

    def sample(self, on: str, no: str, category: str, failed_items: tuple[str, ...] = ()) -> Script:
        kind = "SampleFailed" if failed_items else "SamplePassed"
        return self.add(kind, on, sample_no=no, product_category=category, product="样品",
                        failed_items=list(failed_items))


def campaign() -> list[Script]:
    return [
        Script("A", "甲豆腐坊", "河口镇", "urban_rural_fringe", "small_workshop", "bean_products", "08-05")
        .add("Inspected", "08-10", outcome="violation", findings=["three_no"])
        .order("08-10", "O1", "08-30").sample("08-20", "S-A", "bean_products", ("苯甲酸",))
        .verify("08-25", "O1", False).verify("09-05", "O1", True)
        .add("Closed", "09-20", reason="fringe_workshop", decision_no="取缔1号"),
        Script("B", "乙水产加工厂", "石桥镇", "rural", "food_producer", "aquatic_products", "08-06")
        .license("08-20", "SC1", "food_production", date(2029, 8, 19)).review("09-01", "SC1")
        .sample("08-25", "S-B1", "aquatic_products").sample("09-10", "S-B2", "aquatic_products"),
        Script("C", "丙桶装水厂", "石桥镇", "rural", "food_producer", "drinking_water", "08-07")
        .order("08-15", "O2", "09-15").license("08-21", "SC2", "food_production", date(2029, 8, 20))
        .verify("09-10", "O2", True).sample("09-12", "S-C", "drinking_water"),
        Script("D", "丁插头厂", "石桥镇", "rural", "ccc_product_maker", "plugs", "08-05")
        .license("08-10", "CCC1", "ccc", date(2031, 8, 9)).review("08-30", "CCC1")
        .sample("09-01", "S-D", "plugs", ("插销尺寸",)),
        Script("E", "戊电线厂", "河口镇", "urban_rural_fringe", "ccc_product_maker", "wires_cables", "08-05")
        .license("08-10", "CCC2", "ccc", date(2031, 8, 9)).review("08-31", "CCC2")
        .sample("09-02", "S-E", "wires_cables", ("导体电阻",)).order("09-05", "O3", "09-25"),
        Script("F", "己肉制品店", "河口镇", "urban_rural_fringe", "sales_point", "meat_products", "08-08")
        .sample("09-03", "S-F", "meat_products"),
        Script("G", "庚糖果作坊", "石桥镇", "rural", "small_workshop", "candy", "08-09"),
        Script("I", "壬凉皮作坊", "河口镇", "urban_rural_fringe", "small_workshop", "other_food", "08-12")
        .license("08-20", "XZF1", "workshop_registration", date(2027, 8, 19)),
        Script("H", "辛豆芽作坊", "河口镇", "urban_rural_fringe", "small_workshop", "bean_sprouts", "10-05"),
    ]


def figures_on(as_of: date) -> dict:
    states = [(s.id, state) for s in campaign() if (state := fold(s.facts, as_of)) is not None]
    return campaign_figures(states, as_of, KNOWN_AT, load_campaign_settings(DEFAULT_FILE).campaign_for(as_of))


@pytest.fixture(scope="module")
def oct1() -> dict:
    return figures_on(date(2026, 10, 1))


def test_the_report_states_its_dates_and_the_phase_as_of_falls_in(oct1):
    assert (oct1["as_of"], oct1["known_at"], oct1["year"]) == (date(2026, 10, 1), KNOWN_AT, 2026)
    assert oct1["phase"] == "implementation"
    assert figures_on(date(2026, 8, 10))["phase"] == "preparation"
    assert figures_on(date(2026, 12, 20))["phase"] == "summary"
    assert figures_on(date(2027, 1, 5))["phase"] == "after"


def test_census_counts_the_registered_by_town_kind_and_area_and_who_holds_the_licence_they_need(oct1):
    c = oct1["census"]
    # H registers only on 10-05; B, C, D, E, I hold a valid licence of their kind's type; A is closed.
    assert (c["registered"], c["licensed"], c["closed"]) == (8, 5, 1)
    assert [(r["town"], r["kind"], r["area"], r["registered"], r["licensed"], r["closed"]) for r in c["rows"]] == [
        ("河口镇", "small_workshop", "urban_rural_fringe", 2, 1, 1),
        ("河口镇", "sales_point", "urban_rural_fringe", 1, 0, 0),
        ("河口镇", "ccc_product_maker", "urban_rural_fringe", 1, 1, 0),
        ("石桥镇", "food_producer", "rural", 2, 2, 0),
        ("石桥镇", "small_workshop", "rural", 1, 0, 0),
        ("石桥镇", "ccc_product_maker", "rural", 1, 1, 0),
    ]
    assert c["by_town"] == {"河口镇": {"registered": 4, "licensed": 2, "closed": 1},
                            "石桥镇": {"registered": 4, "licensed": 3, "closed": 0}}


def test_licensing_counts_food_enterprises_needing_and_holding_and_the_fringe_workshops_left_open(oct1):
    lic = oct1["licensing"]
    # Food: A B C F G I; A is closed, so 5 need a licence; B, C and I hold one.
    assert (lic["food_enterprises"], lic["needing"], lic["holding"], lic["rate"]) == (6, 5, 3, 0.6)
    assert [e["name"] for e in lic["still_unlicensed"]] == ["己肉制品店", "庚糖果作坊"]
    assert lic["deadline"] == date(2026, 12, 31)
    assert (lic["deadline_passed"], lic["unlicensed_after_deadline"]) == (False, 0)  # the deadline is not past
    assert lic["fringe_workshops_open"] == 1 and lic["fringe_workshops"][0]["name"] == "壬凉皮作坊"  # G is rural
    assert lic["closures_by_reason"] == {"fringe_workshop": 1}
    assert lic["by_town"] == {
        "河口镇": {"needing": 2, "holding": 1, "unlicensed": 1, "fringe_workshops_open": 1, "closures": 1},
        "石桥镇": {"needing": 3, "holding": 2, "unlicensed": 1, "fringe_workshops_open": 0, "closures": 0},
    }


def test_after_the_deadline_the_still_unlicensed_count_and_late_registrations_join_them():
    lic = figures_on(date(2027, 1, 5))["licensing"]
    # F, G and H (registered 10-05) hold nothing; I's registration is valid until 2027-08-19.
    assert (lic["deadline_passed"], lic["unlicensed_after_deadline"]) == (True, 3)
    assert lic["fringe_workshops_open"] == 2  # I and H


def test_rectification_sorts_orders_by_fate_and_counts_failed_verifications(oct1):
    r = oct1["rectification"]
    # O1 passed 09-05 after its 08-30 deadline; O2 passed 09-10 before 09-15; O3 (deadline 09-25) never verified.
    fates = ("issued", "passed_on_time", "passed_late", "overdue", "open", "failed_verifications")
    assert {k: r[k] for k in fates} == {
        "issued": 3, "passed_on_time": 1, "passed_late": 1, "overdue": 1, "open": 0, "failed_verifications": 1}
    assert [(o["name"], o["order_no"], o["days_overdue"]) for o in r["overdue_orders"]] == [("戊电线厂", "O3", 6)]
    assert r["by_town"]["河口镇"]["passed_late"] == 1 and r["by_town"]["石桥镇"]["passed_on_time"] == 1
    assert figures_on(date(2026, 9, 20))["rectification"]["open"] == 1  # O3 before its deadline


def test_annual_review_rate_is_reviewed_over_valid_licences_beside_the_target_with_the_shortfall(oct1):
    a = oct1["annual_review"]
    # Valid licences of open enterprises: SC1 SC2 CCC1 CCC2 XZF1; reviewed for 2026: SC1 CCC1 CCC2.
    assert (a["due"], a["reviewed"], a["rate"], a["target"], a["meets_target"]) == (5, 3, 0.6, 0.9, False)
    assert a["reviews_to_target"] == 2  # 90% of 5 is 4.5, so 5 reviews are needed
    assert [(s["name"], s["license_no"]) for s in a["shortfall"]] == [("壬凉皮作坊", "XZF1"), ("丙桶装水厂", "SC2")]
    assert a["by_town"] == {"河口镇": {"due": 2, "reviewed": 1, "rate": 0.5},
                            "石桥镇": {"due": 3, "reviewed": 2, "rate": 0.6667}}


def test_sampling_counts_by_category_finds_coverage_gaps_and_compares_high_risk_sampling(oct1):
    s = oct1["sampling"]
    assert (s["samples"], s["failed"]) == (7, 3)
    assert {c: (v["samples"], v["failed"]) for c, v in s["by_category"].items()} == {
        "aquatic_products": (2, 0), "bean_products": (1, 1), "drinking_water": (1, 0), "meat_products": (1, 0),
        "wires_cables": (1, 1), "plugs": (1, 1)}
    assert s["uncovered_categories"] == ["bean_sprouts", "candy", "liquor", "food_plastic_packaging", "other_food"]
    # High risk: B (2 samples) and F (1) -> 1.5 a firm; others A C G I -> 2 samples over 4 firms.
    hr = s["high_risk"]
    assert hr["high_risk"] == {"enterprises": 2, "samples": 3, "failed": 0, "per_enterprise": 1.5}
    assert hr["other_food"] == {"enterprises": 4, "samples": 2, "failed": 1, "per_enterprise": 0.5}
    assert hr["sampled_more_often"] is True
    assert s["by_town"] == {"河口镇": {"samples": 3, "failed": 2}, "石桥镇": {"samples": 4, "failed": 1}}


def test_a_failed_plug_or_wire_sample_is_followed_up_only_by_a_later_order_of_the_same_enterprise(oct1):
    fu = oct1["sampling"]["follow_up"]
    # E's wire failure (09-02) was followed by O3 (09-05); D's plug failure never was.
    assert (fu["failed"], fu["followed_up"]) == (2, 1)
    assert [(m["name"], m["sample_no"], m["failed_items"], m["occurred_on"]) for m in fu["without_follow_up"]] == [
        ("丁插头厂", "S-D", ["插销尺寸"], date(2026, 9, 1))]


def test_focus_lists_gather_their_enterprises_samples_failures_orders_and_closures(oct1):
    f = oct1["focus"]
    summary = {k: (v["enterprises"], v["samples"], v["failed"], v["orders"], v["closures"]) for k, v in f.items()}
    assert summary == {"two_beans": (1, 1, 1, 1, 1), "drinking_water": (1, 1, 0, 1, 0),
                       "aquatic_products": (1, 2, 0, 0, 0)}
    assert [m["name"] for m in f["two_beans"]["members"]] == ["甲豆腐坊"]  # H registers only on 10-05


def test_focus_lists_break_down_by_town(oct1):
    f = oct1["focus"]
    # A (河口镇) makes bean products; C (石桥镇) drinking water; B (石桥镇) aquatic products.
    assert f["two_beans"]["by_town"] == {
        "河口镇": {"enterprises": 1, "samples": 1, "failed": 1, "orders": 1, "closures": 1}}
    assert f["drinking_water"]["by_town"] == {
        "石桥镇": {"enterprises": 1, "samples": 1, "failed": 0, "orders": 1, "closures": 0}}
    assert f["aquatic_products"]["by_town"] == {
        "石桥镇": {"enterprises": 1, "samples": 2, "failed": 0, "orders": 0, "closures": 0}}


def test_calendar_counts_acts_by_the_phase_their_date_falls_in(oct1):
    acts = ("inspections", "orders", "verifications", "licenses", "reviews", "samples", "closures", "total")
    phases = {p["key"]: tuple(p[a] for a in acts) for p in oct1["calendar"]["phases"]}
    assert phases == {
        "preparation": (1, 2, 0, 2, 0, 0, 0, 5),  # A's inspection, O1, O2, CCC1, CCC2
        "implementation": (0, 1, 3, 3, 3, 7, 1, 18),
        "summary": (0, 0, 0, 0, 0, 0, 0, 0),
    }
    assert [p["current"] for p in oct1["calendar"]["phases"]] == [False, True, False]


def test_calendar_activity_per_town_adds_up_to_the_phase_totals(oct1):
    cal = oct1["calendar"]
    by_town = cal["by_town"]
    for p in cal["phases"]:
        assert sum(t[p["key"]] for t in by_town.values()) == p["total"]
    # 河口镇 — preparation: A's inspection, O1, CCC2; implementation: A's two verifications, sample and
    # closure, E's review, sample and O3, F's sample, I's licence. 石桥镇 — preparation: O2, CCC1;
    # implementation: B's licence, review and two samples, C's licence, verification and sample, D's review
    # and sample.
    assert {t: (v["preparation"], v["implementation"], v["summary"], v["total"]) for t, v in by_town.items()} == {
        "河口镇": (3, 9, 0, 12), "石桥镇": (2, 9, 0, 11)}


def test_disclosure_lists_failed_samples_and_violations_by_date(oct1):
    assert [(i["name"], i["type"], i["items"], i["occurred_on"]) for i in oct1["disclosure"]] == [
        ("甲豆腐坊", "violation", ["three_no"], date(2026, 8, 10)),
        ("甲豆腐坊", "sample_failed", ["苯甲酸"], date(2026, 8, 20)),
        ("丁插头厂", "sample_failed", ["插销尺寸"], date(2026, 9, 1)),
        ("戊电线厂", "sample_failed", ["导体电阻"], date(2026, 9, 2)),
    ]
