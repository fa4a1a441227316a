"""The accountability view: who did what, when, and what came of it.

`view_actions` holds every enterprise event as an act of the official who recorded
it, marked when a later retraction voids it; `view_official_assignments` holds each
official's role and towns over time. An act counts at (as_of D, known_at K) when it
was recorded by K, not retracted by a retraction recorded by K, and occurred by D.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.bureau_time import BUREAU_TZ
from projections.dialect import as_date, as_datetime, as_json, to_json
from projections.events import enterprise_fact, event_type, is_enterprise_event, is_official_event, payload_of
from projections.recorders import Tx, ViewRecorder

# late_days compares the bureau's day an act was recorded (UTC+8) with the day it occurred.
BUREAU_TIME = BUREAU_TZ

_LIVE = "recorded_at <= %s AND (retracted_at IS NULL OR retracted_at > %s) AND occurred_on <= %s"


def apply_to_accountability(tx: Tx, event: Any, position: int) -> None:
    if is_enterprise_event(event):
        _record_action(tx, event, position)
    elif is_official_event(event):
        _record_assignment(tx, event)


def _record_action(tx: Tx, event: Any, position: int) -> None:
    fact = enterprise_fact(event)
    enterprise_id = str(event.originator_id)
    tx.execute(
        "INSERT INTO view_actions{sfx} (enterprise_id, version, position, type, occurred_on, recorded_at, actor_id, "
        "actor_name, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (enterprise_id, fact.version, position, fact.type, fact.occurred_on, fact.recorded_at, fact.actor_id,
         event.actor.name, to_json(fact.payload)),
    )
    if fact.type == "Retracted":
        tx.execute(
            "UPDATE view_actions{sfx} SET retracted_at = %s, retracted_by = %s WHERE enterprise_id = %s AND version = %s",
            (fact.recorded_at, fact.version, enterprise_id, int(fact.payload["event_version"])),
        )


def _record_assignment(tx: Tx, event: Any) -> None:
    kind = event_type(event)
    if kind not in ("Appointed", "Reassigned", "Deactivated"):
        return
    official_id = str(event.originator_id)
    previous = tx.rows(
        "SELECT name, unit, role, towns, active FROM view_official_assignments{sfx} WHERE official_id = %s "
        "ORDER BY version DESC LIMIT 1",
        (official_id,),
    )
    p = payload_of(event)
    row = dict(previous[0]) if previous else {}
    row.update({k: p[k] for k in ("name", "unit", "role") if k in p})
    towns = p["towns"] if "towns" in p else as_json(row.get("towns", "[]"))
    active = kind != "Deactivated" and bool(row.get("active", True))
    tx.execute(
        "INSERT INTO view_official_assignments{sfx} (official_id, version, name, unit, role, towns, active, "
        "occurred_on, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (official_id, event.originator_version, row["name"], row["unit"], row["role"], to_json(list(towns)), active,
         event.occurred_on, event.timestamp),
    )


@dataclass(frozen=True)
class Action:
    enterprise_id: UUID
    official_id: str
    official_name: str
    type: str
    version: int
    occurred_on: date
    recorded_at: datetime
    payload: dict[str, Any]

    @property
    def late_days(self) -> int:
        return max(0, (self.recorded_at.astimezone(BUREAU_TIME).date() - self.occurred_on).days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "enterprise_id": str(self.enterprise_id), "type": self.type, "version": self.version,
            "occurred_on": self.occurred_on.isoformat(), "recorded_at": self.recorded_at.isoformat(),
            "late_days": self.late_days,
        }


class AccountabilityView:
    """Questions about officials' acts, answered at (as_of, known_at)."""

    def __init__(self, recorder: ViewRecorder, compliant_then_failed_days: int = 90) -> None:
        self.recorder = recorder
        self.window_days = compliant_then_failed_days

    def position(self) -> int:
        return self.recorder.position()

    def actions(
        self, as_of: date, known_at: datetime, *, official_id: UUID | str | None = None,
        types: tuple[str, ...] = (), since: date | None = None,
    ) -> list[Action]:
        where, params = [_LIVE], [known_at, known_at, as_of]
        if official_id is not None:
            where.append("actor_id = %s")
            params.append(str(official_id))
        if types:
            where.append(f"type IN ({', '.join(['%s'] * len(types))})")
            params += list(types)
        if since is not None:
            where.append("occurred_on >= %s")
            params.append(since)
        with self.recorder.read() as tx:
            rows = tx.rows(
                "SELECT enterprise_id, actor_id, actor_name, type, version, occurred_on, recorded_at, payload "
                f"FROM view_actions{{sfx}} WHERE {' AND '.join(where)} ORDER BY occurred_on, recorded_at, version",
                params,
            )
        return [
            Action(UUID(r["enterprise_id"]), r["actor_id"], r["actor_name"], r["type"], int(r["version"]),
                   as_date(r["occurred_on"]), as_datetime(r["recorded_at"]), as_json(r["payload"]))
            for r in rows
        ]

    def officials(self, as_of: date, known_at: datetime) -> dict[str, dict[str, Any]]:
        """Each official's last known assignment on as_of: name, unit, role, towns, active."""
        with self.recorder.read() as tx:
            rows = tx.rows(
                "SELECT official_id, version, name, unit, role, towns, active FROM view_official_assignments{sfx} "
                "WHERE recorded_at <= %s AND occurred_on <= %s ORDER BY official_id, version",
                (known_at, as_of),
            )
        latest: dict[str, dict[str, Any]] = {}
        for r in rows:
            latest[r["official_id"]] = {
                "official_id": r["official_id"], "name": r["name"], "unit": r["unit"], "role": r["role"],
                "towns": as_json(r["towns"]), "active": bool(r["active"]),
            }
        return latest

    def responsible(self, as_of: date, known_at: datetime) -> dict[str, list[dict[str, str]]]:
        """Town -> the active officials responsible for it on as_of.

        First those bound to the town (scope "town"), then those acting unit-wide (no
        towns; scope "unit") who may record acts: inspectors and supervisors, not
        auditors or administrators. Towns are those any official is bound to.
        """
        bound: dict[str, list[dict[str, str]]] = defaultdict(list)
        unit_wide: list[dict[str, str]] = []
        for o in self.officials(as_of, known_at).values():
            if not o["active"]:
                continue
            entry = {"official_id": o["official_id"], "name": o["name"], "role": o["role"]}
            for town in o["towns"]:
                bound[town].append({**entry, "scope": "town"})
            if not o["towns"] and o["role"] in ("inspector", "supervisor"):
                unit_wide.append({**entry, "scope": "unit"})
        unit_wide.sort(key=lambda o: o["official_id"])
        return {t: [*sorted(v, key=lambda o: o["official_id"]), *unit_wide] for t, v in sorted(bound.items())}

    def report(self, as_of: date, known_at: datetime) -> dict[str, Any]:
        """The accountability findings at (as_of, known_at), in the API's shape."""
        acts = self.actions(as_of, known_at)
        names = {o: v["name"] for o, v in self.officials(as_of, known_at).items()}
        orders = order_fates(acts, as_of)
        officials: dict[str, dict[str, Any]] = {}
        for a in acts:
            entry = officials.setdefault(a.official_id, {
                "official_id": a.official_id, "name": names.get(a.official_id, a.official_name),
                "actions": Counter(), "orders": Counter(issued=0, verified_on_time=0, verified_late=0, overdue=0),
            })
            entry["actions"][a.type] += 1
        for o in orders:
            counts = officials[o["issued_by"]]["orders"]
            counts["issued"] += 1
            if o["fate"] in ("verified_on_time", "verified_late", "overdue"):
                counts[o["fate"]] += 1
        return {
            "as_of": as_of.isoformat(),
            "known_at": known_at.isoformat(),
            "officials": [
                {**o, "actions": dict(sorted(o["actions"].items())), "orders": dict(o["orders"])}
                for _, o in sorted(officials.items())
            ],
            "overdue_orders": [
                {k: o[k] for k in ("enterprise_id", "order_no", "deadline", "issued_by")}
                for o in orders if o["fate"] == "overdue"
            ],
            "compliant_then_failed": compliant_then_failed(acts, self.window_days),
            "responsible": self.responsible(as_of, known_at),
        }


def order_fates(acts: list[Action], as_of: date) -> list[dict[str, Any]]:
    """Every live order with its fate on as_of: verified_on_time, verified_late, overdue or open."""
    passed: dict[tuple[UUID, str], date] = {}
    for a in acts:
        if a.type == "RectificationVerified" and a.payload.get("passed"):
            key = (a.enterprise_id, a.payload["order_no"])
            passed[key] = min(passed.get(key, a.occurred_on), a.occurred_on)
    fates = []
    for a in acts:
        if a.type != "OrderedToRectify":
            continue
        deadline = as_date(a.payload["deadline"])
        passed_on = passed.get((a.enterprise_id, a.payload["order_no"]))
        if passed_on is not None:
            fate = "verified_on_time" if passed_on <= deadline else "verified_late"
        else:
            fate = "overdue" if deadline < as_of else "open"
        fates.append({
            "enterprise_id": str(a.enterprise_id), "order_no": a.payload["order_no"], "deadline": deadline.isoformat(),
            "issued_by": a.official_id, "issued_on": a.occurred_on.isoformat(), "fate": fate,
        })
    return sorted(fates, key=lambda o: (o["enterprise_id"], o["order_no"]))


def compliant_then_failed(acts: list[Action], window_days: int) -> list[dict[str, Any]]:
    """Inspections found compliant followed within window_days by a failed sample of the same enterprise."""
    failures = [a for a in acts if a.type == "SampleFailed"]
    found = []
    for i in acts:
        if i.type != "Inspected" or i.payload.get("outcome") != "compliant":
            continue
        for f in failures:
            days = (f.occurred_on - i.occurred_on).days
            if f.enterprise_id == i.enterprise_id and 0 <= days <= window_days:
                found.append({
                    "enterprise_id": str(i.enterprise_id), "inspector_id": i.official_id,
                    "inspected_on": i.occurred_on.isoformat(), "sample_no": f.payload["sample_no"],
                    "failed_on": f.occurred_on.isoformat(), "days_between": days,
                })
    return sorted(found, key=lambda c: (c["enterprise_id"], c["inspected_on"], c["sample_no"], c["inspector_id"]))
