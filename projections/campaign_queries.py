"""The campaign report's figures as aggregate queries over the status view's tables.

`campaign_report(tx, as_of, known_at, campaign)` answers exactly what the pure
reference `projections.campaign_figures.campaign_figures` answers from every
enterprise's folded state (the definitions live there and in the README; tests hold
the two equal on random histories and on the demo), without loading any enterprise
into Python: counts are GROUP BY queries, and each list is a `Listing` that knows its
total and fetches a page or streams every row from the same read transaction.

An act is live at (D, K) when recorded by K, not retracted by a retraction recorded by
K, and occurred on or before D; an enterprise exists when its registration was
recorded by K and dated on or before D. Text is ordered by code point (`{C}`), as
Python orders it, on both stores.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from domain.values import FOOD_CATEGORIES, Area, ClosureReason, Kind, ProductCategory
from projections.campaign_figures import (
    ACTS,
    AREA_ORDER,
    CATEGORY_ORDER,
    FATES,
    FOCUS_LIST,
    KIND_ORDER,
    CampaignRules,
    _counts,
    _outside_phase,
    _rate,
    _ratio,
)
from projections.dialect import as_date, as_json
from projections.listing import Listing, Row
from projections.recorders import Tx

FOOD_KINDS = tuple(k.value for k in Kind if k.is_food)
SAMPLE_TYPES = "('SamplePassed', 'SampleFailed')"
# Acts counted by the calendar, by the key it counts them under (closures: below, first closure only).
CALENDAR_ACTS = {"Inspected": "inspections", "OrderedToRectify": "orders", "RectificationVerified": "verifications",
                 "Licensed": "licenses", "LicenseReviewed": "reviews", "SamplePassed": "samples",
                 "SampleFailed": "samples"}


def live(a: str) -> str:
    """The act of alias `a` is live at (%(as_of)s, %(known_at)s)."""
    return (f"{a}.recorded_at <= %(known_at)s AND ({a}.retracted_at IS NULL OR {a}.retracted_at > %(known_at)s) "
            f"AND {a}.occurred_on <= %(as_of)s")


# Each enterprise's standing at (as_of, known_at): its one live row of the status timeline
# (status, required licence held, first closure, orders by fate; domain.status.Standing).
_STANDING = """
SELECT t.enterprise_id, t.name, t.town, t.kind, t.area, t.status, t.licensed, t.closed_on, t.closure_reason,
       t.orders, t.passed_on_time, t.passed_late, t.overdue_orders, t.open_orders, t.failed_verifications
  FROM view_status_timeline{sfx} t
 WHERE t.valid_from <= %(as_of)s AND (t.valid_to IS NULL OR t.valid_to > %(as_of)s)
   AND t.tx_from <= %(known_at)s AND (t.tx_to IS NULL OR t.tx_to > %(known_at)s)
"""

# Live orders with the date of their first passed verification and their failed verifications.
_ORDERS = f"""
SELECT o.enterprise_id, o.version, o.order_no, o.occurred_on AS issued_on, o.deadline, o.actor_id AS issued_by,
       v.passed_on, COALESCE(v.failed, 0) AS failed
  FROM view_status_facts{{sfx}} o
  LEFT JOIN (SELECT enterprise_id, order_no, MIN(CASE WHEN passed THEN occurred_on END) AS passed_on,
                    SUM(CASE WHEN passed THEN 0 ELSE 1 END) AS failed
               FROM view_status_facts{{sfx}} v
              WHERE v.type = 'RectificationVerified' AND {live('v')}
              GROUP BY enterprise_id, order_no) v ON v.enterprise_id = o.enterprise_id AND v.order_no = o.order_no
 WHERE o.type = 'OrderedToRectify' AND {live('o')}
"""
_FATE = ("CASE WHEN passed_on IS NOT NULL THEN (CASE WHEN passed_on <= deadline THEN 'passed_on_time' "
         "ELSE 'passed_late' END) WHEN deadline < %(as_of)s THEN 'overdue' ELSE 'open' END")

# Licences live and valid on as_of, held by enterprises not closed then, and whether reviewed for the year.
_DUE = f"""
SELECT l.enterprise_id, l.version, l.license_no, l.license_type, l.occurred_on AS granted_on, l.valid_until,
       t.name, t.town, t.kind, CASE WHEN r.enterprise_id IS NULL THEN 0 ELSE 1 END AS reviewed
  FROM view_status_facts{{sfx}} l
  JOIN ({_STANDING}) t ON t.enterprise_id = l.enterprise_id AND t.closed_on IS NULL
  LEFT JOIN (SELECT DISTINCT r.enterprise_id, r.license_no FROM view_status_facts{{sfx}} r
              WHERE r.type = 'LicenseReviewed' AND r.year = %(year)s AND r.passed AND {live('r')}) r
         ON r.enterprise_id = l.enterprise_id AND r.license_no = l.license_no
 WHERE l.type = 'Licensed' AND {live('l')} AND l.valid_until >= %(as_of)s
"""

# Samples per enterprise (all categories, or those of a list given as a condition on s).
_SAMPLES_BY_ENTERPRISE = f"""
SELECT s.enterprise_id, COUNT(*) AS n, SUM(CASE WHEN s.type = 'SampleFailed' THEN 1 ELSE 0 END) AS failed
  FROM view_status_facts{{sfx}} s WHERE s.type IN {SAMPLE_TYPES} AND {live('s')} {{extra}} GROUP BY s.enterprise_id
"""

# The payload of an enterprise's first closure dated by as_of (for its decision number).
_CLOSURE_PAYLOAD = f"""
(SELECT c.payload FROM view_status_facts{{sfx}} c
  WHERE c.enterprise_id = t.enterprise_id AND c.type = 'Closed' AND {live('c')}
  ORDER BY c.occurred_on, c.version LIMIT 1)
"""


class CampaignQueries:
    """The report at one (as_of, known_at), computed inside one read transaction."""

    def __init__(self, tx: Tx, as_of: date, known_at: datetime, campaign: CampaignRules) -> None:
        self.tx, self.as_of, self.known_at, self.campaign = tx, as_of, known_at, campaign
        self.params: dict[str, Any] = {"as_of": as_of, "known_at": known_at, "year": campaign.year}
        for i, p in enumerate(campaign.phases):
            self.params[f"phase{i}_start"], self.params[f"phase{i}_end"] = p.start, p.end
        self._act_counts: list[dict[str, Any]] | None = None

    # -- plumbing ------------------------------------------------------------------------

    def _rows(self, sql: str, extra: dict[str, Any] | None = None) -> list[Any]:
        return self.tx.rows(sql, {**self.params, **(extra or {})})

    def _listing(self, total: int, sql: str, order: str, row: Any, extra: dict[str, Any] | None = None) -> Listing:
        params = {**self.params, **(extra or {})}

        def fetch(limit: int | None, offset: int) -> Iterable[Row]:
            if limit is None and not offset:
                return (row(r) for r in self.tx.stream(f"{sql} ORDER BY {order}", params))
            window = f" LIMIT {int(limit)}" if limit is not None else " LIMIT -1" if not self.tx.dialect.is_postgres \
                else ""
            return [row(r) for r in self.tx.rows(f"{sql} ORDER BY {order}{window} OFFSET {int(offset)}", params)]

        return Listing(total, fetch)

    def _in(self, name: str, values: Sequence[str]) -> str:
        """`IN (...)` over named parameters name0, name1... (FALSE for an empty list)."""
        if not values:
            return "IN (NULL)"
        self.params.update({f"{name}{i}": v for i, v in enumerate(values)})
        return "IN (" + ", ".join(f"%({name}{i})s" for i in range(len(values))) + ")"

    # -- the report ------------------------------------------------------------------------

    def figures(self) -> dict[str, Any]:
        campaign, as_of = self.campaign, self.as_of
        groups = self._groups()
        phase = next((p for p in campaign.phases if p.start <= as_of <= p.end), None)
        return {
            "as_of": as_of,
            "known_at": self.known_at,
            "year": campaign.year,
            "phase": phase.key if phase else _outside_phase(as_of, campaign),
            "towns": sorted({g["town"] for g in groups}),
            "census": self.census(groups),
            "licensing": self.licensing(groups),
            "rectification": self.rectification(),
            "annual_review": self.annual_review(),
            "sampling": self.sampling(),
            "focus": self.focus(),
            "calendar": self.calendar(),
            "disclosure": self.disclosure(),
        }

    def _groups(self) -> list[dict[str, Any]]:
        """Enterprises counted by town, kind, area, licensed, closed and closure reason."""
        rows = self._rows(
            "SELECT town, kind, area, licensed, closed_on IS NOT NULL AS closed, closure_reason, COUNT(*) AS n "
            f"FROM ({_STANDING}) t GROUP BY town, kind, area, licensed, closed_on IS NOT NULL, closure_reason"
        )
        return [{"town": r["town"], "kind": r["kind"], "area": r["area"], "licensed": bool(r["licensed"]),
                 "closed": bool(r["closed"]), "reason": r["closure_reason"], "n": int(r["n"])} for r in rows]

    # -- census --------------------------------------------------------------------------

    def census(self, groups: list[dict[str, Any]]) -> dict[str, Any]:
        keys = ("registered", "licensed", "closed")
        cells: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        by_kind: Counter[str] = Counter()
        for g in groups:
            counts = {"registered": g["n"], "licensed": g["n"] * g["licensed"], "closed": g["n"] * g["closed"]}
            cells[(g["town"], g["kind"], g["area"])].update(counts)
            by_town[g["town"]].update(counts)
            by_kind[g["kind"]] += g["n"]
        rows = [
            {"town": town, "kind": kind, "area": area, **_counts(c, keys)}
            for (town, kind, area), c in sorted(cells.items(), key=lambda i: (i[0][0], KIND_ORDER[i[0][1]],
                                                                              AREA_ORDER[i[0][2]]))
        ]
        total = sum(by_town.values(), Counter())
        return {
            **_counts(total, keys),
            "rows": rows,
            "by_town": {t: _counts(c, keys) for t, c in sorted(by_town.items())},
            "by_kind": {k.value: by_kind.get(k.value, 0) for k in Kind},
        }

    # -- licensing -----------------------------------------------------------------------

    def licensing(self, groups: list[dict[str, Any]]) -> dict[str, Any]:
        deadline_passed = self.as_of > self.campaign.licensing_deadline
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        totals: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for g in groups:
            food = g["kind"] in FOOD_KINDS
            counts = {
                "food": g["n"] * food,
                "needing": g["n"] * (food and not g["closed"]),
                "unlicensed": g["n"] * (food and not g["closed"] and not g["licensed"]),
                "fringe_workshops_open": g["n"] * (g["kind"] == Kind.SMALL_WORKSHOP.value
                                                   and g["area"] == Area.URBAN_RURAL_FRINGE.value and not g["closed"]),
                "closures": g["n"] * g["closed"],
            }
            totals.update(counts)
            if g["closed"]:
                reasons[g["reason"]] += g["n"]
            if any(counts[k] for k in ("needing", "unlicensed", "fringe_workshops_open", "closures")):
                by_town[g["town"]].update({k: v for k, v in counts.items() if k != "food"})
        keys = ("needing", "holding", "unlicensed", "fringe_workshops_open", "closures")
        for counts in by_town.values():
            counts["holding"] = counts["needing"] - counts["unlicensed"]
        needing, unlicensed = totals["needing"], totals["unlicensed"]
        food_kinds = self._in("food", FOOD_KINDS)
        order = "town{C}, name{C}, enterprise_id{C}"
        return {
            "food_enterprises": totals["food"],
            "needing": needing,
            "holding": needing - unlicensed,
            "rate": _rate(needing - unlicensed, needing),
            "deadline": self.campaign.licensing_deadline,
            "deadline_passed": deadline_passed,
            "unlicensed_after_deadline": unlicensed if deadline_passed else 0,
            "still_unlicensed": self._listing(
                unlicensed,
                f"SELECT * FROM ({_STANDING}) t WHERE kind {food_kinds} AND closed_on IS NULL AND NOT licensed", order,
                lambda r: {**_ref(r), "area": r["area"], "required_license": Kind(r["kind"]).required_license.value}),
            "fringe_workshops_open": totals["fringe_workshops_open"],
            "fringe_workshops": self._listing(
                totals["fringe_workshops_open"],
                f"SELECT * FROM ({_STANDING}) t WHERE kind = '{Kind.SMALL_WORKSHOP.value}' "
                f"AND area = '{Area.URBAN_RURAL_FRINGE.value}' AND closed_on IS NULL", order,
                lambda r: {**_ref(r), "status": r["status"]}),
            "closures": totals["closures"],
            "closures_by_reason": {r.value: reasons[r.value] for r in ClosureReason if reasons[r.value]},
            "closed_enterprises": self._listing(
                totals["closures"], f"SELECT t.*, {_CLOSURE_PAYLOAD} AS closure FROM ({_STANDING}) t "
                "WHERE closed_on IS NOT NULL", order,
                lambda r: {**_ref(r), "closed_on": as_date(r["closed_on"]), "reason": r["closure_reason"],
                           "decision_no": as_json(r["closure"]).get("decision_no", "")}),
            "by_town": {t: _counts(c, keys) for t, c in sorted(by_town.items())},
        }

    # -- rectification -------------------------------------------------------------------

    def rectification(self) -> dict[str, Any]:
        keys = ("issued", *FATES, "failed_verifications")
        total: Counter[str] = Counter()
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self._rows("SELECT town, SUM(orders) AS issued, SUM(passed_on_time) AS passed_on_time, "
                            "SUM(passed_late) AS passed_late, SUM(overdue_orders) AS overdue, SUM(open_orders) AS open, "
                            f"SUM(failed_verifications) AS failed_verifications FROM ({_STANDING}) t "
                            "WHERE orders > 0 GROUP BY town"):
            counts = {k: int(r[k]) for k in keys}
            total.update(counts)
            by_town[r["town"]].update(counts)
        overdue = self._listing(
            total["overdue"],
            f"SELECT o.*, e.name, e.town, e.kind FROM ({_ORDERS}) o "
            f"JOIN view_enterprises{{sfx}} e ON e.enterprise_id = o.enterprise_id WHERE {_FATE} = 'overdue'",
            "o.deadline, e.name{C}, e.town{C}, o.enterprise_id{C}, o.issued_on, o.version",
            lambda r: {**_ref(r), "order_no": r["order_no"], "issued_on": as_date(r["issued_on"]),
                       "deadline": as_date(r["deadline"]), "days_overdue": (self.as_of - as_date(r["deadline"])).days,
                       "issued_by": r["issued_by"]})
        return {
            **_counts(total, keys),
            "overdue_orders": overdue,
            "by_town": {t: _counts(c, keys) for t, c in sorted(by_town.items()) if c},
        }

    # -- annual review -------------------------------------------------------------------

    def annual_review(self) -> dict[str, Any]:
        campaign = self.campaign
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self._rows(f"SELECT town, COUNT(*) AS due, SUM(reviewed) AS reviewed FROM ({_DUE}) d GROUP BY town"):
            by_town[r["town"]].update({"due": int(r["due"]), "reviewed": int(r["reviewed"] or 0)})
        due = sum(c["due"] for c in by_town.values())
        reviewed = sum(c["reviewed"] for c in by_town.values())
        rate = _rate(reviewed, due)
        shortfall = self._listing(
            due - reviewed,
            f"SELECT * FROM ({_DUE}) d WHERE reviewed = 0",
            "town{C}, name{C}, enterprise_id{C}, granted_on, version",
            lambda r: {**_ref(r), "license_no": r["license_no"], "license_type": r["license_type"],
                       "granted_on": as_date(r["granted_on"]), "valid_until": as_date(r["valid_until"])})
        return {
            "year": campaign.year,
            "due": due,
            "reviewed": reviewed,
            "rate": rate,
            "target": campaign.review_target,
            "meets_target": rate is not None and rate >= campaign.review_target,
            "reviews_to_target": max(0, math.ceil(round(campaign.review_target * due, 9)) - reviewed),
            "shortfall": shortfall,
            "by_town": {
                t: {"due": c["due"], "reviewed": c["reviewed"], "rate": _rate(c["reviewed"], c["due"])}
                for t, c in sorted(by_town.items())
            },
        }

    # -- sampling ------------------------------------------------------------------------

    def sampling(self) -> dict[str, Any]:
        by_category: dict[str, Counter[str]] = defaultdict(Counter)
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self._acts():
            if r["type"] in ("SamplePassed", "SampleFailed"):
                counts = {"samples": r["n"], "failed": r["n"] if r["type"] == "SampleFailed" else 0}
                by_category[r["product_category"]].update(counts)
                by_town[r["town"]].update(counts)
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
            "high_risk": self._high_risk(),
            "follow_up": self._follow_up(),
            "by_town": {t: _counts(c, ("samples", "failed")) for t, c in sorted(by_town.items())},
        }

    def _high_risk(self) -> dict[str, Any]:
        campaign = self.campaign
        high = self._in("high", campaign.high_risk_categories)
        food = self._in("food", FOOD_KINDS)
        groups: dict[str, Counter[str]] = {"high_risk": Counter(), "other_food": Counter()}
        for r in self._rows(
            "SELECT CASE WHEN h.enterprise_id IS NULL THEN 0 ELSE 1 END AS high, "
            "COUNT(*) AS enterprises, SUM(COALESCE(s.n, 0)) AS samples, SUM(COALESCE(s.failed, 0)) AS failed "
            f"FROM ({_STANDING}) t LEFT JOIN ({_SAMPLES_BY_ENTERPRISE.replace('{extra}', '')}) s "
            "ON s.enterprise_id = t.enterprise_id "
            f"LEFT JOIN (SELECT DISTINCT c.enterprise_id FROM view_enterprise_categories{{sfx}} c "
            f"WHERE c.category {high}) h ON h.enterprise_id = t.enterprise_id "
            f"WHERE t.kind {food} GROUP BY 1"
        ):
            groups["high_risk" if r["high"] else "other_food"].update(
                {"enterprises": int(r["enterprises"]), "samples": int(r["samples"] or 0),
                 "failed": int(r["failed"] or 0)})
        result: dict[str, Any] = {
            name: {**_counts(c, ("enterprises", "samples", "failed")), "per_enterprise": _ratio(c)}
            for name, c in groups.items()
        }
        high_rate, other_rate = result["high_risk"]["per_enterprise"], result["other_food"]["per_enterprise"]
        result["categories"] = list(campaign.high_risk_categories)
        result["sampled_more_often"] = high_rate is not None and (other_rate is None or high_rate > other_rate)
        return result

    def _follow_up(self) -> dict[str, Any]:
        categories = self._in("follow", self.campaign.follow_up_categories)
        # Followed up: the enterprise's last order dated by as_of is dated on or after the sample.
        failed = (f"FROM view_status_facts{{sfx}} s JOIN view_enterprises{{sfx}} e ON e.enterprise_id = s.enterprise_id "
                  f"LEFT JOIN (SELECT o.enterprise_id, MAX(o.occurred_on) AS last_order FROM view_status_facts{{sfx}} o "
                  f"WHERE o.type = 'OrderedToRectify' AND {live('o')} GROUP BY o.enterprise_id) o "
                  f"ON o.enterprise_id = s.enterprise_id "
                  f"WHERE s.type = 'SampleFailed' AND {live('s')} AND s.product_category {categories}")
        followed = "(o.last_order IS NOT NULL AND o.last_order >= s.occurred_on)"
        r = self._rows(f"SELECT COUNT(*) AS n, SUM(CASE WHEN {followed} THEN 1 ELSE 0 END) AS followed {failed}")[0]
        n, followed_up = int(r["n"]), int(r["followed"] or 0)
        return {
            "categories": list(self.campaign.follow_up_categories),
            "failed": n,
            "followed_up": followed_up,
            "without_follow_up": self._listing(
                n - followed_up, f"SELECT s.*, e.name, e.town, e.kind {failed} AND NOT {followed}",
                "s.occurred_on, e.name{C}, e.town{C}, s.enterprise_id{C}, s.version",
                lambda r: {**_ref(r), "sample_no": r["sample_no"], "product": as_json(r["payload"]).get("product", ""),
                           "product_category": r["product_category"],
                           "failed_items": list(as_json(r["payload"]).get("failed_items", [])),
                           "occurred_on": as_date(r["occurred_on"])}),
        }

    # -- focus lists ---------------------------------------------------------------------

    def focus(self) -> dict[str, Any]:
        return {lst.key: self._focus_list(n, lst) for n, lst in enumerate(self.campaign.focus)}

    def _focus_list(self, n: int, lst: Any) -> dict[str, Any]:
        categories = self._in(f"focus{n}_", lst.categories)
        samples = _SAMPLES_BY_ENTERPRISE.replace("{extra}", f"AND s.product_category {categories}")
        members = (
            f"SELECT t.enterprise_id, t.name, t.town, t.kind, t.status, COALESCE(s.n, 0) AS samples, "
            f"COALESCE(s.failed, 0) AS failed, t.orders, CASE WHEN t.closed_on IS NULL THEN 0 ELSE 1 END AS closed "
            f"FROM ({_STANDING}) t LEFT JOIN ({samples}) s ON s.enterprise_id = t.enterprise_id "
            f"WHERE t.enterprise_id IN (SELECT k.enterprise_id FROM view_enterprise_categories{{sfx}} k "
            f"WHERE k.category {categories})"
        )
        by_town = {}
        for r in self._rows(f"SELECT town, COUNT(*) AS enterprises, SUM(samples) AS samples, SUM(failed) AS failed, "
                            f"SUM(orders) AS orders, SUM(closed) AS closures FROM ({members}) m GROUP BY town"):
            by_town[r["town"]] = {k: int(r[k] or 0) for k in ("enterprises", "samples", "failed", "orders",
                                                              "closures")}
        totals = {k: sum(t[k] for t in by_town.values()) for k in ("enterprises", "samples", "failed", "orders",
                                                                   "closures")}
        return {
            "label": lst.label,
            "categories": list(lst.categories),
            **totals,
            "by_town": dict(sorted(by_town.items())),
            "members": self._listing(
                totals["enterprises"], f"SELECT * FROM ({members}) m", "town{C}, name{C}, enterprise_id{C}",
                lambda r: {**_ref(r), "status": r["status"], "samples": int(r["samples"]),
                           "failed": int(r["failed"]), "orders": int(r["orders"]), "closed": bool(r["closed"])}),
        }

    def list_named(self, name: str) -> Listing | None:
        """One list of the report by its API name (campaign_figures.LISTS), computing only its part."""
        if name in ("still_unlicensed", "fringe_workshops", "closed_enterprises"):
            return self.licensing(self._groups())[name]  # type: ignore[no-any-return]
        if name == "overdue_orders":
            return self.rectification()["overdue_orders"]  # type: ignore[no-any-return]
        if name == "review_shortfall":
            return self.annual_review()["shortfall"]  # type: ignore[no-any-return]
        if name == "without_follow_up":
            return self._follow_up()["without_follow_up"]  # type: ignore[no-any-return]
        if name == "disclosure":
            return self.disclosure()
        for n, lst in enumerate(self.campaign.focus):
            if name == FOCUS_LIST.format(key=lst.key):
                return self._focus_list(n, lst)["members"]  # type: ignore[no-any-return]
        return None

    # -- calendar ------------------------------------------------------------------------

    def _acts(self) -> list[dict[str, Any]]:
        """Live acts counted by town, type, product category, inspection outcome and campaign phase (-1: none).

        One pass over the acts serves the calendar, the sampling figures and the disclosure count."""
        if self._act_counts is None:
            types = self._in("act", list(CALENDAR_ACTS))
            self._act_counts = [
                {"town": r["town"], "type": r["type"], "product_category": r["product_category"],
                 "outcome": r["outcome"], "phase": int(r["phase"]), "n": int(r["n"])}
                for r in self._rows(
                    f"SELECT f.town, f.type, f.product_category, f.outcome, {self._phase_of('f.occurred_on')} AS phase, "
                    f"COUNT(*) AS n FROM view_status_facts{{sfx}} f WHERE f.type {types} AND {live('f')} "
                    "GROUP BY 1, 2, 3, 4, 5")
            ]
        return self._act_counts

    def _phase_of(self, column: str) -> str:
        """The index of the campaign phase a date falls in (the first that holds), else -1."""
        whens = " ".join(f"WHEN {column} BETWEEN %(phase{i}_start)s AND %(phase{i}_end)s THEN {i}"
                         for i in range(len(self.campaign.phases)))
        return f"CASE {whens} ELSE -1 END" if whens else "-1"

    def calendar(self) -> dict[str, Any]:
        campaign, as_of = self.campaign, self.as_of
        phases = list(campaign.phases)
        outside = "outside"
        activity: dict[str, Counter[str]] = {p.key: Counter() for p in phases}
        activity[outside] = Counter()
        by_town: dict[str, Counter[str]] = defaultdict(Counter)
        closures = self._rows(f"SELECT t.town, 'Closed' AS type, {self._phase_of('t.closed_on')} AS phase, "
                              f"COUNT(*) AS n FROM ({_STANDING}) t WHERE t.closed_on IS NOT NULL GROUP BY 1, 3")
        for r in [*self._acts(), *closures]:
            key = phases[int(r["phase"])].key if int(r["phase"]) >= 0 else outside
            act = CALENDAR_ACTS.get(r["type"], "closures")
            activity[key][act] += int(r["n"])
            by_town[r["town"]][key] += int(r["n"])

        def row(key: str, label: str, start: date | None, end: date | None) -> dict[str, Any]:
            c = activity[key]
            current = start is not None and end is not None and start <= as_of <= end
            return {"key": key, "label": label, "start": start, "end": end, "current": current, **_counts(c, ACTS),
                    "total": sum(c[a] for a in ACTS)}

        keys = [*(p.key for p in phases), outside]
        return {"phases": [row(p.key, p.label, p.start, p.end) for p in phases],
                "outside": row(outside, "活动期外", None, None),
                "by_town": {t: {**_counts(c, keys), "total": sum(c.values())} for t, c in sorted(by_town.items())}}

    # -- disclosure ----------------------------------------------------------------------

    def disclosure(self) -> Listing:
        where = (f"FROM view_status_facts{{sfx}} f JOIN view_enterprises{{sfx}} e ON e.enterprise_id = f.enterprise_id "
                 f"WHERE {live('f')} AND (f.type = 'SampleFailed' OR (f.type = 'Inspected' AND f.outcome = 'violation'))")
        total = sum(r["n"] for r in self._acts()
                    if r["type"] == "SampleFailed" or (r["type"] == "Inspected" and r["outcome"] == "violation"))
        return self._listing(
            total, f"SELECT f.enterprise_id, f.type, f.version, f.occurred_on, f.sample_no, f.product_category, "
            f"f.payload, e.name, e.town, e.kind, e.product_categories {where}",
            "f.occurred_on, e.town{C}, e.name{C}, CASE WHEN f.type = 'SampleFailed' THEN 0 ELSE 1 END, "
            "f.enterprise_id{C}, f.version",
            _disclosed)


def _ref(r: Any) -> dict[str, Any]:
    return {"enterprise_id": r["enterprise_id"], "name": r["name"], "town": r["town"], "kind": r["kind"]}


def _disclosed(r: Any) -> dict[str, Any]:
    payload = as_json(r["payload"])
    if r["type"] == "SampleFailed":
        return {**_ref(r), "type": "sample_failed", "occurred_on": as_date(r["occurred_on"]),
                "reference": r["sample_no"], "product_category": r["product_category"],
                "product": payload.get("product", ""), "items": list(payload.get("failed_items", []))}
    categories = as_json(r["product_categories"])
    return {**_ref(r), "type": "violation", "occurred_on": as_date(r["occurred_on"]), "reference": "",
            "product_category": categories[0] if categories else "", "product": "",
            "items": list(payload.get("findings", []))}


def campaign_report(tx: Tx, as_of: date, known_at: datetime, campaign: CampaignRules) -> dict[str, Any]:
    """The campaign's figures at (as_of, known_at); lists are Listings reading from `tx` (keep it open)."""
    return CampaignQueries(tx, as_of, known_at, campaign).figures()

