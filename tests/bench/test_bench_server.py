"""The benchmarks' PostgreSQL server is configured as a production server would be, not as the tests' is."""

from __future__ import annotations

import psycopg
import pytest

from bench.server import SHARED_BUFFERS, postgres

pytestmark = pytest.mark.postgres


def test_the_bench_server_holds_its_shared_buffers_where_the_tests_server_keeps_the_default(pg_server):
    with postgres() as server, psycopg.connect(server.url()) as conn:
        bench = conn.execute("SHOW shared_buffers").fetchone()
    with psycopg.connect(pg_server.url()) as conn:
        tests = conn.execute("SHOW shared_buffers").fetchone()
    assert SHARED_BUFFERS == "2GB" and bench == ("2GB",) and tests == ("128MB",)
