"""The runners: events reach the views while they run, after a lost LISTEN connection,
with one active runner per view, and after the worker is killed at random moments."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from application.audit.checkpoints import Checkpoint
from application.audit.service import build_audit
from application.bootstrap import build_ledger
from application.settings import Settings
from projections import open_views
from projections.runner_postgres import SupervisedRunner
from projections.worker import run_worker
from tests.e2e.processes import serve_env
from tests.integration.projection_histories import record_history
from tests.integration.projection_support import assert_views_equal_a_rebuild, caught_up, wait_until

ROOT = Path(__file__).resolve().parents[2]
SOME_STEPS = [(0, "inspect_compliant", 20, 1, 0), (1, "order", 30, 10, 1), (0, "sample_fail", 40, 1, 2)]


@pytest.fixture
def postgres_settings(pg_server, tmp_path):
    return Settings(database_url=pg_server.create_database("run"), data_dir=tmp_path / "var")


@pytest.fixture
def worker(settings):
    stopping = threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings, stopping))
    thread.start()
    yield
    stopping.set()
    thread.join(30)
    assert not thread.is_alive()


@pytest.fixture
def ledger_and_views(settings):
    ledger, views = build_ledger(settings), open_views(settings)
    yield ledger, views
    views.close()
    ledger.close()


def test_events_recorded_while_the_worker_runs_reach_both_views(settings, ledger_and_views, worker):
    ledger, views = ledger_and_views
    recorded = record_history(ledger, SOME_STEPS)
    wait_until(caught_up(views, recorded.last_position), what="catching up")
    assert views.lag() == {"status": 0, "accountability": 0}


def test_the_worker_records_signed_checkpoints_that_verify_as_the_log_grows(settings):
    ledger = build_ledger(settings)
    audit = build_audit(ledger, settings)  # the same key file as the worker's: its data folder's

    def size() -> int:
        with audit.leaves.reading() as reader:
            return reader.size()

    def recorded_at(n: int) -> Checkpoint | None:
        latest = audit.latest_recorded()
        return latest if latest is not None and latest.size == n else None

    stopping = threading.Event()
    often = settings.model_copy(update={"checkpoint_minutes": 0.01})  # every 0.6 s
    thread = threading.Thread(target=run_worker, args=(often, stopping))
    try:
        record_history(ledger, SOME_STEPS[:1])
        thread.start()
        wait_until(lambda: recorded_at(size()), timeout=60, what="a checkpoint of the log")
        first = audit.latest_recorded()
        record_history(ledger, SOME_STEPS[1:])
        wait_until(lambda: recorded_at(size()), timeout=60, what="a checkpoint of the grown log")
        second = audit.latest_recorded()
    finally:
        stopping.set()
        if thread.ident:
            thread.join(30)
    try:
        assert first is not None and second is not None and second.size > first.size
        assert audit.check_checkpoint(first).ok and audit.check_checkpoint(second).ok
    finally:
        ledger.close()


def test_new_events_reach_the_view_after_its_listen_connection_is_terminated(pg_server, postgres_settings):
    settings = postgres_settings
    stopping = threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings, stopping))
    thread.start()
    ledger, views = build_ledger(settings), open_views(settings)
    try:
        first = record_history(ledger, SOME_STEPS[:1])
        wait_until(caught_up(views, first.last_position), what="the first event reaching the views")
        with psycopg.connect(settings.database_url, autocommit=True) as admin:
            listening = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
            ).fetchall()
            assert listening, "the runners' LISTEN connections"
            for (pid,) in listening:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        second = record_history(ledger, SOME_STEPS[1:])
        wait_until(caught_up(views, second.last_position), timeout=20, what="events after the LISTEN loss")
    finally:
        stopping.set()
        thread.join(30)
        views.close()
        ledger.close()


def test_a_second_runner_for_a_view_waits_while_the_first_holds_its_lock(postgres_settings):
    build_ledger(postgres_settings).close()  # the log exists
    stopping = threading.Event()
    first, second = (SupervisedRunner(postgres_settings, "status", stopping, retry=0.2) for _ in range(2))
    threads = [threading.Thread(target=r.run) for r in (first, second)]
    threads[0].start()
    try:
        wait_until(first.active.is_set, what="the first runner taking the lock")
        threads[1].start()
        for _ in range(10):
            assert first.active.is_set() and not second.active.is_set()
            stopping.wait(0.1)
    finally:
        stopping.set()
        for t in threads:
            if t.is_alive() or t.ident:
                t.join(30)


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = serve_env(settings.data_dir, settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / "worker.log").open("ab")  # each worker appends; read back when a wait fails
    try:
        return subprocess.Popen([sys.executable, "-m", "projections.worker"], env=env, cwd=str(ROOT),
                                stdout=log, stderr=log)
    finally:
        log.close()


def _worker_log(settings: Settings) -> str:
    path = settings.data_dir / "worker.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else "(no worker log)"


KILLS = 20


def test_a_worker_killed_at_random_moments_leaves_tables_equal_to_a_rebuild_from_zero(settings):
    """The worker is SIGKILLed 20 times while histories keep being recorded: half of the kills as soon as the
    restarted worker has written to a view (mid-catch-up), the others after a random wait (at start, reading, idle).
    Deterministic choices (seeded); where each kill lands depends on the machine."""
    rng = random.Random(20261127)
    writes = random.Random(rng.random())  # the writer's own, so the kills' draws do not depend on its progress
    ledger, views = build_ledger(settings), open_views(settings)
    stop_writing = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not stop_writing.is_set():
                steps = [(writes.randrange(4), writes.choice(["order", "inspect_compliant", "sample_fail", "retract",
                                                              "verify_pass", "license"]), writes.randrange(120),
                          writes.randrange(1, 40), writes.randrange(12)) for _ in range(10)]
                record_history(ledger, steps)
                stop_writing.wait(0.05)
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            failures.append(e)

    writer = threading.Thread(target=write)
    worker = _start_worker(settings)
    writer.start()
    kills, mid_catch_up, started = 0, 0, time.monotonic()
    try:
        while kills < KILLS and not failures:
            if rng.random() < 0.5:
                before = views.positions()
                wait_until(lambda b=before: views.positions() != b, timeout=60,
                           what=f"the worker restarted after kill {kills} writing to a view")
                mid_catch_up += 1
                time.sleep(rng.uniform(0.0, 0.2))
            else:
                time.sleep(rng.uniform(0.05, 1.0))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            worker = _start_worker(settings)
        stop_writing.set()
        writer.join()
        assert not failures
        last = views.log.last_position()
        print(f"\n{kills} kills ({mid_catch_up} just after the worker wrote to a view) over {last} positions "
              f"in {time.monotonic() - started:.1f} s")
        try:
            wait_until(caught_up(views, last), timeout=120, what="the restarted worker catching up")
        except AssertionError as e:
            raise AssertionError(f"{e}; positions {views.positions()} of {last}; worker log:\n"
                                 f"{_worker_log(settings)}") from None
    finally:
        stop_writing.set()
        writer.join(60)
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
        views.close()
        ledger.close()
    assert kills == KILLS
    assert_views_equal_a_rebuild(settings)


def test_several_processes_opening_the_views_at_once_all_succeed(settings):
    build_ledger(settings).close()  # the store exists (SQLite's switch to WAL mode is the first opener's)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_and_close() -> None:
        try:
            start.wait()
            open_views(settings).close()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
