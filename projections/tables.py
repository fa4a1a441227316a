"""The views' tables. Each view owns its tables and its tracking table; a rebuild
creates the same set with the suffix `__new` and swaps it in (see rebuild.py).

The tables are shaped for the questions asked of them at scale: every figure of a
report is an aggregate query over them at (as_of, known_at), never a load of every
enterprise into Python. An act is "live" at (D, K) when it was recorded by K, not
retracted by a retraction recorded by K, and occurred on or before D:

    recorded_at <= K AND (retracted_at IS NULL OR retracted_at > K) AND occurred_on <= D

A view's schema version (`ViewTables.version`) changes whenever its tables change shape: a view
whose stored version differs is dropped and projected again from the log (views are disposable;
the log is the record). An index needs no new version: every start creates the indexes
missing (`CREATE INDEX IF NOT EXISTS`) and drops the ones a table lists as `retired`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from domain.enterprise import EVENTS

NEW = "__new"

# Each view's schema version (ViewTables.version): bump a view's when its tables change, and that view alone
# is projected again from the log at the next start.
# status 14, accountability 14: view_actions' index by retraction renamed (as view_actions_retracted it bore the
# name of the table's partition of retractions, so PostgreSQL skipped it: CREATE INDEX IF NOT EXISTS).
# accountability 15: a verification's order's issuer and deadline on view_actions (order_issuer, order_deadline).


class Index(NamedTuple):
    name: str
    columns: str
    where: str = ""  # a partial index's condition (only the rows a query walks)
    # The projection itself looks rows up by it while it applies events. A rebuild loads the log into
    # tables that have only these (and the primary keys), and makes every other index once the log is
    # in: one sort of the rows each, where keeping them up to date meant an insertion per row.
    lookup: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: str
    indexes: tuple[Index, ...] = ()
    # On PostgreSQL: LIST partitions of `partition_by` (partition suffix -> values), and a
    # default partition; `primary_key` then gains the partition column, as PostgreSQL requires.
    primary_key: str = ""
    partition_by: str = ""
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    retired: tuple[str, ...] = ()  # indexes it no longer has, dropped where an older version made them

    def create(self, suffix: str, postgres: bool = False, *, all_indexes: bool = True) -> list[str]:
        """Its DDL; with `all_indexes` False, less the indexes the projection does not look rows up by
        (`deferred_indexes` makes them later)."""
        name = f"{self.name}{suffix}"
        partitioned = postgres and bool(self.partition_by)
        key = self.primary_key
        if partitioned and key:
            key = f"{key}, {self.partition_by}"
        columns = f"{self.columns}, PRIMARY KEY ({key})" if key else self.columns
        statements = [f"CREATE TABLE IF NOT EXISTS {name} ({columns})"
                      + (f" PARTITION BY LIST ({self.partition_by})" if partitioned else "")]
        if partitioned:
            statements += [
                f"CREATE TABLE IF NOT EXISTS {name}_{part} PARTITION OF {name} FOR VALUES IN "
                f"({', '.join(repr(v) for v in values)})"
                for part, values in self.partitions
            ]
            statements.append(f"CREATE TABLE IF NOT EXISTS {name}_other PARTITION OF {name} DEFAULT")
        statements += [self.create_index(index, suffix) for index in self.indexes if all_indexes or index.lookup]
        statements += [f"DROP INDEX IF EXISTS {index}{suffix}" for index in self.retired]
        return statements

    def deferred_indexes(self, suffix: str) -> list[str]:
        """The DDL of the indexes `create(..., all_indexes=False)` leaves out."""
        return [self.create_index(index, suffix) for index in self.indexes if not index.lookup]

    def partition_names(self, suffix: str = "") -> list[str]:
        """Its partitions' names on PostgreSQL (none when it is not partitioned)."""
        if not self.partition_by:
            return []
        return [*(f"{self.name}{suffix}_{part}" for part, _ in self.partitions), f"{self.name}{suffix}_other"]

    def create_index(self, index: Index, suffix: str, index_suffix: str | None = None) -> str:
        index_suffix = suffix if index_suffix is None else index_suffix
        where = f" WHERE {index.where}" if index.where else ""
        return f"CREATE INDEX IF NOT EXISTS {index.name}{index_suffix} ON {self.name}{suffix} ({index.columns}){where}"


# The typed columns of an enterprise act, read out of its payload once, when projected
# (projections/acts.py), so that reports can filter and aggregate on them in SQL. A
# column is NULL for the acts it does not apply to.
ACT_COLUMNS = (
    "order_no TEXT, deadline DATE, license_no TEXT, license_type TEXT, valid_until DATE, passed BOOLEAN, "
    "year INTEGER, sample_no TEXT, product_category TEXT, outcome TEXT, reason TEXT, draw_id TEXT"
)

# One row per registered enterprise: what its registration says (never changes; a
# registration cannot be retracted).
ENTERPRISES = Table(
    "view_enterprises",
    "enterprise_id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT, address TEXT NOT NULL, "
    "town TEXT NOT NULL, area TEXT NOT NULL, kind TEXT NOT NULL, product_categories TEXT NOT NULL, "
    "categories_mask INTEGER NOT NULL, registered_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, "
    "registered_by TEXT NOT NULL",
    # A list of enterprises in the reports' order (town, name, id by code point) is a walk along this
    # index: the first page of the licences short of review reads a few hundred enterprises, not all.
    (Index("view_enterprises_order", "town{C}, name{C}, enterprise_id{C}"),),
    retired=("view_enterprises_town",),  # (town, name) in the database's collation, used by no query
)

# One row per enterprise event (retractions included), marked when a later retraction
# voids it: the input of an enterprise's fold, and of every report figure. The
# enterprise's town, kind and categories (projections.acts.categories_mask) are copied
# onto each (a registration never changes), so counts by them need no join.
STATUS_FACTS = Table(
    "view_status_facts",
    "enterprise_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, retracted_at TIMESTAMPTZ, actor_id TEXT NOT NULL, "
    "town TEXT NOT NULL, kind TEXT NOT NULL, categories_mask INTEGER NOT NULL, "
    f"payload TEXT NOT NULL, {ACT_COLUMNS}",
    # By type and date, and covering the one pass over the acts that the campaign report
    # makes, so that pass reads the index alone.
    (Index("view_status_facts_acts", "type, occurred_on, recorded_at, retracted_at, town, kind, categories_mask, "
                                     "product_category, outcome"),
     # The orders by deadline (only orders have one): the overdue list's first page is a walk along it.
     Index("view_status_facts_deadline", "deadline", where="deadline IS NOT NULL"),
     # The inspections that found a violation (only inspections have an outcome), by date: the disclosure
     # list's count and pages read them alone.
     Index("view_status_facts_violations", "occurred_on, recorded_at, retracted_at", where="outcome = 'violation'")),
    primary_key="enterprise_id, version",
    # On PostgreSQL, a partition per kind of act: a report's query about licences or
    # samples reads only those (the acts of a year are spread over the whole log).
    partition_by="type",
    partitions=tuple((name.lower(), (name,)) for name in EVENTS),
)

# Bitemporal standing: the status (and the figures that follow it: the required licence,
# the first closure, the orders' fates; domain.status.Standing) held over
# [valid_from, valid_to) in valid time, as recorded over [tx_from, tx_to) in transaction
# time. Superseded rows get tx_to; none is ever deleted. At (D, K) exactly one row per
# enterprise registered by D and recorded by K is live, so counts and lists by status,
# licence, closure or order fate are one pass over those rows. An enterprise's full state
# is folded from its facts when asked for. `search` is the name and credit code in
# domain.text.search_form, for literal search (`q`).
# What the standing's counts group and sum by (the indexes of the live rows' parts cover them).
_COUNTED = ("status, town, kind, area, categories_mask, licensed, closed_on, closure_reason, orders, passed_on_time, "
            "passed_late, overdue_orders, open_orders, failed_verifications")
STATUS_TIMELINE = Table(
    "view_status_timeline",
    "row_id BIGSERIAL PRIMARY KEY, enterprise_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE, "
    "tx_from TIMESTAMPTZ NOT NULL, tx_to TIMESTAMPTZ, town TEXT NOT NULL, kind TEXT NOT NULL, area TEXT NOT NULL, "
    "categories_mask INTEGER NOT NULL, name TEXT NOT NULL, credit_code TEXT, search TEXT NOT NULL, "
    "status TEXT NOT NULL, licensed BOOLEAN NOT NULL, "
    "closed_on DATE, closure_reason TEXT, orders INTEGER NOT NULL, passed_on_time INTEGER NOT NULL, "
    "passed_late INTEGER NOT NULL, overdue_orders INTEGER NOT NULL, open_orders INTEGER NOT NULL, "
    "failed_verifications INTEGER NOT NULL",
    (
        # Cover the counts at (as_of, known_at) (the status report, the campaign report's standing
        # pass), which read the live rows in three disjoint parts (status_view.LIVE_ROWS), each from
        # one of these alone: rows still known, open-ended and closed in valid time, and superseded rows.
        Index("view_status_timeline_known_open", f"valid_from, tx_from, {_COUNTED}",
              where="tx_to IS NULL AND valid_to IS NULL"),
        Index("view_status_timeline_known_closed", f"valid_to, valid_from, tx_from, {_COUNTED}",
              where="tx_to IS NULL AND valid_to IS NOT NULL"),
        Index("view_status_timeline_superseded", f"tx_to, tx_from, valid_from, valid_to, {_COUNTED}",
              where="tx_to IS NOT NULL"),
        # An enterprise's current rows, which the projection reads when an act changes its standing.
        Index("view_status_timeline_enterprise", "enterprise_id, tx_to", lookup=True),
        # Lists of enterprises come in this order: a page is a walk along the index, not a sort.
        Index("view_status_timeline_order", "town{C}, name{C}, enterprise_id{C}"),
    ),
    # One index of every row, by tx_from (it read every row recorded by known_at: 1.5-2x the parts' entries).
    retired=("view_status_timeline_standing",),
)

# Every enterprise event as an action of the official who recorded it.
ACTIONS = Table(
    "view_actions",
    "enterprise_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, "
    f"retracted_at TIMESTAMPTZ, retracted_by INTEGER, {ACT_COLUMNS}, "
    # A verification's order: who issued it and its deadline (copied when the verification is projected), so
    # that the orders' fates are counted from the passed verifications alone, with no join to their orders.
    "order_issuer TEXT, order_deadline DATE",
    (
        Index("view_actions_actor", "actor_id, occurred_on"),
        # The orders (only they have a deadline) in the overdue list's order: a page is a walk along it.
        Index("view_actions_orders", "enterprise_id{C}, order_no{C}", where="deadline IS NOT NULL"),
        # The inspections that found an enterprise compliant, in the "compliant, then failed" list's order.
        Index("view_actions_compliant", "enterprise_id{C}, occurred_on", where="outcome = 'compliant'"),
        # Cover each official's acts counted by type, read from the indexes alone: those of the month
        # as_of falls in and after (by occurred_on), those recorded in known_at's month (recorded_at)
        # and those retracted then (retracted_at); the months before are counted in view_action_months.
        Index("view_actions_acts", "type, occurred_on, recorded_at, retracted_at, actor_id, actor_name"),
        Index("view_actions_recorded", "recorded_at, occurred_on, retracted_at, actor_id, actor_name"),
        Index("view_actions_retractions", "retracted_at, occurred_on, recorded_at, actor_id, actor_name",
              where="retracted_at IS NOT NULL"),
    ),
    primary_key="enterprise_id, version",
    partition_by="type",
    partitions=STATUS_FACTS.partitions,
)

# The acts counted by official, type and month: when they occurred, when recorded (UTC), when
# retracted (UTC; NEVER while not retracted). An act moves from its NEVER cell to its retraction
# month's when retracted. Each official's acts at (D, K) are the cells wholly inside the months
# before D's and K's (and not retracted by the end of K's month), plus the acts of the months
# D and K fall in, read one by one (accountability_view.OFFICIALS_ACTS): a province's ~850,000
# acts are some 40,000 cells.
ACT_MONTHS = Table(
    "view_action_months",
    "actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, type TEXT NOT NULL, occurred_month DATE NOT NULL, "
    "recorded_month DATE NOT NULL, retracted_month DATE NOT NULL, n INTEGER NOT NULL",
    primary_key="actor_id, actor_name, type, occurred_month, recorded_month, retracted_month",
)

# Each appointment, reassignment and deactivation of an official, for "who was
# responsible for town T on date D".
ASSIGNMENTS = Table(
    "view_official_assignments",
    "official_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL, "
    "role TEXT NOT NULL, towns TEXT NOT NULL, active BOOLEAN NOT NULL, occurred_on DATE NOT NULL, "
    "recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (official_id, version)",
)


# Random inspections (双随机): every event of every draw plan (its payload as JSON), the
# enterprises each draw chose and the inspectors assigned to each, and the conflicts
# officials declared. A plan's events are never retracted; (as_of, known_at) filter them by
# occurred_on and recorded_at like any act.
DRAW_EVENTS = Table(
    "view_draw_events",
    "plan_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, "
    "unit TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (plan_id, version)",
    (Index("view_draw_events_type", "type, recorded_at"),),
)
DRAW_TARGETS = Table(
    "view_draw_targets",
    "plan_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, stratum TEXT NOT NULL, rank INTEGER NOT NULL, "
    "recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (plan_id, enterprise_id)",
    (Index("view_draw_targets_enterprise", "enterprise_id"),),
)
DRAW_INSPECTORS = Table(
    "view_draw_inspectors",
    "plan_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, official_id TEXT NOT NULL, "
    "recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (plan_id, enterprise_id, official_id)",
    (Index("view_draw_inspectors_official", "official_id"),),
)
RECUSALS = Table(
    "view_recusals",
    "official_id TEXT NOT NULL, version INTEGER NOT NULL, enterprise_id TEXT NOT NULL, reason TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (official_id, version)",
)


@dataclass(frozen=True)
class ViewTables:
    view: str
    version: int  # the schema version of the view's tables (a stale view is dropped and projected again)
    tables: tuple[Table, ...]

    def tracking(self, suffix: str = "") -> str:
        return f"view_{self.view}_tracking{suffix}"

    def names(self, suffix: str = "") -> list[str]:
        """The tracking table and every table of the view."""
        return [self.tracking(suffix), *(f"{t.name}{suffix}" for t in self.tables)]

    def postgres_names(self, suffix: str = "") -> list[str]:
        """Every table of the view on PostgreSQL: `names` and the partitions."""
        return [*self.names(suffix), *(p for t in self.tables for p in t.partition_names(suffix))]


STATUS = ViewTables("status", 14, (ENTERPRISES, STATUS_FACTS, STATUS_TIMELINE))
ACCOUNTABILITY = ViewTables("accountability", 15, (ACTIONS, ACT_MONTHS, ASSIGNMENTS, DRAW_EVENTS, DRAW_TARGETS,
                                                DRAW_INSPECTORS, RECUSALS))
# The views themselves (tables, projection, queries) are listed once, in projections/registry.py.

# Which schema version each view's tables were created with.
SCHEMA_TABLE = "view_schema"
