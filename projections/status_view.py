"""The status view: per enterprise, a bitemporal timeline of its state.

Valid time comes from the facts' `occurred_on`; transaction time from when they were
recorded. Each enterprise event re-folds that enterprise's timeline from its own facts
(domain.status.timeline), closes the rows it supersedes (tx_to = the event's
recorded_at) and inserts the changed intervals (tx_from = recorded_at). Rows are
never deleted, so "as of D, as known at K" is one indexed query:
valid_from <= D < valid_to and tx_from <= K < tx_to (NULL ends mean open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.status import EnterpriseState, Fact, Interval, live_facts, timeline
from projections.dialect import as_date, as_datetime, as_json, to_json
from projections.events import enterprise_fact, is_enterprise_event
from projections.recorders import Tx, ViewRecorder

_LIVE_AT = (
    "valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) AND tx_from <= %s AND (tx_to IS NULL OR tx_to > %s)"
)


def apply_to_status(tx: Tx, event: Any, position: int) -> None:
    """Records one event in the status view (events of other aggregates change nothing)."""
    if not is_enterprise_event(event):
        return
    fact = enterprise_fact(event)
    enterprise_id = str(event.originator_id)
    tx.execute(
        "INSERT INTO view_status_facts{sfx} (enterprise_id, version, position, type, occurred_on, recorded_at, "
        "actor_id, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (enterprise_id, fact.version, position, fact.type, fact.occurred_on, fact.recorded_at, fact.actor_id,
         to_json(fact.payload)),
    )
    facts = _facts_of(tx, enterprise_id)
    latest = max(f.recorded_at for f in facts)
    _supersede(tx, enterprise_id, timeline(live_facts(facts, latest)), fact.recorded_at)


def _facts_of(tx: Tx, enterprise_id: str) -> list[Fact]:
    rows = tx.rows(
        "SELECT version, type, occurred_on, recorded_at, actor_id, payload FROM view_status_facts{sfx} "
        "WHERE enterprise_id = %s ORDER BY version",
        (enterprise_id,),
    )
    return [
        Fact(r["version"], r["type"], as_date(r["occurred_on"]), as_datetime(r["recorded_at"]), r["actor_id"],
             as_json(r["payload"]))
        for r in rows
    ]


def _supersede(tx: Tx, enterprise_id: str, intervals: list[Interval], recorded_at: datetime) -> None:
    current = tx.rows(
        "SELECT row_id, valid_from, valid_to, state FROM view_status_timeline{sfx} "
        "WHERE enterprise_id = %s AND tx_to IS NULL",
        (enterprise_id,),
    )
    held = {(as_date(r["valid_from"]), as_date(r["valid_to"]), r["state"]): r["row_id"] for r in current}
    wanted = {(i.valid_from, i.valid_to, to_json(i.state.as_dict())): i for i in intervals}
    for key, row_id in held.items():
        if key not in wanted:
            tx.execute("UPDATE view_status_timeline{sfx} SET tx_to = %s WHERE row_id = %s", (recorded_at, row_id))
    for key, interval in wanted.items():
        if key not in held:
            s = interval.state
            tx.execute(
                "INSERT INTO view_status_timeline{sfx} (enterprise_id, valid_from, valid_to, tx_from, tx_to, town, "
                "kind, status, name, credit_code, state) VALUES (%s, %s, %s, %s, NULL, %s, %s, %s, %s, %s, %s)",
                (enterprise_id, interval.valid_from, interval.valid_to, recorded_at, s.town, s.kind, s.status, s.name,
                 s.credit_code, key[2]),
            )


@dataclass(frozen=True)
class EnterprisePage:
    items: list[tuple[UUID, EnterpriseState]]
    total: int


class StatusView:
    """Questions about enterprises' status, answered at (as_of, known_at) from the timeline."""

    def __init__(self, recorder: ViewRecorder) -> None:
        self.recorder = recorder

    def position(self) -> int:
        return self.recorder.position()

    def states_at(self, as_of: date, known_at: datetime) -> list[tuple[UUID, EnterpriseState]]:
        """Every enterprise registered by as_of, in the state the log cut at (as_of, known_at) shows."""
        with self.recorder.read() as tx:
            rows = tx.rows(
                f"SELECT enterprise_id, state FROM view_status_timeline{{sfx}} WHERE {_LIVE_AT} ORDER BY enterprise_id",
                (as_of, as_of, known_at, known_at),
            )
        return [(UUID(r["enterprise_id"]), EnterpriseState.from_dict(as_json(r["state"]))) for r in rows]

    def state_of(self, enterprise_id: UUID, as_of: date, known_at: datetime) -> EnterpriseState | None:
        with self.recorder.read() as tx:
            rows = tx.rows(
                f"SELECT state FROM view_status_timeline{{sfx}} WHERE enterprise_id = %s AND {_LIVE_AT}",
                (str(enterprise_id), as_of, as_of, known_at, known_at),
            )
        return EnterpriseState.from_dict(as_json(rows[0]["state"])) if rows else None

    def enterprises(
        self, as_of: date, known_at: datetime, *, town: str | None = None, kind: str | None = None,
        status: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0,
    ) -> EnterprisePage:
        where, params = [_LIVE_AT], [as_of, as_of, known_at, known_at]
        for column, value in (("town", town), ("kind", kind), ("status", status)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if q:
            where.append("(name LIKE %s OR credit_code LIKE %s)")
            params += [f"%{q}%", f"%{q.upper()}%"]
        condition = " AND ".join(where)
        with self.recorder.read() as tx:
            total = tx.rows(f"SELECT COUNT(*) AS n FROM view_status_timeline{{sfx}} WHERE {condition}", params)[0]["n"]
            rows = tx.rows(
                f"SELECT enterprise_id, state FROM view_status_timeline{{sfx}} WHERE {condition} "
                "ORDER BY town, name, enterprise_id LIMIT %s OFFSET %s",
                (*params, limit, offset),
            )
        items = [(UUID(r["enterprise_id"]), EnterpriseState.from_dict(as_json(r["state"]))) for r in rows]
        return EnterprisePage(items, int(total))

    def counts(self, as_of: date, known_at: datetime) -> list[tuple[str, str, str, int]]:
        """(status, town, kind, n) for every combination present at (as_of, known_at)."""
        with self.recorder.read() as tx:
            rows = tx.rows(
                f"SELECT status, town, kind, COUNT(*) AS n FROM view_status_timeline{{sfx}} WHERE {_LIVE_AT} "
                "GROUP BY status, town, kind ORDER BY status, town, kind",
                (as_of, as_of, known_at, known_at),
            )
        return [(r["status"], r["town"], r["kind"], int(r["n"])) for r in rows]

    def versions(self, enterprise_ids: list[UUID], known_at: datetime) -> dict[UUID, int]:
        """Each enterprise's last version recorded by known_at."""
        if not enterprise_ids:
            return {}
        marks = ", ".join(["%s"] * len(enterprise_ids))
        with self.recorder.read() as tx:
            rows = tx.rows(
                f"SELECT enterprise_id, MAX(version) AS v FROM view_status_facts{{sfx}} WHERE recorded_at <= %s "
                f"AND enterprise_id IN ({marks}) GROUP BY enterprise_id",
                (known_at, *[str(e) for e in enterprise_ids]),
            )
        return {UUID(r["enterprise_id"]): int(r["v"]) for r in rows}
