"""How the ledger inserts events on PostgreSQL (application/recorder_postgres.py): the commit travels with the
insert, so the insert lock is never held while the client's thread waits to run; a version taken by another
writer is the library's IntegrityError and stores nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from application.bootstrap import build_ledger
from application.commands import Inspect, Register
from application.settings import Settings
from domain.actor import SYSTEM

TODAY = date(2026, 10, 1)
EVENTS = "zhijian_events"  # the ledger's table (the library names it after the application)


@pytest.fixture
def store(pg_server, tmp_path: Path):
    url = pg_server.create_database("inserts")
    return Settings(database_url=url, data_dir=tmp_path), url


def _count(url: str) -> tuple[int, int]:
    """(events, leaves) committed, as another session sees them."""
    with psycopg.connect(url) as other:
        events = other.execute(f"SELECT count(*) FROM {EVENTS}").fetchone()
        leaves = other.execute("SELECT count(*) FROM zhijian_event_leaves").fetchone()
        assert events is not None and leaves is not None
        return int(events[0]), int(leaves[0])


def test_the_events_are_committed_before_the_client_reads_their_positions(store, monkeypatch):
    settings, url = store
    ledger = build_ledger(settings)
    try:
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                            role="supervisor").token)
        before = _count(url)
        seen: list[tuple[int, int]] = []
        fetchall = psycopg.Cursor.fetchall

        def looking(cursor: Any) -> Any:
            rows = fetchall(cursor)
            if rows and "notification_id" in rows[0] and not seen:
                seen.append(_count(url))  # what another session sees while the client holds the ids
            return rows

        monkeypatch.setattr(psycopg.Cursor, "fetchall", looking)
        result = ledger.register(Register(occurred_on=TODAY, name="张记豆腐坊", town="石桥镇", area="rural",
                                          kind="small_workshop"), by=chief, today=TODAY)
        monkeypatch.undo()
        assert result.version == 1
        # Already committed (the enterprise's event and its leaf) when the client read the ids: the commit
        # did not wait for the client (with the library's insert another session still sees `before`).
        assert seen == [(before[0] + 1, before[1] + 1)]
    finally:
        ledger.close()


def test_a_version_another_writer_took_is_an_integrity_error_and_stores_nothing(store):
    settings, url = store
    first, second = build_ledger(settings), build_ledger(settings)
    try:
        chief = first.authenticate(first.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                          role="supervisor").token)
        enterprise = first.register(Register(occurred_on=TODAY, name="张记豆腐坊", town="石桥镇", area="rural",
                                             kind="small_workshop"), by=chief, today=TODAY).enterprise_id
        a, b = first.repository.get(enterprise), second.repository.get(enterprise)
        a.inspect(actor=chief.as_actor, today=TODAY, occurred_on=TODAY, outcome="compliant")
        b.inspect(actor=chief.as_actor, today=TODAY, occurred_on=TODAY, outcome="compliant")
        first.save(a)
        before = _count(url)
        with pytest.raises(IntegrityError):
            second.save(b)
        assert _count(url) == before  # nothing of the refused insert, neither event nor leaf
        # The connection that met the violation is fine: the next command on it is stored.
        done = second.record(enterprise, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY)
        assert done.version == 3 and _count(url) == (before[0] + 1, before[1] + 1)
    finally:
        first.close()
        second.close()
