"""HTTP fixtures: the app on each store (SQLite and a real PostgreSQL), a client, officials' tokens."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what FastAPI's TestClient documents
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

from application.ledger import Ledger
from application.settings import Settings
from domain.actor import SYSTEM
from interfaces.http import deps
from interfaces.http.main import create_app

TODAY = date(2026, 10, 1)

ENTERPRISE = {
    "name": "张记豆腐坊",
    "town": "石桥镇",
    "area": "rural",
    "kind": "small_workshop",
    "product_categories": ["bean_products"],
    "occurred_on": "2026-08-05",
}


# FastAPI silences a pydantic warning about header aliases with warnings.catch_warnings(),
# which is not thread-safe: building a second app while the first one's threads run can
# let it through. Tests that start a second app over the same store wear this mark.
SECOND_APP = pytest.mark.filterwarnings("ignore::pydantic.warnings.UnsupportedFieldAttributeWarning")


def make_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    app.dependency_overrides[deps.today] = lambda: TODAY
    return app


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return make_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def ledger(app: FastAPI) -> Ledger:
    return app.state.ledger  # type: ignore[no-any-return]  # app.state is untyped


Appoint = Callable[..., dict[str, str]]


@pytest.fixture
def appoint(ledger: Ledger) -> Appoint:
    """Appoints an official; returns the Authorization header of their new token."""

    def appoint(role: str, towns: tuple[str, ...] = (), name: str = "王芳") -> dict[str, str]:
        appointed = ledger.appoint_official(by=SYSTEM, today=TODAY, name=name, unit="质监局", role=role, towns=towns)
        return bearer(appointed.token)

    return appoint


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def chief(appoint: Appoint) -> dict[str, str]:
    """A supervisor with no towns: may record every act, unit-wide."""
    return appoint("supervisor", name="李明")


def register(client: TestClient, auth: dict[str, str], **fields: Any) -> str:
    """Registers an enterprise over HTTP and returns its id."""
    response = client.post("/enterprises", json={**ENTERPRISE, **fields}, headers=auth)
    assert response.status_code == 201, response.text
    return str(response.json()["enterprise_id"])


@pytest.fixture
def enterprise(client: TestClient, chief: dict[str, str]) -> str:
    return register(client, chief)


PROBLEM = "application/problem+json"


def problem(r, status: int) -> dict:
    """The answer, checked to be an RFC 9457 problem document with this status."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].endswith(body["rule"])
    return body
