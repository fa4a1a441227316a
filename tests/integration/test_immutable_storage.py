"""Stored events cannot be changed or removed below the application either."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from application.bootstrap import build_ledger
from application.settings import Settings
from domain.actor import SYSTEM


@pytest.fixture
def pg_ledger(pg_server, tmp_path):
    url = pg_server.create_database("immutable")
    led = build_ledger(Settings(database_url=url, data_dir=tmp_path))
    led.appoint_official(by=SYSTEM, today=date(2026, 10, 1), name="李明", unit="食品监管办", role="supervisor")
    yield led, url
    led.close()


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("zhijian_events", "UPDATE zhijian_events SET topic = 'x'"),
        ("zhijian_events", "DELETE FROM zhijian_events"),
        ("zhijian_events", "TRUNCATE zhijian_events"),
        ("zhijian_event_leaves", "UPDATE zhijian_event_leaves SET leaf = 'x'"),  # the events' leaf hashes too
        ("zhijian_event_leaves", "DELETE FROM zhijian_event_leaves"),
        ("zhijian_event_leaves", "TRUNCATE zhijian_event_leaves"),
    ],
)
def test_postgres_refuses_update_delete_and_truncate_of_events_and_their_leaves(pg_ledger, table, statement):
    _, url = pg_ledger
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
            conn.execute(statement)
        conn.rollback()
        # Appointed, TokenIssued, the token index
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 3


def test_the_triggers_are_created_idempotently_at_each_start(pg_ledger, tmp_path):
    _, url = pg_ledger
    again = build_ledger(Settings(database_url=url, data_dir=tmp_path))
    again.close()
    with psycopg.connect(url) as conn:
        names = {r[0] for r in conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'zhijian_events'::regclass AND NOT tgisinternal")}
    assert names == {"zhijian_events_no_update_delete", "zhijian_events_no_truncate"}


@pytest.mark.parametrize(("table", "statement"), [
    ("stored_events", "UPDATE stored_events SET topic = 'x'"),
    ("stored_events", "DELETE FROM stored_events"),
    ("zhijian_event_leaves", "UPDATE zhijian_event_leaves SET leaf = x'00'"),  # the events' leaf hashes too
    ("zhijian_event_leaves", "DELETE FROM zhijian_event_leaves"),
])
def test_sqlite_refuses_update_and_delete_of_events_and_their_leaves(tmp_path, table, statement):
    import sqlite3

    settings = Settings(database_url=None, data_dir=tmp_path)
    led = build_ledger(settings)
    led.appoint_official(by=SYSTEM, today=date(2026, 10, 1), name="李明", unit="食品监管办", role="supervisor")
    led.close()
    conn = sqlite3.connect(settings.sqlite_path)
    with pytest.raises(sqlite3.IntegrityError, match="immutable"):
        conn.execute(statement)
    # Appointed, TokenIssued, the token index
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 3
    conn.close()

