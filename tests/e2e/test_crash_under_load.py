"""`zhijian serve` SIGKILLed and restarted while 8 clients send commands, each with an Idempotency-Key, on each
store: every acknowledged command is in the log exactly once, retrying the rest with their keys stores each exactly
once (and an acknowledged one's retry stores nothing), the log verifies, and the views equal a rebuild."""

from __future__ import annotations

import random
import time

from tests.e2e.load import Load, acknowledged_grow, assert_nothing_lost_doubled_or_half_stored, seed, summary
from tests.e2e.processes import serve_env, serving

KILLS = 4


def test_a_server_killed_under_load_loses_and_doubles_nothing(settings, tmp_path):
    started = time.monotonic()
    token, enterprises = seed(settings)
    env = serve_env(settings.data_dir, settings.database_url, log_format="text")
    rng = random.Random(20261127)
    starts = []
    with serving(env, tmp_path / "serve.log") as server:
        load = Load(server.api, token, enterprises, seed=7).start()
        try:
            for _ in range(KILLS):
                acknowledged_grow(load, "commands acknowledged by the (re)started server")  # kills strike under load
                time.sleep(rng.uniform(0.0, 1.0))  # at a random moment of it
                starts.append(server.kill_and_restart(away=rng.uniform(0.0, 0.5)))  # connections refused meanwhile
            acknowledged_grow(load, "commands acknowledged after the last restart")
        finally:
            sent = load.stop()
        assert not load.unexpected, "\n".join(load.unexpected[:20])
        assert any(not s.acknowledged for s in sent), "no command was cut off: the kills did not strike under load"
        print(f"\n{len(sent)} commands under {KILLS} kills: {summary(sent)}; restarts took "
              f"{', '.join(f'{t:.1f}' for t in starts)} s")
        print(assert_nothing_lost_doubled_or_half_stored(settings, server.api, token, sent))
    print(f"took {time.monotonic() - started:.1f} s")
