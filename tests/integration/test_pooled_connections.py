"""The ledger's PostgreSQL pool (application/recorder_postgres.py): a connection the server closed is never
handed to a command, and a healthy idle one is handed out without a round trip to the server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from application.bootstrap import build_ledger
from application.commands import Inspect, Register
from application.settings import Settings
from domain.actor import SYSTEM

TODAY = date(2026, 10, 1)


@pytest.fixture
def ledger(pg_server, tmp_path: Path):
    url = pg_server.create_database("pool")
    led = build_ledger(Settings(database_url=url, data_dir=tmp_path, pool_size=2, max_overflow=0))
    yield led, url
    led.close()


def _pool(led) -> ConnectionPool:
    return led.recorder.datastore.pool  # type: ignore[no-any-return]


def _server_pids(pool: ConnectionPool) -> list[int]:
    """The server process of every connection idle in the pool."""
    with pool._lock:
        return [conn.info.backend_pid for conn in pool._pool]


def test_a_connection_the_server_closed_is_replaced_before_a_command_uses_it(ledger):
    led, url = ledger
    chief = led.authenticate(led.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                  role="supervisor").token)
    enterprise = led.register(Register(occurred_on=TODAY, name="张记豆腐坊", town="石桥镇", area="rural",
                                       kind="small_workshop"), by=chief, today=TODAY).enterprise_id
    pool = _pool(led)
    pids = _server_pids(pool)
    assert pids, "the pool keeps idle connections"
    with psycopg.connect(url, autocommit=True) as admin:  # as a restart or an administrator would
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # Every command after it succeeds at the first attempt, on a new connection; none meets a dead one.
    for n in range(6):
        result = led.record(enterprise, Inspect(occurred_on=TODAY, outcome="compliant"), by=chief, today=TODAY)
        assert result.version == 2 + n
    assert not set(_server_pids(pool)) & set(pids)


def test_a_healthy_idle_connection_is_handed_out_without_a_round_trip(ledger, monkeypatch):
    led, _ = ledger
    pings: list[object] = []
    ping = ConnectionPool.check_connection
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(lambda conn: (pings.append(conn), ping(conn))))
    chief = led.authenticate(led.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                  role="supervisor").token)
    for i in range(5):
        led.register(Register(occurred_on=TODAY, name=f"张记豆腐坊{i}", town="石桥镇", area="rural",
                              kind="small_workshop"), by=chief, today=TODAY)
    assert pings == []
