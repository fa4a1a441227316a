"""Browser fixtures: a real server (uvicorn in a thread, over a demo campaign) and Debian's Chromium driven by
Playwright. No browser is downloaded: Chromium is /usr/bin/chromium (`.ci/run` installs it when missing).

Screenshots go to tests/browser/artifacts/ (git-ignored), one per page a journey visits.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from application.ledger import Ledger
from application.settings import Settings
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from interfaces.http.main import create_app
from seeding.demo import seed_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).with_name("artifacts")

pytestmark = pytest.mark.browser


@dataclass
class Server:
    url: str
    app: Any
    tokens: dict[str, str]
    first_enterprise: Any

    @property
    def ledger(self) -> Ledger:
        return self.app.state.ledger  # type: ignore[no-any-return]  # app.state is untyped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings) -> Iterator[Server]:
    """The app over a seeded demo campaign, served by uvicorn on a free port until the generator is closed."""
    app = create_app(settings)
    today = bureau_today()
    seeded = seed_demo(app.state.ledger, today)
    tokens = {name: app.state.ledger.issue_token(seeded.officials[name], by=SYSTEM, today=today)
              for name in ("李明", "王芳", "陈静")}
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200 and \
                    app.state.views.lag()["status"] == 0:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.1)
    try:
        yield Server(url, app, tokens, seeded.first_enterprise)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo on SQLite."""
    yield from serve(Settings(database_url=None, data_dir=tmp_path_factory.mktemp("var")))


@pytest.fixture(scope="module")
def pg_web_server(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo on PostgreSQL."""
    yield from serve(Settings(database_url=pg_server.create_database("web"), data_dir=tmp_path_factory.mktemp("var")))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai",
                              viewport={"width": 1360, "height": 900})
    ctx.set_default_timeout(20_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot under tests/browser/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def sign_in(page: Any, server: Server, who: str, then: str = "/") -> None:
    page.goto(f"{server.url}{then}")
    page.fill("#token", server.tokens[who])
    page.click("form[action='/web/signin'] button[type=submit]")
    page.wait_for_selector("header .me-name")
