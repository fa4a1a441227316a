"""Reads from a streaming replica: a real primary and a hot standby that this module starts.

The app is configured with ZHIJIAN_DATABASE_URL (the primary: commands, projections) and
ZHIJIAN_READ_DATABASE_URL (the standby: the views' reads). Which server answered a read
is shown by the `Zhijian-Read-From` header, and checked against what each server holds:
with replay paused, the standby still answers without the write the primary already shows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from application.settings import Settings
from domain.actor import SYSTEM
from projections.views import open_recorders, open_replica_views, open_views
from tests.e2e.conftest import ENTERPRISE, SECOND_APP, TODAY, TestClient, bearer, make_app, register
from tests.pg_server import PostgresServer

pytestmark = [pytest.mark.postgres, SECOND_APP]

READ_FROM = "Zhijian-Read-From"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    """A primary that allows streaming replication and a hot standby of it (pg_basebackup -R)."""
    primary = PostgresServer.start(replication=True)
    try:
        standby = primary.start_standby()
        try:
            yield primary, standby
        finally:
            standby.stop()
    finally:
        primary.stop()


def eventually(predicate, what: str, seconds: float = 60.0):
    """Polls until `predicate` answers something true; a generous bound, never a timing assertion."""
    deadline = time.monotonic() + seconds
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def urls(servers: tuple[PostgresServer, PostgresServer]) -> tuple[str, str]:
    """A fresh database on the primary, and its URL on the standby once replayed there."""
    primary, standby = servers
    url = primary.create_database("replicated")
    standby_url = standby.url(url.rsplit("/", 1)[1])

    def exists_on_standby() -> bool:
        try:
            with psycopg.connect(standby_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    eventually(exists_on_standby, "the new database on the standby")
    return url, standby_url


def replica_settings(urls: tuple[str, str], tmp_path: Path, replica_wait_seconds: float) -> Settings:
    return Settings(database_url=urls[0], read_database_url=urls[1], data_dir=tmp_path / "var",
                    replica_wait_seconds=replica_wait_seconds)


@contextmanager
def served(settings: Settings) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app on the primary and the replica, a supervisor's token, and the replica caught up."""
    app = make_app(settings)
    with TestClient(app) as client:
        appointed = app.state.ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="质监局",
                                                      role="supervisor", towns=())
        replica_caught_up(client)
        yield client, bearer(appointed.token)


def replica_lag(client: TestClient) -> dict[str, int] | None:
    ready = client.get("/readyz")
    if ready.status_code != 200:  # the standby may not have replayed the views' tables yet
        return None
    lag: dict[str, int] = ready.json()["projection_lag"]
    return {name: n for name, n in lag.items() if name.startswith("replica:")}


def replica_caught_up(client: TestClient) -> None:
    eventually(lambda: (lag := replica_lag(client)) is not None and lag and not any(lag.values()),
               "the replica's views to replay the primary's log")


@contextmanager
def replay_paused(standby_url: str) -> Iterator[None]:
    with psycopg.connect(standby_url, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")  # no WAL record is applied after this returns
        try:
            yield
        finally:
            conn.execute("SELECT pg_wal_replay_resume()")


def post(client: TestClient, auth: dict[str, str], path: str, body: dict) -> dict:
    response = client.post(path, json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]  # the JSON body is an object


def test_a_read_after_a_command_is_answered_by_the_replica_with_the_new_data(urls, tmp_path):
    with served(replica_settings(urls, tmp_path, replica_wait_seconds=60)) as (client, chief):
        e = register(client, chief)
        order = post(client, chief, f"/enterprises/{e}/rectification-orders",
                     {"occurred_on": "2026-08-10", "order_no": "SQ-1", "deadline": "2026-08-30", "items": ["卫生"]})
        after = {"after": order["position"]}

        listed = client.get("/enterprises", params={**after, "status": "overdue"}, headers=chief)
        assert listed.headers[READ_FROM] == "replica"
        assert [item["id"] for item in listed.json()["items"]] == [e]
        one = client.get(f"/enterprises/{e}", headers=chief)  # waits for the enterprise's own last event
        assert one.headers[READ_FROM] == "replica" and one.json()["open_orders"][0]["order_no"] == "SQ-1"
        status = client.get("/reports/status", params=after, headers=chief)
        assert status.headers[READ_FROM] == "replica" and status.json()["by_status"] == {"overdue": 1}
        report = client.get("/reports/accountability", params=after, headers=chief)
        assert report.headers[READ_FROM] == "replica"
        [official] = report.json()["officials"]
        assert official["orders"]["issued"] == 1
        acts = client.get(f"/officials/{official['official_id']}/actions", params=after, headers=chief)
        assert acts.headers[READ_FROM] == "replica"
        assert [a["type"] for a in acts.json()["actions"]] == ["Registered", "OrderedToRectify"]
        campaign = client.get("/reports/campaign", params={**after, "format": "json", "as_of": "2026-10-01"},
                              headers=chief)
        assert campaign.status_code == 200 and campaign.headers[READ_FROM] == "replica"


def test_with_replay_paused_a_read_after_the_write_is_answered_by_the_primary_and_one_without_by_the_replica(
    urls, tmp_path
):
    with served(replica_settings(urls, tmp_path, replica_wait_seconds=0.2)) as (client, chief):
        register(client, chief, name="张记豆腐坊")
        replica_caught_up(client)
        with replay_paused(urls[1]):
            written = post(client, chief, "/enterprises", {**ENTERPRISE, "name": "河口水产", "town": "河口镇"})

            # after=: the standby cannot reach the position, so the primary's views answer, with the write
            mine = client.get("/enterprises", params={"after": written["position"]}, headers=chief)
            assert mine.headers[READ_FROM] == "primary"
            assert sorted(item["name"] for item in mine.json()["items"]) == ["张记豆腐坊", "河口水产"]
            one = client.get(f"/enterprises/{written['enterprise_id']}", headers=chief)
            assert one.status_code == 200 and one.headers[READ_FROM] == "primary"
            report = client.get("/reports/status", params={"after": written["position"]}, headers=chief)
            assert report.headers[READ_FROM] == "primary" and report.json()["total"] == 2

            # without after=: the standby answers, and it has not replayed the write the primary has shown
            stale = client.get("/enterprises", headers=chief)
            assert stale.headers[READ_FROM] == "replica"
            assert [item["name"] for item in stale.json()["items"]] == ["张记豆腐坊"]
            assert client.get("/reports/status", headers=chief).json()["total"] == 1

            # the standby's lag shows in /readyz; "no such position" is judged on the primary's log
            assert all(n >= 1 for n in replica_lag(client).values())  # type: ignore[union-attr]  # lags are reported here
            beyond = client.get("/enterprises", params={"after": written["position"] + 10**6}, headers=chief)
            assert beyond.status_code == 422


def test_resuming_replay_the_replica_catches_up_and_answers_again(urls, tmp_path):
    with served(replica_settings(urls, tmp_path, replica_wait_seconds=0.2)) as (client, chief):
        with replay_paused(urls[1]):
            written = post(client, chief, "/enterprises", {**ENTERPRISE})
            behind = client.get("/enterprises", headers=chief)
            assert behind.headers[READ_FROM] == "replica" and behind.json()["total"] == 0
        replica_caught_up(client)
        caught_up = client.get("/enterprises", headers=chief)
        assert caught_up.headers[READ_FROM] == "replica" and caught_up.json()["total"] == 1
        mine = client.get("/enterprises", params={"after": written["position"]}, headers=chief)
        assert mine.headers[READ_FROM] == "replica" and mine.json()["total"] == 1


def test_the_views_open_on_a_standby_without_creating_anything_there(urls, tmp_path):
    settings = replica_settings(urls, tmp_path, replica_wait_seconds=0)
    replica = settings.read_replica()
    assert replica is not None
    primary_views = open_views(settings)  # creates the views' tables on the primary
    try:
        def replayed() -> bool:
            with psycopg.connect(urls[1]) as conn:
                found = conn.execute("SELECT to_regclass('view_status_tracking') IS NOT NULL "
                                     "AND to_regclass('view_accountability_tracking') IS NOT NULL").fetchone()
                return bool(found and found[0])

        eventually(replayed, "the views' tables on the standby")
        with pytest.raises(Exception, match="read-only transaction"):
            open_recorders(replica)  # the library's recorders create their tables unless told not to
        replica_views = open_replica_views(replica, primary_views)
        try:
            assert replica_views.positions() == {"status": 0, "accountability": 0}
            assert replica_views.log is primary_views.log
        finally:
            replica_views.close()
    finally:
        primary_views.close()


def test_a_read_replica_needs_a_postgresql_primary(tmp_path):
    with pytest.raises(ValueError, match="ZHIJIAN_READ_DATABASE_URL"):
        Settings(database_url=None, read_database_url="postgresql://postgres@127.0.0.1:5/x",
                 data_dir=tmp_path).read_replica()
    assert Settings(database_url="postgresql://postgres@127.0.0.1:5/x", data_dir=tmp_path).read_replica() is None
