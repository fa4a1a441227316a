"""The status view: every enterprise's registration, its acts, and a bitemporal timeline of its standing.

Tables (projections/tables.py): `view_enterprises` (what each registration says),
`view_status_facts` (every act, typed, marked when retracted) and `view_status_timeline`
(each enterprise's standing over valid time × transaction time).

Valid time comes from the facts' `occurred_on`; transaction time from when they were
recorded. A standing-changing event re-computes that enterprise's timeline
(domain.status.standing_timeline), closes the rows it supersedes (tx_to = the event's
recorded_at) and inserts the changed intervals (tx_from = recorded_at). Rows are never
deleted, so "as of D, as known at K" is one indexed query:
valid_from <= D < valid_to and tx_from <= K < tx_to (NULL ends mean open).

Events are processed a page at a time (`StatusPage`): one read of the touched
enterprises' facts and current rows, the page's events applied in memory in log order,
then one batch of inserts and updates, in the same transaction as the tracking record.

An enterprise's full state at (D, K) is folded from its facts when asked for (one
enterprise, or a page of a list); reports aggregate over the tables in SQL
(projections/campaign_queries.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.enterprise import REGISTERED, RETRACTED
from domain.status import STATUS_ACTS, EnterpriseState, Fact, Standing, fold, live_facts, standing_timeline
from domain.text import normal_form, search_form
from projections.acts import TYPED, categories_mask, typed_columns
from projections.dialect import as_date, as_json, required_date, required_datetime, to_json
from projections.events import enterprise_fact, is_enterprise_event
from projections.recorders import Tx, ViewRecorder

# A timeline row (alias t) live at (%(as_of)s, %(known_at)s): what a walk along another index filters by.
LIVE_ROW = ("t.valid_from <= %(as_of)s AND (t.valid_to IS NULL OR t.valid_to > %(as_of)s) "
            "AND t.tx_from <= %(known_at)s AND (t.tx_to IS NULL OR t.tx_to > %(known_at)s)")

# The same rows, for counting: three disjoint parts, each read from its own partial index
# (tables.STATUS_TIMELINE). A row still known (tx_to NULL) is live when recorded by known_at and
# its valid interval holds as_of: an open-ended one (one an enterprise) from its start, a closed
# one from its end; a superseded row only when superseded after known_at, read from that end.
# No one B-tree bounds both time dimensions; these read the rows known at known_at rather than
# every row recorded by it (measured: half the index entries for random pairs, and for a pair
# known now only the rows still known).
LIVE_ROWS = """
SELECT * FROM view_status_timeline{sfx} t
 WHERE t.tx_to IS NULL AND t.valid_to IS NULL AND t.valid_from <= %(as_of)s AND t.tx_from <= %(known_at)s
UNION ALL
SELECT * FROM view_status_timeline{sfx} t
 WHERE t.tx_to IS NULL AND t.valid_to IS NOT NULL AND t.valid_to > %(as_of)s AND t.valid_from <= %(as_of)s
   AND t.tx_from <= %(known_at)s
UNION ALL
SELECT * FROM view_status_timeline{sfx} t
 WHERE t.tx_to IS NOT NULL AND t.tx_to > %(known_at)s AND t.tx_from <= %(known_at)s AND t.valid_from <= %(as_of)s
   AND (t.valid_to IS NULL OR t.valid_to > %(as_of)s)
"""
_FACT_COLUMNS = "enterprise_id, version, type, occurred_on, recorded_at, actor_id, payload"
_CHUNK = 500  # ids per IN (...) list


# -- the projection ------------------------------------------------------------------------


@dataclass
class _Row:
    """A timeline row as the page knows it: stored (row_id) or to be inserted."""

    valid_from: date
    valid_to: date | None
    standing: Standing
    tx_from: datetime | None = None  # set for rows inserted by this page
    tx_to: datetime | None = None
    row_id: int | None = None


@dataclass
class _Enterprise:
    facts: list[Fact] = field(default_factory=list)  # live status-changing acts (and this page's retractions)
    attributes: dict[str, Any] = field(default_factory=dict)  # name, credit_code, town, kind
    current: dict[tuple[date, date | None, Standing], _Row] = field(default_factory=dict)
    inserted: list[_Row] = field(default_factory=list)
    closed: list[tuple[datetime, int]] = field(default_factory=list)  # (tx_to, row_id) of stored rows


FACT_COLUMNS = ("enterprise_id", "version", "position", "type", "occurred_on", "recorded_at", "actor_id", "town",
                "kind", "categories_mask", "payload", *TYPED)
ENTERPRISE_COLUMNS = ("enterprise_id", "name", "credit_code", "address", "town", "area", "kind",
                      "product_categories", "categories_mask", "registered_on", "recorded_at", "registered_by")
TIMELINE_COLUMNS = ("enterprise_id", "valid_from", "valid_to", "tx_from", "tx_to", "town", "kind", "area",
                    "categories_mask", "name", "credit_code", "search", "status", "licensed", "closed_on",
                    "closure_reason", "orders", "passed_on_time", "passed_late", "overdue_orders", "open_orders",
                    "failed_verifications")


def apply_status_page(tx: Tx, items: Sequence[tuple[Any, int]]) -> None:
    """Records a page of events (with their log positions), in log order, in the status view."""
    events = [(event, position) for event, position in items if is_enterprise_event(event)]
    if not events:
        return
    facts = [(str(event.originator_id), enterprise_fact(event), position) for event, position in events]
    enterprise = _registrations(tx, facts)
    fact_rows, retractions, registrations = [], [], []
    for eid, fact, position in facts:
        town, kind, mask = enterprise[eid]
        fact_rows.append((eid, fact.version, position, fact.type, fact.occurred_on, fact.recorded_at, fact.actor_id,
                          town, kind, mask, to_json(fact.payload), *typed_columns(fact)))
        if fact.type == RETRACTED:
            retractions.append((fact.recorded_at, eid, int(fact.payload["event_version"])))
        elif fact.type == REGISTERED:
            p = fact.payload
            registrations.append((eid, p["name"], p.get("credit_code"), p.get("address", ""), p["town"], p["area"],
                                  p["kind"], to_json(list(p.get("product_categories", ()))), mask, fact.occurred_on,
                                  fact.recorded_at, fact.actor_id))
    # The timelines read what was stored before this page, so they are worked out before it is written.
    closes, inserts = _timelines(tx, [(eid, fact) for eid, fact, _ in facts], registrations)
    tx.insert("view_enterprises", ENTERPRISE_COLUMNS, registrations)
    tx.insert("view_status_facts", FACT_COLUMNS, fact_rows)
    tx.execute_many("UPDATE view_status_facts{sfx} SET retracted_at = %s WHERE enterprise_id = %s AND version = %s",
                    retractions)
    if tx.dialect.is_postgres and closes:
        tx.execute("UPDATE view_status_timeline{sfx} AS t SET tx_to = v.tx_to "
                   "FROM unnest(%s::timestamptz[], %s::bigint[]) AS v(tx_to, row_id) WHERE t.row_id = v.row_id",
                   ([c[0] for c in closes], [c[1] for c in closes]))
    else:
        tx.execute_many("UPDATE view_status_timeline{sfx} SET tx_to = %s WHERE row_id = %s", closes)
    tx.insert("view_status_timeline", TIMELINE_COLUMNS, inserts)


def _registrations(tx: Tx, facts: list[tuple[str, Fact, int]]) -> dict[str, tuple[str, str, int]]:
    """Each enterprise's town, kind and category mask: from its registration in this page, or as stored."""
    found = {eid: (fact.payload["town"], fact.payload["kind"],
                   categories_mask(fact.payload.get("product_categories", ())))
             for eid, fact, _ in facts if fact.type == REGISTERED}
    for chunk in id_chunks(sorted({eid for eid, _, _ in facts} - set(found))):
        marks = ", ".join(["%s"] * len(chunk))
        found.update((r["enterprise_id"], (r["town"], r["kind"], int(r["categories_mask"]))) for r in tx.rows(
            f"SELECT enterprise_id, town, kind, categories_mask FROM view_enterprises{{sfx}} "
            f"WHERE enterprise_id IN ({marks})", chunk))
    return found


def _timelines(
    tx: Tx, facts: list[tuple[str, Fact]], registrations: list[tuple[Any, ...]]
) -> tuple[list[tuple[datetime, int]], list[tuple[Any, ...]]]:
    """The timeline rows this page closes (tx_to, row_id) and inserts, from the view as stored before it."""
    touched = {eid for eid, f in facts if f.type in STATUS_ACTS or f.type == RETRACTED}
    enterprises: dict[str, _Enterprise] = defaultdict(_Enterprise)
    for r in registrations:
        enterprises[r[0]].attributes = {"name": r[1], "credit_code": r[2], "town": r[4], "area": r[5], "kind": r[6],
                                        "categories_mask": r[8]}
    _load(tx, sorted(touched - {r[0] for r in registrations}), enterprises)
    for eid, fact in facts:
        if eid not in touched:
            continue
        enterprise = enterprises[eid]
        if fact.type == RETRACTED:
            target = next((f for f in enterprise.facts if f.version == int(fact.payload["event_version"])), None)
            if target is None:
                continue  # a retracted inspection, sample or review changes no status (and is not loaded)
            enterprise.facts.append(fact)
        elif fact.type in STATUS_ACTS:
            enterprise.facts.append(fact)
        else:
            continue
        _supersede(enterprise, standing_timeline(live_facts(enterprise.facts, fact.recorded_at)), fact.recorded_at)
    closes, inserts = [], []
    for eid, enterprise in enterprises.items():
        closes += enterprise.closed
        a = enterprise.attributes
        search = search_key(a["name"], a["credit_code"])
        inserts += [(eid, r.valid_from, r.valid_to, r.tx_from, r.tx_to, a["town"], a["kind"], a["area"],
                     a["categories_mask"], a["name"], a["credit_code"], search, *_standing_columns(r.standing))
                    for r in enterprise.inserted]
    return closes, inserts


def search_key(name: str, credit_code: str | None) -> str:
    """What `q` is searched in: the name and the credit code, in search form, apart."""
    return f"{search_form(name)}\x1f{search_form(credit_code or '')}"


def _standing_columns(s: Standing) -> tuple[Any, ...]:
    return (s.status, s.licensed, s.closed_on, s.closure_reason, s.orders, s.passed_on_time, s.passed_late,
            s.overdue, s.open, s.failed_verifications)


def _standing(r: Any) -> Standing:
    return Standing(r["status"], bool(r["licensed"]), as_date(r["closed_on"]), r["closure_reason"], int(r["orders"]),
                    int(r["passed_on_time"]), int(r["passed_late"]), int(r["overdue_orders"]), int(r["open_orders"]),
                    int(r["failed_verifications"]))


# What the standing timeline reads of a stored act: its typed columns, not its payload.
_STATUS_COLUMNS = ("f.enterprise_id, f.version, f.type, f.occurred_on, f.recorded_at, f.actor_id, f.order_no, "
                   "f.deadline, f.passed, f.license_type, f.valid_until, f.reason, e.name, e.credit_code, e.town, "
                   "e.area, e.kind, e.categories_mask")
_STATUS_TYPES = ", ".join(f"'{t}'" for t in sorted(STATUS_ACTS))
_ROW_COLUMNS = ("row_id, enterprise_id, valid_from, valid_to, status, licensed, closed_on, closure_reason, orders, "
                "passed_on_time, passed_late, overdue_orders, open_orders, failed_verifications")


def _load(tx: Tx, ids: list[str], into: dict[str, _Enterprise]) -> None:
    """These enterprises' live status-changing acts, current timeline rows and attributes.

    Acts already retracted are left out: every retraction stored so far was recorded
    before the events of this page (an enterprise's events are recorded in order)."""
    for chunk in id_chunks(ids):
        marks = ", ".join(["%s"] * len(chunk))
        for r in tx.rows(f"SELECT {_STATUS_COLUMNS} FROM view_status_facts{{sfx}} f "
                         "JOIN view_enterprises{sfx} e ON e.enterprise_id = f.enterprise_id "
                         f"WHERE f.enterprise_id IN ({marks}) AND f.type IN ({_STATUS_TYPES}) "
                         "AND f.retracted_at IS NULL ORDER BY f.enterprise_id, f.version", chunk):
            payload = {"order_no": r["order_no"], "deadline": as_date(r["deadline"]), "passed": r["passed"],
                       "license_type": r["license_type"], "valid_until": as_date(r["valid_until"]),
                       "reason": r["reason"], "kind": r["kind"]}
            enterprise = into[r["enterprise_id"]]
            enterprise.facts.append(Fact(int(r["version"]), r["type"], required_date(r["occurred_on"]),
                                         required_datetime(r["recorded_at"]), r["actor_id"], payload))
            if r["type"] == REGISTERED:
                enterprise.attributes = {k: r[k] for k in ("name", "credit_code", "town", "area", "kind",
                                                           "categories_mask")}
        for r in tx.rows(f"SELECT {_ROW_COLUMNS} FROM view_status_timeline{{sfx}} "
                         f"WHERE enterprise_id IN ({marks}) AND tx_to IS NULL", chunk):
            row = _Row(required_date(r["valid_from"]), as_date(r["valid_to"]), _standing(r), row_id=int(r["row_id"]))
            into[r["enterprise_id"]].current[(row.valid_from, row.valid_to, row.standing)] = row


def _supersede(enterprise: _Enterprise, intervals: list[tuple[date, date | None, Standing]],
               recorded_at: datetime) -> None:
    wanted = set(intervals)
    for key in [k for k in enterprise.current if k not in wanted]:
        row = enterprise.current.pop(key)
        if row.row_id is not None:
            enterprise.closed.append((recorded_at, row.row_id))
        else:
            row.tx_to = recorded_at
    for key in intervals:
        if key not in enterprise.current:
            row = _Row(*key, tx_from=recorded_at)
            enterprise.current[key] = row
            enterprise.inserted.append(row)


def _fact(r: Any) -> Fact:
    return Fact(int(r["version"]), r["type"], required_date(r["occurred_on"]), required_datetime(r["recorded_at"]),
                r["actor_id"], as_json(r["payload"]))


def id_chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """`ids` in lists short enough for one IN (...) each."""
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i:i + _CHUNK])


# -- the queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterprisePage:
    items: list[tuple[UUID, EnterpriseState]]
    total: int


def states_of(tx: Tx, enterprise_ids: Iterable[str], as_of: date, known_at: datetime) -> dict[str, EnterpriseState]:
    """These enterprises' states at (as_of, known_at), folded from their facts (the one definition)."""
    facts: dict[str, list[Fact]] = defaultdict(list)
    for chunk in id_chunks(list(enterprise_ids)):
        marks = ", ".join(["%s"] * len(chunk))
        for r in tx.rows(f"SELECT {_FACT_COLUMNS} FROM view_status_facts{{sfx}} WHERE enterprise_id IN ({marks}) "
                         "AND recorded_at <= %s ORDER BY enterprise_id, version", (*chunk, known_at)):
            facts[r["enterprise_id"]].append(_fact(r))
    states = {}
    for eid, own in facts.items():
        state = fold(live_facts(own, known_at), as_of)
        if state is not None:
            states[eid] = state
    return states


class StatusView:
    """Questions about enterprises' status, answered at (as_of, known_at)."""

    def __init__(self, recorder: ViewRecorder) -> None:
        self.recorder = recorder

    def position(self) -> int:
        return self.recorder.position()

    def read(self) -> Any:
        """A read transaction on one snapshot of the view (a context manager yielding a Tx)."""
        return self.recorder.read()

    def states_at(self, as_of: date, known_at: datetime) -> list[tuple[UUID, EnterpriseState]]:
        """Every enterprise registered by as_of, folded from its facts as known at known_at.

        Loads every enterprise: the reference for tests and the slow path for tools, never
        a request's answer (reports aggregate in SQL)."""
        with self.recorder.read() as tx:
            out: list[tuple[UUID, EnterpriseState]] = []
            current: list[Fact] = []
            current_id = None
            for r in tx.stream(f"SELECT {_FACT_COLUMNS} FROM view_status_facts{{sfx}} WHERE recorded_at <= %s "
                               "ORDER BY enterprise_id, version", (known_at,)):
                if r["enterprise_id"] != current_id:
                    _keep(out, current_id, current, as_of, known_at)
                    current_id, current = r["enterprise_id"], []
                current.append(_fact(r))
            _keep(out, current_id, current, as_of, known_at)
        return out

    def state_of(self, enterprise_id: UUID, as_of: date, known_at: datetime) -> EnterpriseState | None:
        with self.recorder.read() as tx:
            return states_of(tx, [str(enterprise_id)], as_of, known_at).get(str(enterprise_id))

    def enterprises(
        self, as_of: date, known_at: datetime, *, town: str | None = None, kind: str | None = None,
        status: str | None = None, q: str | None = None, limit: int = 50, offset: int = 0,
    ) -> EnterprisePage:
        where = ["TRUE"]
        params: dict[str, Any] = {"as_of": as_of, "known_at": known_at, "limit": limit, "offset": offset}
        town = normal_form(town) if town else town  # the spelling the ledger stores (domain.text)
        for column, value in (("town", town), ("kind", kind), ("status", status)):
            if value:
                where.append(f"t.{column} = %({column})s")
                params[column] = value
        if q:
            # Literal: no wildcard in q means anything; the same rule on both stores (domain.text.search_form).
            where.append(self.recorder.dialect.contains("t.search", "%(q)s"))
            params["q"] = search_form(q)
        condition = " AND ".join(where)
        with self.recorder.read() as tx:
            total = tx.rows(f"SELECT COUNT(*) AS n FROM ({LIVE_ROWS}) t WHERE {condition}", params)[0]["n"]
            ids = [r["enterprise_id"] for r in tx.rows(
                f"SELECT t.enterprise_id FROM view_status_timeline{{sfx}} t WHERE {LIVE_ROW} AND {condition} "
                "ORDER BY t.town{C}, t.name{C}, t.enterprise_id LIMIT %(limit)s OFFSET %(offset)s",
                params,
            )]
            states = states_of(tx, ids, as_of, known_at)
        return EnterprisePage([(UUID(e), states[e]) for e in ids if e in states], int(total))

    def counts(self, as_of: date, known_at: datetime) -> list[tuple[str, str, str, int]]:
        """(status, town, kind, n) for every combination present at (as_of, known_at)."""
        with self.recorder.read() as tx:
            rows = tx.rows(
                f"SELECT t.status, t.town, t.kind, COUNT(*) AS n FROM ({LIVE_ROWS}) t "
                "GROUP BY t.status, t.town, t.kind",
                {"as_of": as_of, "known_at": known_at},
            )
        return sorted((r["status"], r["town"], r["kind"], int(r["n"])) for r in rows)

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


def _keep(out: list[tuple[UUID, EnterpriseState]], eid: str | None, facts: list[Fact], as_of: date,
          known_at: datetime) -> None:
    if eid is None:
        return
    state = fold(live_facts(facts, known_at), as_of)
    if state is not None:
        out.append((UUID(eid), state))
