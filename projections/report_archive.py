"""Answers of the reports (campaign, status, accountability) kept at final (as_of, known_at) pairs, to be
sent as kept.

An answer at (as_of, known_at) can never change once no event recorded by known_at can
still arrive (late entries and retractions recorded later carry a later recorded_at, and
every figure counts only what was recorded by known_at). `interfaces.report_archive`
decides which pairs are final and fills this table; the reports' routes send a kept
answer when one matches. Each answer is keyed by its pair, its format and the report's
*definition* (interfaces.report_archive.definition: a digest of the campaign's settings for
the year and of the code that computes and renders the report), so a new release or new
settings never serve an answer computed under the old ones (those rows are never read
again).

Dates and times are stored as ISO text on both stores; known_at keeps the offset it was
written with, because the answer repeats it as given ("known_at": "…+08:00"): the same
instant written in another zone is another key, and is computed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from eventsourcing.persistence import OperationalError, ProgrammingError

from projections.dialect import timestamp_text
from projections.recorders import VIEW_DDL_LOCK, ViewRecorder

TABLE = "report_archive"
log = logging.getLogger("zhijian.report_archive")
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (report TEXT NOT NULL, as_of TEXT NOT NULL, known_at TEXT NOT NULL, "
    "format TEXT NOT NULL, definition TEXT NOT NULL, encoding TEXT NOT NULL, body BYTEA NOT NULL, "
    "sha256 TEXT NOT NULL, made_at TEXT NOT NULL, seconds REAL NOT NULL, "
    "PRIMARY KEY (report, as_of, known_at, format, definition))"
)
CAMPAIGN, STATUS, ACCOUNTABILITY = "campaign", "status", "accountability"  # the reports kept


@dataclass(frozen=True)
class Archived:
    """A stored answer: its bytes as stored (`encoding` "gzip" or "identity") and when it was made."""

    body: bytes
    encoding: str
    sha256: str  # of the answer itself (the bytes once decoded)
    made_at: datetime
    seconds: float  # how long computing and rendering it took


class ReportArchive:
    """The stored answers, in the views' database (a standby has them by replication)."""

    def __init__(self, recorder: ViewRecorder) -> None:
        self.recorder = recorder

    def create(self) -> None:
        with self.recorder.write() as tx:
            if tx.dialect.is_postgres:
                tx.cursor.execute(VIEW_DDL_LOCK)  # processes starting at once (SQLite: BEGIN IMMEDIATE serialises)
            tx.cursor.execute(tx.dialect.ddl(_DDL))

    def find(self, as_of: date, known_at: datetime, fmt: str, definition: str,
             report: str = CAMPAIGN) -> Archived | None:
        """The answer kept for this key; None when there is none, or no table yet (a store upgraded by a version
        whose `zhijian db init` has not run: the service may not create tables)."""
        try:
            with self.recorder.read() as tx:
                rows = tx.rows(f"SELECT body, encoding, sha256, made_at, seconds FROM {TABLE} WHERE {_KEY}",
                               _key(report, as_of, known_at, fmt, definition))
        except (OperationalError, ProgrammingError) as e:
            if TABLE not in str(e):  # an outage, not a missing table: for the caller
                raise
            log.warning("no %s table: run `zhijian db init` (answers are computed meanwhile)", TABLE)
            return None
        if not rows:
            return None
        r = rows[0]
        return Archived(bytes(r["body"]), r["encoding"], r["sha256"], datetime.fromisoformat(r["made_at"]),
                        float(r["seconds"]))

    def has(self, as_of: date, known_at: datetime, fmt: str, definition: str, report: str = CAMPAIGN) -> bool:
        with self.recorder.read() as tx:
            return bool(tx.rows(f"SELECT 1 AS one FROM {TABLE} WHERE {_KEY}", _key(report, as_of, known_at, fmt,
                                                                                  definition)))

    def store(self, as_of: date, known_at: datetime, fmt: str, definition: str, answer: Archived,
              report: str = CAMPAIGN) -> None:
        """Keeps an answer; one already kept for the same key stays (it is the same answer)."""
        with self.recorder.write() as tx:
            tx.execute(f"INSERT INTO {TABLE} (report, as_of, known_at, format, definition, encoding, body, sha256, "
                       "made_at, seconds) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                       (*_key(report, as_of, known_at, fmt, definition), answer.encoding, answer.body, answer.sha256,
                        timestamp_text(answer.made_at.astimezone(UTC)), answer.seconds))

    def drop_before(self, fmt: str, as_of: date, report: str = CAMPAIGN) -> int:
        """Drops the kept answers in `fmt` for days before `as_of` (they can be made again); how many went."""
        with self.recorder.write() as tx:
            tx.execute(f"DELETE FROM {TABLE} WHERE report = %s AND format = %s AND as_of < %s",
                       (report, fmt, as_of.isoformat()))
            return int(tx.cursor.rowcount)

_KEY = "report = %s AND as_of = %s AND known_at = %s AND format = %s AND definition = %s"


def _key(report: str, as_of: date, known_at: datetime, fmt: str, definition: str) -> tuple[str, ...]:
    """The parameters of _KEY (and the key columns' values, in the table's order)."""
    return report, as_of.isoformat(), _moment(known_at), fmt, definition


def _moment(known_at: datetime) -> str:
    """known_at as the key holds it: ISO text with microseconds and the offset it was written with."""
    if known_at.tzinfo is None:
        raise ValueError("known_at without a time zone")
    return known_at.isoformat(timespec="microseconds")
