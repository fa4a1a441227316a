"""One app per store for a whole test module: `from tests.e2e.shared_app import app, client, settings`.

For modules whose tests each make their own enterprise and officials and so do not see
one another: starting the app (ledger, projections) once per store instead of once per
test keeps the suite quick. Overrides the per-test fixtures of the same names.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from application.settings import Settings
from tests.e2e.conftest import TestClient, make_app


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("var")
    if request.param == "sqlite":
        return Settings(database_url=None, data_dir=data_dir)
    return Settings(database_url=request.getfixturevalue("pg_server").create_database(), data_dir=data_dir)


@pytest.fixture(scope="module")
def app(settings: Settings) -> FastAPI:
    return make_app(settings)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c
