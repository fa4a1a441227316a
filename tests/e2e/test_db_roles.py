"""Least privilege on PostgreSQL: `zhijian db init` as the owner, then each role can do its part and no more,
and the whole app (commands over HTTP, the projection worker, reports, a rebuild) runs under these roles."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from application.audit.leaf_store import LeafStore
from application.audit.service import audit_over
from application.campaign_settings import load_campaign_settings
from application.settings import Settings
from interfaces.report_archive import ARCHIVED_HEADER, FINAL_AFTER
from interfaces.report_archiving import archive_reports
from projections.log import LedgerLog
from projections.rebuild import Rebuild
from projections.runners import start_runners
from projections.views import open_views, store_env
from tests.e2e.conftest import ENTERPRISE, SECOND_APP, TODAY, TestClient, bearer, make_app
from tests.e2e.processes import serve_env, wait_for
from tests.integration.projection_support import wait_until

ROOT = Path(__file__).resolve().parents[2]
_ROLE_SETS = itertools.count(1)


def role_url(url: str, role: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{role}@")


def deploy(pg_server, tmp_path: Path) -> dict[str, str]:
    """A database owned by its own owner role (as deploy/postgres-init/ makes it), `zhijian db init` run as that
    owner; returns {role: url}. Roles are cluster-wide: each deployment gets its own set."""
    n = f"{os.getpid()}_{next(_ROLE_SETS)}"
    roles = {k: f"zj_{k}_{n}" for k in ("owner", "app", "projection", "auditor")}
    url = pg_server.create_database("roles")
    dbname = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(), autocommit=True) as su:
        for name in roles.values():
            su.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        su.execute(f'GRANT "{roles["projection"]}" TO "{roles["owner"]}"')
        su.execute(f'ALTER DATABASE "{dbname}" OWNER TO "{roles["owner"]}"')
        su.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM PUBLIC')
    urls = {k: role_url(url, name) for k, name in roles.items()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env.update({"ZHIJIAN_DATABASE_URL": urls["owner"], "ZHIJIAN_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)})
    done = subprocess.run([sys.executable, "-m", "interfaces.cli", "db", "init", "--service-role", roles["app"],
                           "--projection-role", roles["projection"], "--auditor-role", roles["auditor"]],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return urls


@pytest.fixture(scope="module")
def deployed(pg_server, tmp_path_factory):
    """One deployment for the refusals (each is rolled back), with one event to try to change."""
    urls = deploy(pg_server, tmp_path_factory.mktemp("roles"))
    with psycopg.connect(urls["owner"], autocommit=True) as owner:
        owner.execute("INSERT INTO zhijian_events (originator_id, originator_version, topic, state) "
                      "VALUES (gen_random_uuid(), 1, 'x:Y', '\\x7b7d')")
    return urls


def refused(url: str, statement: str) -> str:
    """The SQLSTATE of the refusal of `statement` by the role of `url` (fails if it is not refused, or if only
    the immutability trigger refused it: the role's privileges must, before any trigger runs)."""
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.Error) as error:
            conn.execute(statement)
        assert "immutable" not in str(error.value), "refused by the trigger, not by the role's privileges"
        return str(error.value.sqlstate)


INSUFFICIENT_PRIVILEGE = "42501"
CHANGES_TO_EVENTS = [
    "UPDATE zhijian_events SET topic = 'forged'",
    "DELETE FROM zhijian_events",
    "TRUNCATE zhijian_events",
    "DROP TRIGGER zhijian_events_no_update_delete ON zhijian_events",
    "ALTER TABLE zhijian_events DISABLE TRIGGER zhijian_events_no_update_delete",
    "ALTER TABLE zhijian_events DISABLE TRIGGER ALL",
    "ALTER TABLE zhijian_events ADD COLUMN forged text",
    "DROP TABLE zhijian_events",
    "CREATE OR REPLACE FUNCTION zhijian_refuse_change() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TABLE forged (x int)",
]


@pytest.mark.parametrize("statement", CHANGES_TO_EVENTS)
def test_the_service_role_cannot_change_the_events_or_their_triggers(deployed, statement):
    assert refused(deployed["app"], statement) == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("statement", [
    *CHANGES_TO_EVENTS[:-1],
    "INSERT INTO zhijian_events (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'x:Y', '\\x7b7d')",
    "INSERT INTO zhijian_snapshots (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'x:Y', '\\x7b7d')",
    "INSERT INTO zhijian_event_leaves (leaf_index, position, originator_id, originator_version, leaf) "
    "VALUES (99, 99, gen_random_uuid(), 1, '\\x00')",
    "DELETE FROM zhijian_event_leaves",
])
def test_the_projection_role_cannot_write_the_events(deployed, statement):
    assert refused(deployed["projection"], statement) == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("statement", [
    *CHANGES_TO_EVENTS,
    "INSERT INTO zhijian_events (originator_id, originator_version, topic, state) "
    "VALUES (gen_random_uuid(), 1, 'x:Y', '\\x7b7d')",
    "INSERT INTO view_schema VALUES ('forged', 1)",
    "UPDATE view_status_tracking SET notification_id = 0",
    "DELETE FROM view_enterprises",
])
def test_the_auditor_cannot_write_anything(deployed, statement):
    assert refused(deployed["auditor"], statement) == INSUFFICIENT_PRIVILEGE


def test_the_service_role_cannot_write_the_views(deployed):
    assert refused(deployed["app"], "DELETE FROM view_enterprises") == INSUFFICIENT_PRIVILEGE
    assert refused(deployed["app"], "DELETE FROM report_archive") == INSUFFICIENT_PRIVILEGE
    assert refused(deployed["app"], "INSERT INTO view_schema VALUES ('forged', 1)") == INSUFFICIENT_PRIVILEGE


def test_every_role_reads_what_it_needs(deployed):
    for role in ("app", "projection", "auditor"):
        with psycopg.connect(deployed[role]) as conn:
            assert conn.execute("SELECT count(*) FROM zhijian_events").fetchone()[0] == 1, role


def test_db_init_run_again_changes_nothing_it_gave(deployed):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    owner = deployed["owner"]
    app, projection, auditor = (deployed[k].split("://")[1].split("@")[0] for k in ("app", "projection", "auditor"))
    env.update({"ZHIJIAN_DATABASE_URL": owner, "PYTHONPATH": str(ROOT)})
    again = subprocess.run([sys.executable, "-m", "interfaces.cli", "db", "init", "--service-role", app,
                            "--projection-role", projection, "--auditor-role", auditor],
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert refused(deployed["app"], "DELETE FROM zhijian_events") == INSUFFICIENT_PRIVILEGE


def test_the_service_refuses_to_start_on_events_whose_trigger_is_disabled(deployed, pg_server, tmp_path):
    from application.bootstrap import build_ledger

    service = Settings(database_url=deployed["app"], data_dir=tmp_path, create_tables=False)
    dbname = deployed["app"].rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url(dbname), autocommit=True) as su:
        su.execute("ALTER TABLE zhijian_events DISABLE TRIGGER zhijian_events_no_truncate")
        try:
            with pytest.raises(RuntimeError, match="zhijian_events_no_truncate"):
                build_ledger(service)
        finally:
            su.execute("ALTER TABLE zhijian_events ENABLE TRIGGER zhijian_events_no_truncate")
    build_ledger(service).close()


@SECOND_APP
def test_the_whole_app_works_as_the_service_role_with_the_views_fed_by_the_projection_role(pg_server, tmp_path):
    deployed = deploy(pg_server, tmp_path)
    service = Settings(database_url=deployed["app"], data_dir=tmp_path / "app", create_tables=False,
                       projections_in_server=False)
    projection = Settings(database_url=deployed["projection"], data_dir=tmp_path / "projection")
    runners = start_runners(projection)
    app = make_app(service)
    try:
        with TestClient(app) as client:
            from domain.actor import SYSTEM

            ledger = app.state.ledger
            chief = bearer(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="质监局",
                                                   role="supervisor").token)
            r = client.post("/enterprises", json=ENTERPRISE, headers=chief)
            assert r.status_code == 201, r.text
            e = r.json()["enterprise_id"]
            for path, body in ((f"/enterprises/{e}/inspections", {"occurred_on": "2026-08-06", "outcome": "compliant"}),
                               (f"/enterprises/{e}/rectification-orders", {
                                   "occurred_on": "2026-08-07", "order_no": "ZG-1", "deadline": "2026-12-31",
                                   "items": ["卫生"]})):
                r = client.post(path, json=body, headers={**chief, "Idempotency-Key": path})
                assert r.status_code == 201, r.text
            after = {"after": r.json()["position"]}
            status = client.get("/reports/status", params=after, headers=chief).json()
            assert status["total"] == 1 and status["by_status"] == {"under_rectification": 1}
            assert client.get("/reports/accountability", params=after, headers=chief).status_code == 200
            assert client.get("/reports/campaign", params=after, headers=chief).status_code == 200
            # The projection role archives an answer; the service reads and sends it.
            known_at = datetime.fromisoformat(r.json()["recorded_at"])
            fed = open_views(projection)
            try:
                position = r.json()["position"]
                wait_until(lambda: fed.positions()["status"] >= position, 120, "the status view fed")  # liveness
                archive_reports(fed, load_campaign_settings(None).campaign_for, [(TODAY, known_at)], ("json",),
                                 now=known_at + FINAL_AFTER)
            finally:
                fed.close()
            kept = client.get("/reports/campaign", params={"as_of": TODAY.isoformat(),
                                                           "known_at": known_at.isoformat()}, headers=chief)
            assert kept.status_code == 200 and ARCHIVED_HEADER in kept.headers
            assert kept.json()["rectification"]["issued"] == 1
            assert client.get(f"/enterprises/{e}/history", headers=chief).json()["latest_version"] == 3
            assert client.get("/readyz").status_code == 200
        job = Rebuild(projection, "status")  # a rebuild, as the projection role: new tables, switched over
        try:
            job.build(lambda position: None)
            job.switch_over()
        finally:
            job.close()
        with psycopg.connect(deployed["app"]) as conn:  # the rebuilt tables are readable by the service
            assert conn.execute("SELECT count(*) FROM view_enterprises").fetchone()[0] == 1
    finally:
        runners.stop()


def test_the_projection_worker_records_checkpoints_that_verify_as_the_projection_role(pg_server, tmp_path):
    """`zhijian project` as the projection role, the views out of the servers (the least-privilege deployment),
    records the log's signed checkpoints every checkpoint_minutes; the auditor verifies them with the bureau's key."""
    deployed = deploy(pg_server, tmp_path)
    service = Settings(database_url=deployed["app"], data_dir=tmp_path / "app", create_tables=False,
                       projections_in_server=False)
    key = tmp_path / "keys" / "audit-signing-key.pem"  # the bureau's: outside the database, shared by its processes
    with TestClient(make_app(service)) as client:
        from domain.actor import SYSTEM

        chief = bearer(client.app.state.ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="质监局",
                                                                role="supervisor").token)
        assert client.post("/enterprises", json=ENTERPRISE, headers=chief).status_code == 201
    log = tmp_path / "project.log"
    env = serve_env(tmp_path / "projection", deployed["projection"], audit_key_file=str(key),
                    checkpoint_minutes="0.01", log_format="text")
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "project"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    auditor = Settings(database_url=deployed["auditor"], data_dir=tmp_path / "auditor", audit_key_file=key,
                       create_tables=False)
    reader = LedgerLog(store_env(auditor))
    audit = audit_over(LeafStore(reader.recorder), auditor, owner=reader)
    try:
        wait_for(audit.latest_recorded, "a checkpoint recorded by the worker", seconds=90)
    finally:
        worker.terminate()
        worker.wait(60)
    try:
        recorded = audit.latest_recorded()
        with audit.leaves.reading() as log_now:
            assert recorded is not None and recorded.size == log_now.size() > 0  # the whole log, as it stands
        assert audit.check_checkpoint(recorded).ok
    finally:
        reader.close()
    text = log.read_text()
    assert "audit checkpoint recorded" in text and "not recorded" not in text and "Traceback" not in text, text
