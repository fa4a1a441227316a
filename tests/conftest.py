"""Test fixtures shared by every layer: the stores (SQLite and a real PostgreSQL)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.bootstrap import build_ledger
from application.ledger import Ledger
from application.settings import Settings
from tests.pg_server import PostgresServer, find_bindir


def pytest_report_header(config: pytest.Config) -> str:
    try:
        bindir = find_bindir()
    except RuntimeError as e:
        return f"PostgreSQL: {e}"
    version = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()
    return f"PostgreSQL server for integration tests: {version} ({bindir})"


_started: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for line in _started:
        terminalreporter.write_line(f"integration tests ran against a real PostgreSQL server: {line}")


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    _started.append(f"{server.version} on 127.0.0.1:{server.port} (run as {server._as_user or 'the test user'})")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Which backend this test runs on; one run per backend."""
    return str(request.param)


@pytest.fixture
def settings(store: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store of the parametrised kind."""
    if store == "sqlite":
        return Settings(database_url=None, data_dir=tmp_path / "var")
    server: PostgresServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    return Settings(database_url=url, data_dir=tmp_path / "var")


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    """The ledger on a fresh store of the parametrised kind, closed after the test."""
    led = build_ledger(settings)
    yield led
    led.close()
