"""The accountability view: who did what, when, and what came of it.

`view_actions` holds every enterprise event as an act of the official who recorded it
(typed columns as in the status view), marked when a later retraction voids it;
`view_official_assignments` holds each official's role and towns over time. An act
counts at (as_of D, known_at K) when it was recorded by K, not retracted by a
retraction recorded by K, and occurred by D. Every answer is an aggregate query; the
lists in it (overdue orders, "compliant, then failed", one official's acts) are paged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.bureau_time import BUREAU_TZ
from domain.draw_plan import DrawPlan
from domain.enterprise import INSPECTED, ORDERED_TO_RECTIFY, RECTIFICATION_VERIFIED, RETRACTED, SAMPLE_FAILED
from domain.official import Official
from projections.acts import TYPED, live, orders_issued, orders_passed, overdue_orders, typed_columns
from projections.dialect import as_date, as_json, required_date, required_datetime, to_json
from projections.events import (
    enterprise_fact,
    event_type,
    is_draw_plan_event,
    is_enterprise_event,
    is_official_event,
    payload_of,
)
from projections.recorders import Tx, ViewRecorder, run_beside
from projections.status_view import id_chunks

# late_days compares the bureau's day an act was recorded (UTC+8) with the day it occurred.
BUREAU_TIME = BUREAU_TZ

DRAWN = DrawPlan.Drawn.__name__


# Each official's live acts by type at (as_of, known_at): the month cells wholly before the months
# as_of and known_at fall in (tables.ACT_MONTHS), and beside them the acts not in those cells, each
# part read from an index of its own: occurred in as_of's month or after it; before it, but
# recorded in known_at's month; before both, but retracted in known_at's month (after known_at).
_ACT = f"SELECT a.actor_id, a.type, 1 AS n, a.actor_name FROM view_actions{{sfx}} a WHERE {live('a')}"
OFFICIALS_ACTS = f"""
SELECT x.actor_id, x.type, SUM(x.n) AS n, MIN(x.actor_name) AS name FROM (
  SELECT c.actor_id, c.type, c.n, c.actor_name FROM view_action_months{{sfx}} c
   WHERE c.occurred_month < %(as_of_month)s AND c.recorded_month < %(known_month)s
     AND c.retracted_month > %(known_month)s AND c.n <> 0
  UNION ALL {_ACT} AND a.occurred_on >= %(as_of_month)s
  UNION ALL {_ACT} AND a.occurred_on < %(as_of_month)s AND a.recorded_at >= %(known_month_start)s
  UNION ALL {_ACT} AND a.occurred_on < %(as_of_month)s AND a.recorded_at < %(known_month_start)s
                   AND a.retracted_at < %(known_month_end)s
) x GROUP BY x.actor_id, x.type
"""


def month_bounds(as_of: date, known_at: datetime) -> dict[str, Any]:
    """OFFICIALS_ACTS' parameters besides as_of and known_at: the months they fall in (known_at's in UTC)."""
    known_month = utc_month(known_at)
    following = (known_month + timedelta(days=31)).replace(day=1)
    return {"as_of_month": month_of(as_of), "known_month": known_month,
            "known_month_start": datetime.combine(known_month, datetime.min.time(), UTC),
            "known_month_end": datetime.combine(following, datetime.min.time(), UTC)}


# -- the projection ------------------------------------------------------------------------


def apply_accountability_page(tx: Tx, items: Sequence[tuple[Any, int]]) -> None:
    """Records a page of events (with their log positions), in log order, in the accountability view."""
    actions, retractions = [], []
    for event, position in items:
        if is_enterprise_event(event):
            fact = enterprise_fact(event)
            enterprise_id = str(event.originator_id)
            actions.append((enterprise_id, fact.version, position, fact.type, fact.occurred_on, fact.recorded_at,
                            fact.actor_id, event.actor.name, *typed_columns(fact)))
            if fact.type == RETRACTED:
                retractions.append((fact.recorded_at, fact.version, enterprise_id, int(fact.payload["event_version"])))
        elif is_official_event(event) and event_type(event) == CONFLICT_DECLARED:
            _record_recusal(tx, event)
        elif is_official_event(event) and OFFICIAL_EVENTS[event_type(event)]:
            _flush(tx, actions, retractions)
            actions, retractions = [], []
            _record_assignment(tx, event)
        elif is_draw_plan_event(event):
            _record_draw_event(tx, event, position)
    _flush(tx, actions, retractions)


# Which of an official's events change who is responsible where (the view keeps those);
# tokens do not. An official's event without an entry is an error.
OFFICIAL_EVENTS = {
    Official.Appointed.__name__: True,
    Official.Reassigned.__name__: True,
    Official.Deactivated.__name__: True,
    Official.TokenIssued.__name__: False,
    Official.TokenRevoked.__name__: False,
    Official.ConflictDeclared.__name__: False,  # kept apart, in view_recusals
}
CONFLICT_DECLARED = Official.ConflictDeclared.__name__


_ACT_FIELDS = ("enterprise_id", "version", "position", "type", "occurred_on", "recorded_at", "actor_id", "actor_name")
ACTION_COLUMNS = (*_ACT_FIELDS, *TYPED, "order_issuer", "order_deadline")
# Where an act's order number and deadline are in its row (as built by apply_accountability_page).
_ORDER_NO, _DEADLINE = (len(_ACT_FIELDS) + TYPED.index(c) for c in ("order_no", "deadline"))


def _flush(tx: Tx, actions: list[tuple[Any, ...]], retractions: list[tuple[Any, ...]]) -> None:
    tx.insert("view_actions", ACTION_COLUMNS, _with_orders(tx, actions))
    tx.execute_many(
        "UPDATE view_actions{sfx} SET retracted_at = %s, retracted_by = %s WHERE enterprise_id = %s AND version = %s",
        retractions,
    )
    cells: dict[tuple[Any, ...], int] = defaultdict(int)
    for a in actions:  # enterprise_id, version, position, type, occurred_on, recorded_at, actor_id, actor_name, ...
        cells[_cell(a[6], a[7], a[3], a[4], a[5], None)] += 1
    # The retracted acts, read after the inserts (one may be in this page), one query per 500 enterprises.
    retracted = {(enterprise_id, version): at for at, _, enterprise_id, version in retractions}
    for chunk in id_chunks(sorted({enterprise_id for enterprise_id, _ in retracted})):
        for r in tx.rows("SELECT enterprise_id, version, actor_id, actor_name, type, occurred_on, recorded_at "
                         f"FROM view_actions{{sfx}} WHERE enterprise_id IN ({', '.join(['%s'] * len(chunk))})",
                         chunk):
            retracted_at = retracted.get((r["enterprise_id"], int(r["version"])))
            if retracted_at is not None:
                act = (r["actor_id"], r["actor_name"], r["type"], required_date(r["occurred_on"]),
                       required_datetime(r["recorded_at"]))
                cells[_cell(*act, None)] -= 1
                cells[_cell(*act, retracted_at)] += 1
    tx.execute_many(
        "INSERT INTO view_action_months{sfx} (actor_id, actor_name, type, occurred_month, recorded_month, "
        "retracted_month, n) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (actor_id, actor_name, type, "
        "occurred_month, recorded_month, retracted_month) DO UPDATE SET n = view_action_months{sfx}.n + excluded.n",
        [(*key, n) for key, n in cells.items() if n],
    )
    # A cell its acts all left (retracted) goes, as if never made: the view is the same whatever the pages were.
    tx.execute_many(
        "DELETE FROM view_action_months{sfx} WHERE actor_id = %s AND actor_name = %s AND type = %s "
        "AND occurred_month = %s AND recorded_month = %s AND retracted_month = %s AND n = 0",
        [key for key, n in cells.items() if n < 0],
    )


def _with_orders(tx: Tx, actions: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The acts with, for each verification, its order's issuer and deadline (None for every other act).

    The order is the one live when the verification was recorded: issued earlier among these acts (a number
    can be used again once its order is retracted), or else as stored (not retracted; one at most per number)."""
    verified = sorted({a[0] for a in actions if a[3] == RECTIFICATION_VERIFIED})
    orders: dict[tuple[str, str], tuple[str, date | None]] = {}
    for chunk in id_chunks(verified):
        for r in tx.rows("SELECT enterprise_id, order_no, actor_id, deadline FROM view_actions{sfx} "
                         f"WHERE type = '{ORDERED_TO_RECTIFY}' AND retracted_at IS NULL "
                         f"AND enterprise_id IN ({', '.join(['%s'] * len(chunk))})", chunk):
            orders[(r["enterprise_id"], r["order_no"])] = (r["actor_id"], as_date(r["deadline"]))
    out = []
    for a in actions:
        if a[3] == ORDERED_TO_RECTIFY:
            orders[(a[0], a[_ORDER_NO])] = (a[6], a[_DEADLINE])
        order = orders.get((a[0], a[_ORDER_NO])) if a[3] == RECTIFICATION_VERIFIED else None
        out.append((*a, *(order or (None, None))))
    return out


NEVER = date(9999, 12, 1)  # the retraction month of an act not retracted


def month_of(day: date) -> date:
    return day.replace(day=1)


def utc_month(moment: datetime) -> date:
    return month_of(moment.astimezone(UTC).date())


def _cell(actor_id: str, actor_name: str, act_type: str, occurred_on: date, recorded_at: datetime,
          retracted_at: datetime | None) -> tuple[Any, ...]:
    retracted = NEVER if retracted_at is None else utc_month(retracted_at)
    return actor_id, actor_name, act_type, month_of(occurred_on), utc_month(recorded_at), retracted


def _record_assignment(tx: Tx, event: Any) -> None:
    kind = event_type(event)
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
    active = kind != Official.Deactivated.__name__ and bool(row.get("active", True))
    tx.execute(
        "INSERT INTO view_official_assignments{sfx} (official_id, version, name, unit, role, towns, active, "
        "occurred_on, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (official_id, event.originator_version, row["name"], row["unit"], row["role"], to_json(list(towns)), active,
         event.occurred_on, event.timestamp),
    )


def _record_recusal(tx: Tx, event: Any) -> None:
    tx.execute(
        "INSERT INTO view_recusals{sfx} (official_id, version, enterprise_id, reason, occurred_on, recorded_at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (str(event.originator_id), event.originator_version, event.enterprise_id, event.reason, event.occurred_on,
         event.timestamp),
    )


def _record_draw_event(tx: Tx, event: Any, position: int) -> None:
    """A draw plan's event; a draw's chosen enterprises and their inspectors also as rows of their own."""
    plan_id = str(event.originator_id)
    payload = payload_of(event)
    tx.execute(
        "INSERT INTO view_draw_events{sfx} (plan_id, version, position, type, occurred_on, recorded_at, actor_id, "
        "actor_name, unit, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (plan_id, event.originator_version, position, event_type(event), event.occurred_on, event.timestamp,
         str(event.actor.official_id), event.actor.name, event.actor.unit, to_json(payload)),
    )
    if event_type(event) != DRAWN:
        return
    targets = payload["targets"]
    tx.execute_many("INSERT INTO view_draw_targets{sfx} (plan_id, enterprise_id, stratum, rank, recorded_at) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(plan_id, t["enterprise_id"], t["stratum"], rank, event.timestamp)
                     for rank, t in enumerate(targets, 1)])
    tx.execute_many("INSERT INTO view_draw_inspectors{sfx} (plan_id, enterprise_id, official_id, recorded_at) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(plan_id, t["enterprise_id"], o, event.timestamp) for t in targets for o in t["inspectors"]])


# -- the queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    enterprise_id: UUID
    official_id: str
    official_name: str
    type: str
    version: int
    occurred_on: date
    recorded_at: datetime

    @property
    def late_days(self) -> int:
        return max(0, (self.recorded_at.astimezone(BUREAU_TIME).date() - self.occurred_on).days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "enterprise_id": str(self.enterprise_id), "type": self.type, "version": self.version,
            "occurred_on": self.occurred_on.isoformat(), "recorded_at": self.recorded_at.isoformat(),
            "late_days": self.late_days,
        }


@dataclass(frozen=True)
class Page:
    """A page of a list, with the list's length."""

    items: list[Any]
    total: int
    limit: int | None
    offset: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset}


ISSUED = orders_issued()
PASSED = orders_passed()
OVERDUE = overdue_orders("view_actions")


class AccountabilityView:
    """Questions about officials' acts, answered at (as_of, known_at)."""

    def __init__(self, recorder: ViewRecorder) -> None:
        self.recorder = recorder

    def position(self) -> int:
        return self.recorder.position()

    def actions(
        self, as_of: date, known_at: datetime, *, official_id: UUID | str | None = None,
        types: tuple[str, ...] = (), since: date | None = None, limit: int | None = None, offset: int = 0,
    ) -> Page:
        """The live acts, filtered, in the order they occurred; a page of them when `limit` is given."""
        where = [live("a")]
        params: dict[str, Any] = {"as_of": as_of, "known_at": known_at}
        if official_id is not None:
            where.append("a.actor_id = %(official)s")
            params["official"] = str(official_id)
        if types:
            where.append(f"a.type IN ({', '.join(f'%(t{i})s' for i in range(len(types)))})")
            params.update({f"t{i}": t for i, t in enumerate(types)})
        if since is not None:
            where.append("a.occurred_on >= %(since)s")
            params["since"] = since
        condition = " AND ".join(where)
        window = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self.recorder.read() as tx:
            total = int(tx.rows(f"SELECT COUNT(*) AS n FROM view_actions{{sfx}} a WHERE {condition}", params)[0]["n"])
            rows = tx.rows(
                "SELECT a.enterprise_id, a.actor_id, a.actor_name, a.type, a.version, a.occurred_on, a.recorded_at "
                f"FROM view_actions{{sfx}} a WHERE {condition} "
                f"ORDER BY a.occurred_on, a.recorded_at, a.enterprise_id{{C}}, a.version{window}",
                params,
            )
        items = [
            Action(UUID(r["enterprise_id"]), r["actor_id"], r["actor_name"], r["type"], int(r["version"]),
                   required_date(r["occurred_on"]), required_datetime(r["recorded_at"]))
            for r in rows
        ]
        return Page(items, total, limit, offset)

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

    def report(self, as_of: date, known_at: datetime, *, window_days: int, limit: int | None = 50,
               offset: int = 0) -> dict[str, Any]:
        """The accountability findings at (as_of, known_at), in the API's shape; lists paged by limit/offset.

        `window_days` is the campaign's `compliant_then_failed_days` (the campaign file's
        `[accountability]`): an inspection found compliant is listed when a sample failed at
        the same enterprise within that many days after it."""
        params = {"as_of": as_of, "known_at": known_at, "window": int(window_days)}
        with self.recorder.read() as tx:
            # Each official's acts and a page of the "compliant, then failed" pairs here; beside them (on
            # PostgreSQL, a second read on the same snapshot) the orders' fates and the pairs' count, about as
            # long (measured at a province, medians: 110 + 20 ms here, 70-90 + 70 ms there).
            def here() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
                return self._officials_acts(tx, params), self._pairs_page(tx, params, limit, offset)

            def there(beside: Tx) -> tuple[list[Any], list[Any], int]:
                return beside.rows(ISSUED, params), beside.rows(PASSED, params), self._pairs_total(beside, params)

            found = run_beside(self.recorder.beside(tx), here, there)
            (officials, pair_items), (issued, passed, pairs_total) = found or (here(), there(tx))
            pairs = Page(pair_items, pairs_total, limit, offset)
            # Each official's orders by fate: the passed ones are on time or late; of the others, those past
            # their deadline are overdue (acts.orders_passed).
            for r in issued:
                counts = officials[r["issued_by"]]["orders"]
                counts["issued"] += int(r["n"])
                counts["overdue"] += int(r["due"] or 0)
            for r in passed:
                counts = officials[r["issued_by"]]["orders"]
                counts["passed_on_time"] += int(r["on_time"] or 0)
                counts["passed_late"] += int(r["late"] or 0)
                counts["overdue"] -= int(r["due"] or 0)
            overdue_total = sum(entry["orders"]["overdue"] for entry in officials.values())
            overdue = self._overdue(tx, params, limit, offset, overdue_total)
        names = {o: v["name"] for o, v in self.officials(as_of, known_at).items()}
        for official_id, entry in officials.items():
            entry["name"] = names.get(official_id, entry["name"])
        return {
            "as_of": as_of.isoformat(),
            "known_at": known_at.isoformat(),
            "officials": [officials[k] for k in sorted(officials)],
            "overdue_orders": overdue.as_dict(),
            "compliant_then_failed": pairs.as_dict(),
            "responsible": self.responsible(as_of, known_at),
        }

    def _officials_acts(self, tx: Tx, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        officials: dict[str, dict[str, Any]] = {}
        for r in tx.rows(OFFICIALS_ACTS, {**params, **month_bounds(params["as_of"], params["known_at"])}):
            entry = officials.setdefault(r["actor_id"], {
                "official_id": r["actor_id"], "name": r["name"], "actions": {},
                "orders": {"issued": 0, "passed_on_time": 0, "passed_late": 0, "overdue": 0},
            })
            entry["actions"][r["type"]] = int(r["n"])
        for entry in officials.values():
            entry["actions"] = dict(sorted(entry["actions"].items()))
        return officials

    def _overdue(self, tx: Tx, params: dict[str, Any], limit: int | None, offset: int, total: int) -> Page:
        """A page of the overdue orders; `total`: how many there are (counted with the orders' fates)."""
        query = (f"SELECT o.enterprise_id, o.order_no, o.deadline, o.issued_by FROM ({OVERDUE}) o "
                 "ORDER BY o.enterprise_id{C}, o.order_no{C}")
        # A page walks the orders in this order (their index) and stops at its end.
        rows = tx.rows(query, params) if limit is None else tx.page(f"{query} LIMIT {int(limit)} OFFSET {int(offset)}",
                                                                    params)
        items = [{"enterprise_id": r["enterprise_id"], "order_no": r["order_no"],
                  "deadline": required_date(r["deadline"]).isoformat(), "issued_by": r["issued_by"]} for r in rows]
        return Page(items, total, limit, offset)

    def _pairs_total(self, tx: Tx, params: dict[str, Any]) -> int:
        """How many "compliant, then failed" pairs there are (the same pairs as `_pairs_page`' list)."""
        # Counted from the failed samples (about 9,000 at a province), each one's compliant inspections in the
        # window before it looked up by enterprise and date (view_actions_compliant): one process and half the
        # time of joining all ~130,000 compliant inspections by hash on three (measured: 96 -> 52 ms median).
        # The same pairs as the list's query, each shaped for its walk (the enterprise's equality in the
        # collation of the index it walks); the property test checks the total against the whole list.
        since = ("f.occurred_on - CAST(%(window)s AS INTEGER)" if tx.dialect.is_postgres
                 else "date(f.occurred_on, '-' || %(window)s || ' days')")
        counted = (f"SELECT COUNT(*) AS n FROM view_actions{{sfx}} f JOIN view_actions{{sfx}} i "
                   f"ON i.enterprise_id{{C}} = f.enterprise_id{{C}} AND i.type = '{INSPECTED}' "
                   f"AND i.outcome = 'compliant' AND {live('i')} AND i.occurred_on <= f.occurred_on "
                   f"AND i.occurred_on >= {since} WHERE f.type = '{SAMPLE_FAILED}' AND {live('f')}")
        return int(tx.lookups(counted, params)[0]["n"])

    def _pairs_page(self, tx: Tx, params: dict[str, Any], limit: int | None, offset: int) -> list[dict[str, Any]]:
        """The "compliant, then failed" pairs in the list's order, a page of them when `limit` is given."""
        within = ("f.occurred_on <= i.occurred_on + CAST(%(window)s AS INTEGER)" if tx.dialect.is_postgres
                  else "f.occurred_on <= date(i.occurred_on, '+' || %(window)s || ' days')")
        where = (f"FROM view_actions{{sfx}} i JOIN view_actions{{sfx}} f ON f.enterprise_id = i.enterprise_id "
                 f"AND f.type = '{SAMPLE_FAILED}' AND {live('f')} AND f.occurred_on >= i.occurred_on AND {within} "
                 f"WHERE i.type = '{INSPECTED}' AND i.outcome = 'compliant' AND {live('i')}")
        query = ("SELECT i.enterprise_id, i.actor_id AS inspector_id, i.occurred_on AS inspected_on, f.sample_no, "
                 f"f.occurred_on AS failed_on {where} "
                 "ORDER BY i.enterprise_id{C}, i.occurred_on, f.sample_no{C}, i.actor_id{C}")
        # A page walks the compliant inspections in this order (their index) and stops at its end.
        rows = tx.rows(query, params) if limit is None else tx.page(f"{query} LIMIT {int(limit)} OFFSET {int(offset)}",
                                                                    params)
        items = []
        for r in rows:
            inspected, failed = required_date(r["inspected_on"]), required_date(r["failed_on"])
            items.append({"enterprise_id": r["enterprise_id"], "inspector_id": r["inspector_id"],
                          "inspected_on": inspected.isoformat(), "sample_no": r["sample_no"],
                          "failed_on": failed.isoformat(), "days_between": (failed - inspected).days})
        return items
