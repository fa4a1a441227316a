"""`zhijian serve` SIGKILLed and restarted while 8 clients send commands, each with an Idempotency-Key, on each
store: every acknowledged command is in the log exactly once, retrying the rest with their keys stores each exactly
once (and an acknowledged one's retry stores nothing), the log verifies, and the views equal a rebuild."""

from __future__ import annotations

import random
import time

import httpx

from projections import open_views
from tests.e2e.load import Load, assert_each_stored_once, enterprises_of, retry_each, seed, stored_keys, summary
from tests.e2e.processes import serve_env, start_serving, wait_for
from tests.integration.projection_support import assert_views_equal_a_rebuild, caught_up, wait_until

KILLS = 4
BETWEEN_KILLS = 20  # acknowledged commands after each start before the next kill may strike: kills under load


def test_a_server_killed_under_load_loses_and_doubles_nothing(settings, tmp_path):
    started = time.monotonic()
    token, enterprises = seed(settings)
    env = serve_env(settings.data_dir, settings.database_url, log_format="text")
    log = tmp_path / "serve.log"
    server, api, port = start_serving(env, log)
    load = Load(api, token, enterprises, seed=7).start()
    rng = random.Random(20261127)
    starts = []
    try:
        for _ in range(KILLS):
            before = sum(s.acknowledged for s in list(load.sent))
            wait_for(lambda b=before: sum(s.acknowledged for s in list(load.sent)) >= b + BETWEEN_KILLS,
                     "commands acknowledged by the (re)started server", seconds=120)
            time.sleep(rng.uniform(0.0, 1.0))  # a random moment of the load
            server.kill()
            server.wait(30)
            time.sleep(rng.uniform(0.0, 0.5))  # away for a moment: the clients' connections are refused
            restarting = time.monotonic()
            server, _, _ = start_serving(env, log, port=port)
            starts.append(time.monotonic() - restarting)
        before = sum(s.acknowledged for s in list(load.sent))
        wait_for(lambda: sum(s.acknowledged for s in list(load.sent)) >= before + BETWEEN_KILLS,
                 "commands acknowledged after the last restart", seconds=120)
    finally:
        sent = load.stop()
    try:
        assert not load.unexpected, "\n".join(load.unexpected[:20])
        acknowledged = [s for s in sent if s.acknowledged]
        unanswered = [s for s in sent if not s.acknowledged]
        print(f"\n{len(sent)} commands under {KILLS} kills: {summary(sent)}; restarts took "
              f"{', '.join(f'{t:.1f}' for t in starts)} s")
        assert unanswered, "no command was cut off by a kill: the kills did not strike under load"

        stored = stored_keys(settings)
        assert all(len(stored.get(s.key, [])) == 1 for s in acknowledged), "an acknowledged command lost or doubled"
        assert all(len(stored.get(s.key, [])) <= 1 for s in unanswered), "a cut-off command stored twice"
        cut_off_but_stored = sum(s.key in stored for s in unanswered)

        retrying = time.monotonic()
        for s, again in zip(acknowledged, retry_each(api, token, acknowledged), strict=True):
            assert (again.status_code, again.json()) == (201, s.answer), (s.key, again.text)
        assert stored_keys(settings) == stored, "retrying acknowledged commands stored something"
        for s, again in zip(unanswered, retry_each(api, token, unanswered), strict=True):
            assert again.status_code == 201, (s.key, again.text)
            s.status, s.answer = 201, again.json()
        stored = stored_keys(settings)
        assert_each_stored_once(sent, stored)
        print(f"{cut_off_but_stored} of {len(unanswered)} cut-off commands had been stored before the kill; "
              f"their retries answered the stored result; retries took {time.monotonic() - retrying:.1f} s")

        with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
            verified = client.get("/audit/verify")
            assert verified.status_code == 200 and verified.json()["ok"], verified.text
            for enterprise in enterprises_of(stored):
                history = client.get(f"/enterprises/{enterprise}/history")
                assert history.status_code == 200, history.text
        last = max(e.position for events in stored.values() for e in events)
        views = open_views(settings)
        try:
            wait_until(caught_up(views, last), timeout=120, what="the views catching up after the last restart")
        finally:
            views.close()
    finally:
        server.terminate()
        server.wait(60)
    assert_views_equal_a_rebuild(settings)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    print(f"took {time.monotonic() - started:.1f} s")
