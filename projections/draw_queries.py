"""Questions about draw plans, answered from the views at (as_of, known_at): which plans, how complete, what is public.

Plans, their targets and their inspectors are the accountability view's `view_draw_*`
tables; the inspections that answer a plan are its `view_actions` (and, for findings,
the status view's facts) whose `draw_id` names the plan. A target is:

- ``on_time``  inspected, answering the plan, by one of its assigned inspectors, dated within the period;
- ``late``     not on time, but so inspected after the period's end (by as_of);
- ``missed``   neither, and the period ended before as_of;
- ``pending``  neither, and the period has not ended by as_of.

An inspection answering the plan by someone not assigned to that target is flagged
(`unassigned`), whatever its date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.draw_plan import ANNOUNCED, CANCELLED, DRAWN, PUBLISHED, DrawPlan
from domain.enterprise import INSPECTED
from projections.acts import live
from projections.dialect import as_json, required_date
from projections.views import Views

COMPLETION = ("on_time", "late", "missed", "pending")
_STATE_AFTER = {DrawPlan.Announced.__name__: ANNOUNCED, DrawPlan.Drawn.__name__: DRAWN,
                DrawPlan.Published.__name__: PUBLISHED, DrawPlan.Cancelled.__name__: CANCELLED}


@dataclass(frozen=True)
class PlanSummary:
    plan_id: str
    name: str
    unit: str
    state: str
    period_start: date
    period_end: date
    announced_on: date
    drawn_on: date | None
    published_on: date | None
    targets: int
    payload: dict[str, Any]  # the announcement's

    def as_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "name": self.name, "unit": self.unit, "state": self.state,
                "period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                "announced_on": self.announced_on.isoformat(),
                "drawn_on": self.drawn_on.isoformat() if self.drawn_on else None,
                "published_on": self.published_on.isoformat() if self.published_on else None,
                "targets": self.targets}


def plans(
    views: Views, known_at: datetime, *, state: str | None = None, plan_id: str | None = None
) -> list[PlanSummary]:
    """Every plan as known at known_at (newest announcement first), or those in `state`, or the one `plan_id`."""
    where = "recorded_at <= %(known_at)s"
    params: dict[str, Any] = {"known_at": known_at}
    if plan_id is not None:
        where += " AND plan_id = %(plan)s"
        params["plan"] = plan_id
    with views.accountability.recorder.read() as tx:
        events = tx.rows(f"SELECT plan_id, version, type, occurred_on, unit, payload FROM view_draw_events{{sfx}} "
                         f"WHERE {where} ORDER BY plan_id, version", params)
        counts = {r["plan_id"]: int(r["n"]) for r in tx.rows(
            f"SELECT plan_id, COUNT(*) AS n FROM view_draw_targets{{sfx}} WHERE {where} GROUP BY plan_id", params)}
    found: dict[str, dict[str, Any]] = {}
    for r in events:
        kind, day = r["type"], required_date(r["occurred_on"])
        if kind == DrawPlan.Announced.__name__:
            found[r["plan_id"]] = {"announced_on": day, "unit": r["unit"], "payload": as_json(r["payload"]),
                                   "drawn_on": None, "published_on": None}
        entry = found.get(r["plan_id"])
        if entry is None:
            continue
        entry["state"] = _STATE_AFTER[kind]
        if kind == DrawPlan.Drawn.__name__:
            entry["drawn_on"] = day
        elif kind == DrawPlan.Published.__name__:
            entry["published_on"] = day
    out = [PlanSummary(pid, e["payload"]["name"], e["unit"], e["state"],
                       date.fromisoformat(e["payload"]["period_start"]), date.fromisoformat(e["payload"]["period_end"]),
                       e["announced_on"], e["drawn_on"], e["published_on"], counts.get(pid, 0), e["payload"])
           for pid, e in found.items() if state is None or e["state"] == state]
    return sorted(out, key=lambda p: (p.announced_on, p.plan_id), reverse=True)


def completion(views: Views, plan_id: str, as_of: date, known_at: datetime) -> dict[str, Any] | None:
    """The plan's completion at (as_of, known_at): per target, per inspector, in total; None if unknown then."""
    found = plans(views, known_at, plan_id=plan_id)
    if not found:
        return None
    plan = found[0]
    params = {"plan": plan_id, "as_of": as_of, "known_at": known_at}
    with views.accountability.recorder.read() as tx:
        targets = tx.rows("SELECT enterprise_id, stratum, rank FROM view_draw_targets{sfx} "
                          "WHERE plan_id = %(plan)s AND recorded_at <= %(known_at)s ORDER BY rank", params)
        assigned: dict[str, set[str]] = defaultdict(set)
        for r in tx.rows("SELECT enterprise_id, official_id FROM view_draw_inspectors{sfx} "
                         "WHERE plan_id = %(plan)s AND recorded_at <= %(known_at)s", params):
            assigned[r["enterprise_id"]].add(r["official_id"])
        inspections = tx.rows(
            "SELECT a.enterprise_id, a.version, a.actor_id, a.actor_name, a.occurred_on, a.outcome "
            f"FROM view_actions{{sfx}} a WHERE a.type = '{INSPECTED}' AND a.draw_id = %(plan)s AND {live('a')} "
            "ORDER BY a.occurred_on, a.enterprise_id, a.version", params)
        names = {r["official_id"]: r["name"] for r in tx.rows(
            "SELECT official_id, name FROM view_official_assignments{sfx} WHERE recorded_at <= %(known_at)s "
            "ORDER BY official_id, version", params)}
    by_target: dict[str, list[Any]] = defaultdict(list)
    for r in inspections:
        by_target[r["enterprise_id"]].append(r)
    rows, unassigned = [], []
    per_official: dict[str, dict[str, int]] = defaultdict(lambda: {**{c: 0 for c in COMPLETION}, "assigned": 0,
                                                                  "unassigned_inspections": 0})
    totals = {c: 0 for c in COMPLETION}
    for t in targets:
        eid, team = t["enterprise_id"], assigned[t["enterprise_id"]]
        done = [required_date(r["occurred_on"]) for r in by_target[eid] if r["actor_id"] in team]
        if any(plan.period_start <= d <= plan.period_end for d in done):
            fate = "on_time"
        elif any(d > plan.period_end for d in done):
            fate = "late"
        else:
            fate = "missed" if as_of > plan.period_end else "pending"
        totals[fate] += 1
        for official in team:
            per_official[official]["assigned"] += 1
            per_official[official][fate] += 1
        for r in by_target[eid]:
            if r["actor_id"] not in team:
                per_official[r["actor_id"]]["unassigned_inspections"] += 1
                unassigned.append({"enterprise_id": eid, "official_id": r["actor_id"], "name": r["actor_name"],
                                   "occurred_on": required_date(r["occurred_on"]).isoformat(),
                                   "version": int(r["version"])})
        rows.append({"enterprise_id": eid, "stratum": t["stratum"], "inspectors": sorted(team), "completion": fate,
                     "inspected_on": min(done).isoformat() if done else None})
    return {
        "plan_id": plan_id, "name": plan.name, "state": plan.state, "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(), "as_of": as_of.isoformat(), "known_at": known_at.isoformat(),
        "totals": {"targets": len(targets), **totals, "unassigned_inspections": len(unassigned)},
        "targets": rows,
        "inspectors": [{"official_id": o, "name": names.get(o, ""), **counts}
                       for o, counts in sorted(per_official.items())],
        "unassigned": unassigned,
    }


def completion_totals(views: Views, as_of: date, known_at: datetime) -> list[dict[str, Any]]:
    """Each drawn or published plan's completion totals at (as_of, known_at), newest first (a few plans a year)."""
    out = []
    for plan in plans(views, known_at):
        if plan.state in (DRAWN, PUBLISHED):
            found = completion(views, plan.plan_id, as_of, known_at)
            if found is not None:
                out.append({k: found[k] for k in ("plan_id", "name", "state", "period_start", "period_end", "totals")})
    return out


def public_results(views: Views, plan_id: str, known_at: datetime) -> dict[str, Any] | None:
    """What the public may see of a published plan (一公开), or None if it is not published as known at known_at:
    the plan, the enterprises drawn (name, town, stratum), and the outcome, findings and date of each inspection
    answering it. Never officials' ids, tokens, notes, or any unpublished plan."""
    found = plans(views, known_at, plan_id=plan_id)
    if not found or found[0].state != PUBLISHED:
        return None
    plan = found[0]
    p = plan.payload
    params = {"plan": plan_id, "known_at": known_at, "as_of": date.max.replace(year=9998)}
    with views.accountability.recorder.read() as tx:
        drawn = tx.rows("SELECT payload, recorded_at FROM view_draw_events{sfx} WHERE plan_id = %(plan)s "
                        "AND type = 'Drawn' AND recorded_at <= %(known_at)s", params)[0]
        targets = tx.rows("SELECT enterprise_id, stratum, rank FROM view_draw_targets{sfx} WHERE plan_id = %(plan)s "
                          "AND recorded_at <= %(known_at)s ORDER BY rank", params)
    draw = as_json(drawn["payload"])
    ids = [t["enterprise_id"] for t in targets]
    with views.status.read() as tx:
        enterprises: dict[str, Any] = {}
        inspections: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            marks = ", ".join(f"%(e{i})s" for i in range(len(chunk)))
            ps = {**params, **{f"e{i}": e for i, e in enumerate(chunk)}}
            for r in tx.rows(f"SELECT enterprise_id, name, town, kind FROM view_enterprises{{sfx}} "
                             f"WHERE enterprise_id IN ({marks})", ps):
                enterprises[r["enterprise_id"]] = {"name": r["name"], "town": r["town"], "kind": r["kind"]}
            for r in tx.rows("SELECT a.enterprise_id, a.occurred_on, a.outcome, a.payload "
                             f"FROM view_status_facts{{sfx}} a "
                             f"WHERE a.type = '{INSPECTED}' AND a.draw_id = %(plan)s AND {live('a')} "
                             f"AND a.enterprise_id IN ({marks}) ORDER BY a.occurred_on, a.version", ps):
                inspections[r["enterprise_id"]].append({
                    "occurred_on": required_date(r["occurred_on"]).isoformat(), "outcome": r["outcome"],
                    "findings": list(as_json(r["payload"]).get("findings", []))})
    return {
        "plan_id": plan_id, "name": plan.name, "unit": plan.unit,
        "scope": {"towns": p["towns"], "kinds": p["kinds"], "categories": p["categories"],
                  "high_risk_categories": p["high_risk_categories"]},
        "strata": p["strata"], "inspectors_per_target": p["inspectors_per_target"],
        "period_start": plan.period_start.isoformat(), "period_end": plan.period_end.isoformat(),
        "announced_on": plan.announced_on.isoformat(),
        "drawn_on": plan.drawn_on.isoformat() if plan.drawn_on else None,
        "published_on": plan.published_on.isoformat() if plan.published_on else None,
        "seed_commitment": p["seed_commitment"], "seed": draw["seed"],
        "register_known_at": draw["known_at"],
        "drawn_strata": draw["strata"],
        "targets": [{"enterprise_id": t["enterprise_id"],
                     "name": enterprises.get(t["enterprise_id"], {}).get("name", ""),
                     "town": enterprises.get(t["enterprise_id"], {}).get("town", ""),
                     "kind": enterprises.get(t["enterprise_id"], {}).get("kind", ""),
                     "stratum": t["stratum"], "inspections": inspections.get(t["enterprise_id"], [])}
                    for t in targets],
    }
