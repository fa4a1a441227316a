"""The figures of the campaign's summary report, as a pure function of the enterprises' states on a date.

`campaign_figures(states, as_of, known_at, campaign)` takes every enterprise registered by
`as_of` as the status view folds it (as known at `known_at`) and returns the report as
plain values: JSON keys, API words, dates as `date`. Formats (JSON, CSV, XLSX, HTML) are
adapters over this one result.

Definitions (also in the README):
- census: every enterprise registered on or before as_of, closed or not. It "holds every
  license its kind needs" when it holds a license of its kind's one required type
  (`Kind.required_license`) that is valid on as_of.
- licensing: food enterprises are those of a food kind (`Kind.is_food`: food producers,
  small workshops, sales points). "Needing" a license: food enterprises not closed on
  as_of; "holding": those of them holding their required license, valid on as_of.
  "Unlicensed after the deadline" counts the needing-but-not-holding only when as_of is
  after the licensing deadline; before it, it is 0 and `deadline_passed` is false (the
  still-unlicensed are listed either way). "Fringe workshops open": small workshops in
  the urban–rural fringe not closed on as_of. Closures by reason: every kind.
- rectification: orders issued on or before as_of, by their fate on as_of (passed on
  time, passed late, overdue, open); failed verifications dated on or before as_of.
- annual review: the licenses "due for review" are those valid on as_of held by an
  enterprise not closed on as_of; one counts as reviewed when it has a passed review for
  the campaign year dated on or before as_of. Rate = reviewed / due (None when none is
  due); the shortfall lists every due license not reviewed.
- sampling: samples dated on or before as_of. Food categories with no sample are
  coverage gaps. High-risk against others: food enterprises making any high-risk category
  against the other food enterprises, samples per enterprise in each group. A failed
  sample of a follow-up category (plugs, wires/cables) is followed up when the same
  enterprise has an order to rectify dated on or after the sample (and on or before as_of).
- focus lists: enterprises making any category of the list; their samples, failures,
  orders and closures; samples counted are those of the list's categories.
- calendar: the phase as_of falls in; acts (inspections, orders, verifications,
  licenses, reviews, samples, closures) counted by the phase their date falls in.
- disclosure (曝光): failed samples and inspections finding a violation.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.status import FATES, EnterpriseState, License
from domain.values import FOOD_CATEGORIES, Area, Kind, ProductCategory
from projections.listing import listing

CATEGORY_ORDER = {c.value: i for i, c in enumerate(ProductCategory)}
KIND_ORDER = {k.value: i for i, k in enumerate(Kind)}
AREA_ORDER = {a.value: i for i, a in enumerate(Area)}
ACTS = ("inspections", "orders", "verifications", "licenses", "reviews", "samples", "closures")


class PhaseRules(Protocol):
    # Read-only members (properties), so frozen dataclasses satisfy these protocols.
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...


class FocusRules(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def categories(self) -> tuple[str, ...]: ...


class CampaignRules(Protocol):
    """What the figures need of the campaign's settings for one year (application.campaign_settings.Campaign)."""

    @property
    def year(self) -> int: ...
    @property
    def licensing_deadline(self) -> date: ...
    @property
    def review_target(self) -> float: ...
    @property
    def high_risk_categories(self) -> tuple[str, ...]: ...
    @property
    def follow_up_categories(self) -> tuple[str, ...]: ...
    @property
    def phases(self) -> Sequence[PhaseRules]: ...
    @property
    def focus(self) -> Sequence[FocusRules]: ...


Enterprises = list[tuple[UUID, EnterpriseState]]

# The report's lists (they grow with the register), by their name in the API: where each sits in the figures.
LISTS: dict[str, tuple[str, ...]] = {
    "still_unlicensed": ("licensing", "still_unlicensed"),
    "fringe_workshops": ("licensing", "fringe_workshops"),
    "closed_enterprises": ("licensing", "closed_enterprises"),
    "overdue_orders": ("rectification", "overdue_orders"),
    "review_shortfall": ("annual_review", "shortfall"),
    "without_follow_up": ("sampling", "follow_up", "without_follow_up"),
    "disclosure": ("disclosure",),
}
FOCUS_LIST = "focus_{key}"  # each focus list's members: ("focus", key, "members")


def list_paths(figures: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every list of these figures by its API name, focus lists included."""
    return {**LISTS, **{FOCUS_LIST.format(key=key): ("focus", key, "members") for key in figures["focus"]}}


def with_listings(figures: Any) -> dict[str, Any]:
    """The figures with every list a Listing (the SQL figures' lists already are; the pure ones' are lists)."""
    out = dict(figures)
    for path in list_paths(out).values():
        holder = out
        for key in path[:-1]:
            holder[key] = dict(holder[key])
            holder = holder[key]
        holder[path[-1]] = listing(holder[path[-1]])
    return out


def campaign_figures(
    states: Iterable[tuple[UUID, EnterpriseState]], as_of: date, known_at: datetime, campaign: CampaignRules
) -> dict[str, Any]:
    """The whole report: census, licensing, rectification, annual review, sampling, focus, calendar, disclosure."""
    enterprises = sorted(states, key=lambda pair: (pair[1].town, pair[1].name, str(pair[0])))
    phase = next((p for p in campaign.phases if p.start <= as_of <= p.end), None)
    return {
        "as_of": as_of,
        "known_at": known_at,
        "year": campaign.year,
        "phase": phase.key if phase else _outside_phase(as_of, campaign),
        "towns": sorted({s.town for _, s in enterprises}),
        "census": census(enterprises, as_of),
        "licensing": licensing(enterprises, as_of, campaign),
        "rectification": rectification(enterprises, as_of),
        "annual_review": annual_review(enterprises, as_of, campaign),
        "sampling": sampling(enterprises, campaign),
        "focus": focus(enterprises, campaign),
        "calendar": calendar(enterprises, as_of, campaign),
        "disclosure": disclosure(enterprises),
    }


def _outside_phase(as_of: date, campaign: CampaignRules) -> str:
    return "before" if as_of < campaign.phases[0].start else "after" if as_of > campaign.phases[-1].end else "between"


def _ref(eid: UUID, s: EnterpriseState) -> dict[str, Any]:
    return {"enterprise_id": str(eid), "name": s.name, "town": s.town, "kind": s.kind}


def _closed(s: EnterpriseState) -> bool:
    return s.closure is not None  # the fold only holds a closure dated on or before as_of


def _holds_required(s: EnterpriseState, as_of: date) -> bool:
    required = Kind(s.kind).required_license.value
    return any(lic.license_type == required and lic.is_valid(as_of) for lic in s.licenses)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# -- census -------------------------------------------------------------------------------


def census(enterprises: Enterprises, as_of: date) -> dict[str, Any]:
    cells: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    by_town: dict[str, Counter[str]] = defaultdict(Counter)
    for _, s in enterprises:
        counts = {"registered": 1, "licensed": int(_holds_required(s, as_of)), "closed": int(_closed(s))}
        cells[(s.town, s.kind, s.area)].update(counts)
        by_town[s.town].update(counts)
    rows = [
        {"town": town, "kind": kind, "area": area, **_counts(c, ("registered", "licensed", "closed"))}
        for (town, kind, area), c in sorted(cells.items(), key=lambda i: (i[0][0], KIND_ORDER[i[0][1]],
                                                                          AREA_ORDER[i[0][2]]))
    ]
    total = sum(by_town.values(), Counter())
    return {
        **_counts(total, ("registered", "licensed", "closed")),
        "rows": rows,
        "by_town": {t: _counts(c, ("registered", "licensed", "closed")) for t, c in sorted(by_town.items())},
        "by_kind": {k.value: sum(1 for _, s in enterprises if s.kind == k.value) for k in Kind},
    }


def _counts(counter: Counter[str], keys: Iterable[str]) -> dict[str, int]:
    return {k: counter.get(k, 0) for k in keys}


# -- licensing ----------------------------------------------------------------------------


def licensing(enterprises: Enterprises, as_of: date, campaign: CampaignRules) -> dict[str, Any]:
    deadline_passed = as_of > campaign.licensing_deadline
    food = [(eid, s) for eid, s in enterprises if Kind(s.kind).is_food]
    needing = [(eid, s) for eid, s in food if not _closed(s)]
    unlicensed = [(eid, s) for eid, s in needing if not _holds_required(s, as_of)]
    fringe_open = [
        (eid, s) for eid, s in enterprises
        if s.kind == Kind.SMALL_WORKSHOP.value and s.area == Area.URBAN_RURAL_FRINGE.value and not _closed(s)
    ]
    closures = [(eid, s) for eid, s in enterprises if _closed(s)]
    by_town: dict[str, Counter[str]] = defaultdict(Counter)
    for group, key in ((needing, "needing"), (unlicensed, "unlicensed"), (fringe_open, "fringe_workshops_open"),
                       (closures, "closures")):
        for _, s in group:
            by_town[s.town][key] += 1
    keys = ("needing", "holding", "unlicensed", "fringe_workshops_open", "closures")
    for counts in by_town.values():
        counts["holding"] = counts["needing"] - counts["unlicensed"]
    return {
        "food_enterprises": len(food),
        "needing": len(needing),
        "holding": len(needing) - len(unlicensed),
        "rate": _rate(len(needing) - len(unlicensed), len(needing)),
        "deadline": campaign.licensing_deadline,
        "deadline_passed": deadline_passed,
        "unlicensed_after_deadline": len(unlicensed) if deadline_passed else 0,
        "still_unlicensed": [
            {**_ref(eid, s), "area": s.area, "required_license": Kind(s.kind).required_license.value}
            for eid, s in unlicensed
        ],
        "fringe_workshops_open": len(fringe_open),
        "fringe_workshops": [{**_ref(eid, s), "status": s.status} for eid, s in fringe_open],
        "closures": len(closures),
        "closures_by_reason": dict(Counter(s.closure.reason for _, s in closures if s.closure)),
        "closed_enterprises": [
            {**_ref(eid, s), "closed_on": s.closure.occurred_on, "reason": s.closure.reason,
             "decision_no": s.closure.decision_no}
            for eid, s in closures if s.closure
        ],
        "by_town": {t: _counts(c, keys) for t, c in sorted(by_town.items())},
    }


# -- rectification ------------------------------------------------------------------------


def rectification(enterprises: Enterprises, as_of: date) -> dict[str, Any]:
    keys = ("issued", *FATES, "failed_verifications")
    total: Counter[str] = Counter()
    by_town: dict[str, Counter[str]] = defaultdict(Counter)
    overdue = []
    for eid, s in enterprises:
        for order in s.orders:
            fate = order.fate(as_of)
            failed = sum(1 for v in order.verifications if not v.passed)
            for counter in (total, by_town[s.town]):
                counter.update({"issued": 1, fate: 1, "failed_verifications": failed})
            if fate == "overdue":
                overdue.append({**_ref(eid, s), "order_no": order.order_no, "issued_on": order.issued_on,
                                "deadline": order.deadline, "days_overdue": (as_of - order.deadline).days,
                                "issued_by": order.issued_by})
    return {
        **_counts(total, keys),
        "overdue_orders": sorted(overdue, key=lambda o: (o["deadline"], o["name"])),
        "by_town": {t: _counts(c, keys) for t, c in sorted(by_town.items()) if c},
    }


# -- annual review ------------------------------------------------------------------------


def annual_review(enterprises: Enterprises, as_of: date, campaign: CampaignRules) -> dict[str, Any]:
    by_town: dict[str, Counter[str]] = defaultdict(Counter)
    shortfall = []
    for eid, s in enterprises:
        if _closed(s):
            continue
        for lic in s.licenses:
            if not lic.is_valid(as_of):
                continue
            is_reviewed = _reviewed(lic, campaign.year)
            by_town[s.town].update({"due": 1, "reviewed": int(is_reviewed)})
            if not is_reviewed:
                shortfall.append({**_ref(eid, s), "license_no": lic.license_no, "license_type": lic.license_type,
                                  "granted_on": lic.granted_on, "valid_until": lic.valid_until})
    due = sum(c["due"] for c in by_town.values())
    reviewed = sum(c["reviewed"] for c in by_town.values())
    return review_figures(campaign, due, reviewed, shortfall, by_town)


def review_figures(campaign: CampaignRules, due: int, reviewed: int, shortfall: Any,
                   by_town: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """The annual review's figures from its counts (in Python here, by SQL in campaign_queries)."""
    rate = _rate(reviewed, due)
    return {
        "year": campaign.year,
        "due": due,
        "reviewed": reviewed,
        "rate": rate,
        "target": campaign.review_target,
        "meets_target": rate is not None and rate >= campaign.review_target,
        # How many more reviews would reach the target.
        "reviews_to_target": max(0, math.ceil(round(campaign.review_target * due, 9)) - reviewed),
        "shortfall": shortfall,
        "by_town": {
            t: {"due": c["due"], "reviewed": c["reviewed"], "rate": _rate(c["reviewed"], c["due"])}
            for t, c in sorted(by_town.items())
        },
    }


def _reviewed(lic: License, year: int) -> bool:
    return any(r.year == year and r.passed for r in lic.reviews)


# -- sampling -----------------------------------------------------------------------------


def sampling(enterprises: Enterprises, campaign: CampaignRules) -> dict[str, Any]:
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    by_town: dict[str, Counter[str]] = defaultdict(Counter)
    for _, s in enterprises:
        for sample in s.samples:
            counts = {"samples": 1, "failed": int(sample.result == "fail")}
            by_category[sample.product_category].update(counts)
            by_town[s.town].update(counts)
    total = sum(by_category.values(), Counter())
    return {
        "samples": total["samples"],
        "failed": total["failed"],
        "by_category": {
            c: {"samples": n["samples"], "failed": n["failed"], "is_food": ProductCategory(c).is_food}
            for c, n in sorted(by_category.items(), key=lambda i: CATEGORY_ORDER[i[0]])
        },
        "uncovered_categories": [
            c.value for c in ProductCategory if c in FOOD_CATEGORIES and c.value not in by_category
        ],
        "high_risk": _high_risk(enterprises, campaign),
        "follow_up": _follow_up(enterprises, campaign),
        "by_town": {t: _counts(c, ("samples", "failed")) for t, c in sorted(by_town.items())},
    }


def _high_risk(enterprises: Enterprises, campaign: CampaignRules) -> dict[str, Any]:
    high = set(campaign.high_risk_categories)
    groups: dict[str, Counter[str]] = {"high_risk": Counter(), "other_food": Counter()}
    for _, s in enterprises:
        if not Kind(s.kind).is_food:
            continue
        group = groups["high_risk" if high & set(s.product_categories) else "other_food"]
        group.update({"enterprises": 1, "samples": len(s.samples), "failed": len(s.failed_samples)})
    result: dict[str, Any] = {
        name: {**_counts(c, ("enterprises", "samples", "failed")), "per_enterprise": _ratio(c)}
        for name, c in groups.items()
    }
    high_rate, other_rate = result["high_risk"]["per_enterprise"], result["other_food"]["per_enterprise"]
    result["categories"] = list(campaign.high_risk_categories)
    result["sampled_more_often"] = high_rate is not None and (other_rate is None or high_rate > other_rate)
    return result


def _ratio(c: Counter[str]) -> float | None:
    return round(c["samples"] / c["enterprises"], 2) if c["enterprises"] else None


def _follow_up(enterprises: Enterprises, campaign: CampaignRules) -> dict[str, Any]:
    categories = set(campaign.follow_up_categories)
    failed, missing = 0, []
    for eid, s in enterprises:
        for sample in s.failed_samples:
            if sample.product_category not in categories:
                continue
            failed += 1
            if not any(o.issued_on >= sample.occurred_on for o in s.orders):
                missing.append({**_ref(eid, s), "sample_no": sample.sample_no, "product": sample.product,
                                "product_category": sample.product_category, "failed_items": list(sample.failed_items),
                                "occurred_on": sample.occurred_on})
    return {
        "categories": list(campaign.follow_up_categories),
        "failed": failed,
        "followed_up": failed - len(missing),
        "without_follow_up": sorted(missing, key=lambda m: (m["occurred_on"], m["name"])),
    }


# -- focus lists --------------------------------------------------------------------------


def focus(enterprises: Enterprises, campaign: CampaignRules) -> dict[str, Any]:
    result = {}
    for lst in campaign.focus:
        categories = set(lst.categories)
        members = []
        for eid, s in enterprises:
            if not categories & set(s.product_categories):
                continue
            samples = [x for x in s.samples if x.product_category in categories]
            members.append({
                **_ref(eid, s), "status": s.status, "samples": len(samples),
                "failed": sum(1 for x in samples if x.result == "fail"), "orders": len(s.orders),
                "closed": _closed(s),
            })
        result[lst.key] = {
            "label": lst.label,
            "categories": list(lst.categories),
            **_focus_totals(members),
            "by_town": {town: _focus_totals([m for m in members if m["town"] == town])
                        for town in sorted({m["town"] for m in members})},
            "members": members,
        }
    return result


def _focus_totals(members: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "enterprises": len(members),
        **{k: sum(m[k] for m in members) for k in ("samples", "failed", "orders")},
        "closures": sum(1 for m in members if m["closed"]),
    }


# -- calendar -----------------------------------------------------------------------------


def calendar(enterprises: Enterprises, as_of: date, campaign: CampaignRules) -> dict[str, Any]:
    outside = "outside"
    activity: dict[str, Counter[str]] = {p.key: Counter() for p in campaign.phases}
    activity[outside] = Counter()
    by_town: dict[str, Counter[str]] = defaultdict(Counter)  # town -> acts per phase
    town = ""

    def count(day: date, act: str) -> None:
        phase = next((p.key for p in campaign.phases if p.start <= day <= p.end), outside)
        activity[phase][act] += 1
        by_town[town][phase] += 1

    for _, s in enterprises:
        town = s.town
        for i in s.inspections:
            count(i.occurred_on, "inspections")
        for o in s.orders:
            count(o.issued_on, "orders")
            for v in o.verifications:
                count(v.occurred_on, "verifications")
        for lic in s.licenses:
            count(lic.granted_on, "licenses")
            for r in lic.reviews:
                count(r.occurred_on, "reviews")
        for x in s.samples:
            count(x.occurred_on, "samples")
        if s.closure:
            count(s.closure.occurred_on, "closures")

    def row(key: str, label: str, start: date | None, end: date | None) -> dict[str, Any]:
        c = activity[key]
        current = start is not None and end is not None and start <= as_of <= end
        return {"key": key, "label": label, "start": start, "end": end, "current": current, **_counts(c, ACTS),
                "total": sum(c[a] for a in ACTS)}

    phases = [row(p.key, p.label, p.start, p.end) for p in campaign.phases]
    keys = [*(p.key for p in campaign.phases), outside]
    return {"phases": phases, "outside": row(outside, "活动期外", None, None),
            "by_town": {t: {**_counts(c, keys), "total": sum(c.values())} for t, c in sorted(by_town.items())}}


# -- disclosure ---------------------------------------------------------------------------


def disclosure(enterprises: Enterprises) -> list[dict[str, Any]]:
    """Failed samples and violations found by inspection, for public disclosure (曝光)."""
    items: list[dict[str, Any]] = []
    for eid, s in enterprises:
        items.extend(
            {**_ref(eid, s), "type": "sample_failed", "occurred_on": x.occurred_on, "reference": x.sample_no,
             "product_category": x.product_category, "product": x.product, "items": list(x.failed_items)}
            for x in s.failed_samples
        )
        category = s.product_categories[0] if s.product_categories else ""
        items.extend(
            {**_ref(eid, s), "type": "violation", "occurred_on": i.occurred_on, "reference": "",
             "product_category": category, "product": "", "items": list(i.findings)}
            for i in s.inspections if i.outcome == "violation"
        )
    return sorted(items, key=lambda d: (d["occurred_on"], d["town"], d["name"], d["type"]))
