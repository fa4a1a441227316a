"""The views' tables. Each view owns its tables and its tracking table; a rebuild
creates the same set with the suffix `__new` and swaps it in (see rebuild.py).
"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "__new"


@dataclass(frozen=True)
class Table:
    name: str
    columns: str
    indexes: tuple[tuple[str, str], ...] = ()  # (index name, column list)

    def create(self, suffix: str) -> list[str]:
        statements = [f"CREATE TABLE IF NOT EXISTS {self.name}{suffix} ({self.columns})"]
        statements += [self.create_index(index, columns, suffix) for index, columns in self.indexes]
        return statements

    def create_index(self, index: str, columns: str, suffix: str, index_suffix: str | None = None) -> str:
        index_suffix = suffix if index_suffix is None else index_suffix
        return f"CREATE INDEX IF NOT EXISTS {index}{index_suffix} ON {self.name}{suffix} ({columns})"


# One row per enterprise event (retractions included), marked when retracted: the input
# from which an enterprise's timeline is recomputed.
STATUS_FACTS = Table(
    "view_status_facts",
    "enterprise_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, actor_id TEXT NOT NULL, payload TEXT NOT NULL, "
    "PRIMARY KEY (enterprise_id, version)",
)

# Bitemporal: the state held over [valid_from, valid_to) in valid time, as recorded over
# [tx_from, tx_to) in transaction time. Superseded rows get tx_to; none is ever deleted.
STATUS_TIMELINE = Table(
    "view_status_timeline",
    "row_id BIGSERIAL PRIMARY KEY, enterprise_id TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE, "
    "tx_from TIMESTAMPTZ NOT NULL, tx_to TIMESTAMPTZ, town TEXT NOT NULL, kind TEXT NOT NULL, "
    "status TEXT NOT NULL, name TEXT NOT NULL, credit_code TEXT, state TEXT NOT NULL",
    (
        ("view_status_timeline_tx_valid", "tx_from, valid_from"),
        ("view_status_timeline_enterprise", "enterprise_id, tx_to"),
    ),
)

# Every enterprise event as an action of the official who recorded it.
ACTIONS = Table(
    "view_actions",
    "enterprise_id TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL, type TEXT NOT NULL, "
    "occurred_on DATE NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, actor_id TEXT NOT NULL, actor_name TEXT NOT NULL, "
    "payload TEXT NOT NULL, retracted_at TIMESTAMPTZ, retracted_by INTEGER, "
    "PRIMARY KEY (enterprise_id, version)",
    (
        ("view_actions_actor", "actor_id, recorded_at"),
        ("view_actions_type", "type, enterprise_id"),
    ),
)

# Each appointment, reassignment and deactivation of an official, for "who was
# responsible for town T on date D".
ASSIGNMENTS = Table(
    "view_official_assignments",
    "official_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, unit TEXT NOT NULL, "
    "role TEXT NOT NULL, towns TEXT NOT NULL, active BOOLEAN NOT NULL, occurred_on DATE NOT NULL, "
    "recorded_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (official_id, version)",
)


@dataclass(frozen=True)
class ViewTables:
    view: str
    tables: tuple[Table, ...]

    def tracking(self, suffix: str = "") -> str:
        return f"view_{self.view}_tracking{suffix}"


STATUS = ViewTables("status", (STATUS_FACTS, STATUS_TIMELINE))
ACCOUNTABILITY = ViewTables("accountability", (ACTIONS, ASSIGNMENTS))
VIEWS = {"status": STATUS, "accountability": ACCOUNTABILITY}
