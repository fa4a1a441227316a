"""Clients writing while something fails: threads sending commands over HTTP, each with an Idempotency-Key of its
own, and what became of each; then what the log holds of them.

Every command carries its key in `notes`, so the log can be searched for it: a command is in the log exactly once
when exactly one stored event carries its key.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx

from application.bootstrap import build_ledger
from application.commands import Register
from application.settings import Settings
from domain.actor import SYSTEM
from domain.bureau_time import bureau_today
from projections.log import LedgerLog
from projections.views import open_views, store_env
from tests.e2e.processes import wait_for
from tests.integration.projection_support import assert_views_equal_a_rebuild, caught_up, wait_until

TODAY = bureau_today()
REGISTERED_ON = TODAY - timedelta(days=30)
INSPECTED_ON = (TODAY - timedelta(days=3)).isoformat()
CLIENTS = 8


@dataclass
class Sent:
    """One command and its answer: `status` None when none came (refused, reset or timed out connection)."""

    key: str
    path: str
    body: dict[str, Any]
    status: int | None = None
    answer: dict[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 201


@dataclass
class Stored:
    """An event of the log that carries a command's key."""

    position: int
    enterprise_id: str
    version: int


def seed(settings: Settings, enterprises: int = CLIENTS) -> tuple[str, list[str]]:
    """A supervisor's token and `enterprises` registered enterprises, recorded through the application."""
    ledger = build_ledger(settings)
    try:
        token = ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="质监局", role="supervisor").token
        chief = ledger.authenticate(token)
        ids = [str(ledger.register(Register(name=f"豆腐坊{n}", town="石桥镇", area="rural", kind="small_workshop",
                                            occurred_on=REGISTERED_ON), by=chief, today=TODAY).enterprise_id)
               for n in range(enterprises)]
    finally:
        ledger.close()
    return token, ids


@dataclass
class Load:
    """`clients` threads sending commands to `api` until stopped: mostly inspections of the seeded enterprises, one
    in five a registration. Deterministic choices (seeded); the answers depend on when the faults strike."""

    api: str
    token: str
    enterprises: list[str]
    clients: int = CLIENTS
    seed: int = 0
    sent: list[Sent] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # answers other than those `allowed` lets through
    _stopping: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Load:
        self._threads = [threading.Thread(target=self._client, args=(n,), name=f"client-{n}")
                         for n in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Sent]:
        self._stopping.set()
        for thread in self._threads:
            thread.join(120)
            assert not thread.is_alive(), f"{thread.name} still waiting for an answer"
        return self.sent

    def allowed(self, response: httpx.Response) -> bool:
        """Whether an answer is one the faults may give: a 201, or (while the store is away) a 503 problem
        document naming it. Anything else is gathered in `unexpected`."""
        if response.status_code == 201:
            return True
        return (response.status_code == 503 and response.headers.get("content-type") == "application/problem+json"
                and response.json().get("rule") == "storage-unavailable")

    def _client(self, n: int) -> None:
        rng = random.Random(self.seed * 1000 + n)
        with httpx.Client(headers={"Authorization": f"Bearer {self.token}"}, timeout=60) as client:
            i = 0
            while not self._stopping.is_set():
                key = f"load-{self.seed}-{n}-{i}"
                i += 1
                if rng.random() < 0.2:
                    town = rng.choice(["石桥镇", "河口镇"])
                    sent = Sent(key, "/enterprises", {"name": f"新登记{n}-{i}", "town": town, "area": "rural",
                                                       "kind": "small_workshop",
                                                       "occurred_on": REGISTERED_ON.isoformat(), "notes": key})
                else:
                    sent = Sent(key, f"/enterprises/{rng.choice(self.enterprises)}/inspections",
                                {"occurred_on": INSPECTED_ON, "outcome": "compliant", "notes": key})
                self._send(client, sent)
                with self._lock:
                    self.sent.append(sent)
                if sent.status != 201:
                    self._stopping.wait(0.5)  # the server or the store is away: not a busy loop

    def _send(self, client: httpx.Client, sent: Sent) -> None:
        try:
            response = send(client, self.api, sent)
        except httpx.TransportError:
            return  # no answer: the command may or may not be stored
        sent.status = response.status_code
        if response.status_code == 201:
            sent.answer = response.json()
        elif not self.allowed(response):
            with self._lock:
                self.unexpected.append(f"{sent.path} {sent.key}: {response.status_code} {response.text[:500]}")


def acknowledged_grow(load: Load, what: str, by: int = 20) -> None:
    """Waits (bounded) until `by` more of the load's commands have been acknowledged: a fault then strikes under
    load, or the service has recovered."""
    before = sum(s.acknowledged for s in list(load.sent))
    wait_for(lambda: sum(s.acknowledged for s in list(load.sent)) >= before + by, what, seconds=120)


def send(client: httpx.Client, api: str, sent: Sent) -> httpx.Response:
    return client.post(f"{api}{sent.path}", json=sent.body, headers={"Idempotency-Key": sent.key})


def retry_each(api: str, token: str, commands: list[Sent]) -> list[httpx.Response]:
    """Sends each command again with its own key, one after another, once the server answers again."""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        return [send(client, api, sent) for sent in commands]


def stored_keys(settings: Settings) -> dict[str, list[Stored]]:
    """Every event of the log that carries a key in its `notes`, by key, read through the projections' own reader."""
    log = LedgerLog(store_env(settings))
    found: dict[str, list[Stored]] = defaultdict(list)
    try:
        after = 0
        while page := log.page(after, 1000):
            for event, position in page:
                notes = getattr(event, "notes", "")
                if isinstance(notes, str) and notes.startswith("load-"):
                    found[notes].append(Stored(position, str(event.originator_id), event.originator_version))
            after = page[-1][1]
    finally:
        log.close()
    return dict(found)


def assert_each_stored_once(sent: list[Sent], stored: dict[str, list[Stored]]) -> None:
    """Every key sent is in the log exactly once, and nothing else carries a key; an acknowledged command's event is
    the one its answer named."""
    keys = {s.key for s in sent}
    assert len(keys) == len(sent), "a key was sent twice as a new command"
    twice = {k: v for k, v in stored.items() if len(v) != 1}
    assert not twice, f"stored more than once: {twice}"
    assert set(stored) == keys, (f"missing from the log: {sorted(keys - set(stored))[:20]}; "
                                 f"stored but never sent: {sorted(set(stored) - keys)[:20]}")
    for s in sent:
        if s.acknowledged:
            assert s.answer is not None
            event = stored[s.key][0]
            assert (event.position, event.enterprise_id, event.version) == (
                s.answer["position"], s.answer["enterprise_id"], s.answer["version"]), s


def enterprises_of(stored: dict[str, list[Stored]]) -> set[UUID]:
    return {UUID(e.enterprise_id) for events in stored.values() for e in events}


def assert_nothing_lost_doubled_or_half_stored(settings: Settings, api: str, token: str, sent: list[Sent]) -> str:
    """Once the faults are over and `api` answers: every acknowledged command is in the log exactly once, where its
    answer said; a cut-off one at most once. Retrying every acknowledged command with its key answers what it did
    and stores nothing; retrying every other one stores each exactly once. Then the log verifies, every history
    reads, and the views, caught up, equal a rebuild. Returns what happened, to print."""
    acknowledged = [s for s in sent if s.acknowledged]
    unanswered = [s for s in sent if not s.acknowledged]
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
    retried = time.monotonic() - retrying
    stored = stored_keys(settings)
    assert_each_stored_once(sent, stored)

    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        verified = client.get("/audit/verify")
        assert verified.status_code == 200 and verified.json()["ok"], verified.text
        for enterprise in enterprises_of(stored):
            history = client.get(f"/enterprises/{enterprise}/history")
            assert history.status_code == 200, history.text
    last = max(e.position for events in stored.values() for e in events)
    views = open_views(settings)
    try:
        wait_until(caught_up(views, last), timeout=120, what="the views catching up")
    finally:
        views.close()
    assert_views_equal_a_rebuild(settings)  # nothing is written meanwhile: the live views stay where they are
    return (f"{len(acknowledged)} acknowledged, {len(unanswered)} not ({cut_off_but_stored} of them had been "
            f"stored: their retries answered the stored result); retries took {retried:.1f} s")


def summary(sent: list[Sent]) -> str:
    by: dict[str, int] = defaultdict(int)
    for s in sent:
        by[str(s.status or "no answer")] += 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(by.items()))
