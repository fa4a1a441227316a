"""Generates a province (or a city) into a store, fast, in the order things are recorded.

    python -m bench.generate --scale city|province|tiny --seed N [--year 2025]
                             [--database-url postgresql://...] [--data-dir DIR]

Plans every act first (`bench/province.py`), then applies them in order of recording
time through the aggregates' own command methods, so every rule is checked (a refused
act is a bug of the generator and stops it), each event stamped by the simulated
recording clock with the moment it is recorded and each command given the bureau's
`today` of that moment. Events are saved in batches of about `--batch` events across
many aggregates, one transaction each, in recording order, so the global log order
follows recorded time as it would in production. Aggregates stay in memory.

Officials are appointed through `Ledger.appoint_official` (the tokens stay in memory
and are never printed or saved). Without `--database-url` (or `ZHIJIAN_DATABASE_URL`)
the store is a fresh SQLite file under `--data-dir` (default `var/bench/<scale>-seed<N>`).
A PostgreSQL database must have an empty log.

Determinism: the same seed and year give the same enterprises, acts, dates and recorded
times. Aggregate ids are random UUIDs made inside the domain (and token hashes are
random), so the manifest carries a digest of the content with ids replaced by the order
they first appear in: equal digests mean equal logs but for ids and tokens.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from uuid import UUID

from application.bootstrap import build_ledger
from application.ledger import Ledger
from application.settings import Settings
from bench.figures import RESULTS, Figure, Results
from bench.province import SCALES, PlannedAct, Province, plan_province
from domain.actor import SYSTEM, Actor
from domain.acts import Act
from domain.bureau_time import BUREAU_TZ, bureau_date
from domain.enterprise import CreditCodeIndex, Enterprise
from domain.errors import DomainError
from domain.official import Caller
from domain.permissions import may
from domain.recording_clock import simulated

DEFAULT_YEAR = 2025
# The acts the roles are checked against (domain/permissions.py), by the plan's words.
ACTS = {"register": Act.REGISTER, "inspect": Act.INSPECT, "sample": Act.RECORD_SAMPLE, "order": Act.ORDER_TO_RECTIFY,
        "verify": Act.VERIFY_RECTIFICATION, "license": Act.GRANT_LICENSE, "review": Act.REVIEW_LICENSE,
        "close": Act.CLOSE, "retract": Act.RETRACT}
# Left out of the digest: random by design (token hashes and the index found by them).
UNDIGESTED_TYPES = {"TokenIndex.Indexed"}
UNDIGESTED_FIELDS_OF = {"Official.TokenIssued": ("token_hash", "timestamp")}


class GeneratorBug(RuntimeError):
    """The domain refused a planned act: the plan broke a rule it should have kept."""


# -- the content digest ------------------------------------------------------------------------


class ContentDigest:
    """SHA-256 over events in log order, ids replaced by the order they first appear in.

    Fed the same way by the generator (the events it saves) and by a reader of the log
    (`digest_log`), so a manifest's digest can be checked against the store.
    """

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.ids: dict[UUID, int] = {}
        self.count = 0

    def _plain(self, value: Any) -> Any:
        # Called by json.dumps for what JSON has no word for.
        if isinstance(value, UUID):
            return f"#{self.ids.setdefault(value, len(self.ids))}"
        if isinstance(value, Actor):
            return [self._plain(value.official_id), value.name, value.unit, str(value.role.value)]
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"no digest for {type(value).__name__}")

    def add(self, event: Any) -> None:
        name = type(event).__qualname__
        if name in UNDIGESTED_TYPES:
            return
        body = event.__dict__
        if name in UNDIGESTED_FIELDS_OF:
            body = {k: v for k, v in body.items() if k not in UNDIGESTED_FIELDS_OF[name]}
        self.hash.update(name.encode())
        self.hash.update(json.dumps(body, default=self._plain, sort_keys=True, ensure_ascii=False).encode())
        self.count += 1

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def digest_log(events: Iterable[Any]) -> str:
    digest = ContentDigest()
    for e in events:
        digest.add(e)
    return digest.hexdigest()


# -- applying the plan ------------------------------------------------------------------------


@dataclass
class Generated:
    manifest: dict[str, Any]
    enterprise_ids: list[UUID]
    callers: list[Caller]


def _recorded_at(at: int) -> datetime:
    return datetime.fromtimestamp(at, UTC)


class Generator:
    """Applies a planned province to a ledger, in order of recording, in batched transactions."""

    def __init__(self, ledger: Ledger, province: Province, *, batch_events: int = 1000,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.ledger, self.p = ledger, province
        self.batch_events = batch_events
        self.progress = progress
        self.digest = ContentDigest()
        self.counts: Counter[str] = Counter()
        self.callers: list[Caller] = []
        self.enterprises: list[Enterprise | None] = [None] * len(province.enterprises)
        self.pending: list[Any] = []
        self.clock = [datetime.now(UTC)]
        self.first_recorded: datetime | None = None
        self.last_recorded: datetime | None = None

    def appoint_officials(self) -> None:
        """Appointed two days before the campaign, through the ledger (tokens stay in memory)."""
        self.clock[0] = datetime.combine(self.p.start - timedelta(days=2), dtime(9, 0), BUREAU_TZ).astimezone(UTC)
        today = bureau_date(self.clock[0])
        for o in self.p.officials:
            appointed = self.ledger.appoint_official(by=SYSTEM, today=today, name=o.name, unit=o.unit, role=o.role,
                                                     towns=o.towns)
            self.callers.append(self.ledger.authenticate(appointed.token))
            for event in self.ledger.events.get(appointed.official_id):
                self.digest.add(event)
                self.counts[type(event).__qualname__] += 1
            self.counts["TokenIndex.Indexed"] += 1

    def run(self) -> None:
        acts = self.p.acts
        total = len(acts)
        with simulated(lambda: self.clock[0]):
            self.appoint_officials()
            for n in range(total):
                act = acts[n]
                acts[n] = None  # type: ignore[call-overload]  # free the plan as it is applied
                self.apply(act)
                if len(self.pending) >= self.batch_events:
                    self.flush()
                    if self.progress:
                        self.progress(n + 1, total)
            self.flush()
        if self.progress:
            self.progress(total, total)

    def flush(self) -> None:
        if not self.pending:
            return
        self.ledger.save_events(self.pending)
        for event in self.pending:
            self.digest.add(event)
            self.counts[type(event).__qualname__] += 1
        self.pending.clear()

    def apply(self, act: PlannedAct) -> None:
        moment = _recorded_at(act.at)
        self.clock[0] = moment
        self.first_recorded = self.first_recorded or moment
        self.last_recorded = moment
        today = bureau_date(moment)
        planned = self.p.enterprises[act.enterprise]
        caller = self.callers[act.by]
        # The ledger's authorisation (domain/permissions.py): role, then towns.
        if not may(caller, ACTS[act.act]) or not caller.covers(planned.town):
            raise GeneratorBug(
                f"{caller.name} ({caller.role.value}, {caller.towns}) may not {act.act} in {planned.town}"
            )
        actor = caller.as_actor
        try:
            if act.act == "register":
                self.register(act, actor, today)
                return
            e = self.enterprises[act.enterprise]
            assert e is not None, "registration is recorded first"
            a = act.args
            if act.act == "inspect":
                e.inspect(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "sample":
                e.record_sample(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "order":
                e.order_to_rectify(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "verify":
                e.verify_rectification(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "license":
                e.grant_license(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "review":
                e.review_license(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "close":
                e.close(actor=actor, today=today, occurred_on=act.on, **a)
            elif act.act == "retract":
                assert act.target is not None and act.target.version, "the target is recorded first"
                e.retract(actor=actor, today=today, occurred_on=today, event_version=act.target.version, **a)
            else:
                raise GeneratorBug(f"unknown act {act.act}")
        except DomainError as error:
            raise GeneratorBug(f"enterprise #{act.enterprise} {planned.name}: {act.act} on {act.on} recorded "
                               f"{moment.isoformat()} refused: {error.rule}: {error.detail}") from error
        act.version = e.version
        self.pending.extend(e.collect_events())

    def register(self, act: PlannedAct, actor: Actor, today: date) -> None:
        planned = self.p.enterprises[act.enterprise]
        e = Enterprise.register(
            actor=actor, today=today, occurred_on=act.on, name=planned.name, town=planned.town, area=planned.area,
            kind=planned.kind, product_categories=planned.categories, credit_code=planned.credit_code,
            credit_code_verified_by_hand=planned.verified_by_hand, address=planned.address,
        )
        self.enterprises[act.enterprise] = e
        act.version = e.version
        self.pending.extend(e.collect_events())
        if e.credit_code:
            # Saved beside the enterprise, as Ledger.register_enterprise does; stamped with the same recorded time.
            index = CreditCodeIndex._create(CreditCodeIndex.Indexed, credit_code=e.credit_code, enterprise_id=e.id,
                                            timestamp=self.clock[0])
            self.pending.extend(index.collect_events())


def generate(ledger: Ledger, scale: str, seed: int, year: int = DEFAULT_YEAR, *, batch_events: int = 1000,
             store: str = "", progress: Callable[[int, int], None] | None = None) -> Generated:
    """Plans and records a province into an empty ledger; returns its manifest."""
    if ledger.recorder.max_notification_id():
        raise SystemExit("the store's log is not empty: generate into a fresh database")
    started = time.perf_counter()
    province = plan_province(SCALES[scale], seed, year)
    planned = time.perf_counter()
    acts_by_kind = Counter(a.act for a in province.acts)
    occurred = [a.on for a in province.acts]
    first_on, last_on = min(occurred), max(occurred)
    del occurred
    generator = Generator(ledger, province, batch_events=batch_events, progress=progress)
    generator.run()
    finished = time.perf_counter()
    events = sum(generator.counts.values())
    enterprises = province.enterprises
    manifest: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "campaign_year": year,
        "store": store,
        "simulated_year": {"start": province.start.isoformat(), "end": province.end.isoformat()},
        "occurred_on": {"first": first_on.isoformat(), "last": last_on.isoformat()},
        "recorded_at": {"first": generator.first_recorded.isoformat() if generator.first_recorded else None,
                        "last": generator.last_recorded.isoformat() if generator.last_recorded else None},
        "towns": len(province.towns),
        "officials": len(province.officials),
        "officials_by_role": dict(Counter(o.role for o in province.officials)),
        "enterprises": len(enterprises),
        "enterprises_by_kind": dict(Counter(e.kind for e in enterprises)),
        "enterprises_by_area": dict(Counter(e.area for e in enterprises)),
        "enterprises_with_credit_code": sum(1 for e in enterprises if e.credit_code),
        "acts": sum(acts_by_kind.values()),
        "acts_by_kind": dict(sorted(acts_by_kind.items())),
        "events": events,
        "events_by_type": dict(sorted(generator.counts.items())),
        "last_position": ledger.recorder.max_notification_id(),
        "seconds": {"plan": round(planned - started, 2), "record": round(finished - planned, 2),
                    "total": round(finished - started, 2)},
        "events_per_second": round(events / (finished - planned), 1),
        "batch_events": batch_events,
        "digest": generator.digest.hexdigest(),
        "digest_covers": "every event in log order except TokenIndex ones; ids replaced by first appearance; "
                         "token hashes and token timestamps left out (random by design)",
        "ids": "aggregate ids are random uuid4 made inside the domain: they differ between runs, the content does not",
    }
    ids = [e.id for e in generator.enterprises if e is not None]
    return Generated(manifest, ids, generator.callers)


# -- the command line -----------------------------------------------------------------------


def store_name(settings: Settings) -> str:
    return "postgres" if settings.is_postgres else "sqlite"


def settings_for(database_url: str | None, data_dir: Path) -> Settings:
    """PostgreSQL if a URL is given (or ZHIJIAN_DATABASE_URL is set), else a fresh SQLite file under data_dir."""
    url = database_url or os.environ.get("ZHIJIAN_DATABASE_URL") or None
    if not url:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(database_url=url, data_dir=data_dir)


def print_manifest(manifest: dict[str, Any]) -> None:
    m = manifest
    print(f"scale {m['scale']} seed {m['seed']} campaign year {m['campaign_year']} store {m['store']}")
    print(f"simulated year {m['simulated_year']['start']} .. {m['simulated_year']['end']}; "
          f"recorded {m['recorded_at']['first']} .. {m['recorded_at']['last']}")
    print(f"towns {m['towns']}, officials {m['officials']} {m['officials_by_role']}")
    print(f"enterprises {m['enterprises']:,} {m['enterprises_by_kind']} {m['enterprises_by_area']}; "
          f"with credit code {m['enterprises_with_credit_code']:,}")
    print(f"events {m['events']:,}:")
    for name, n in m["events_by_type"].items():
        print(f"  {name:<36} {n:>10,}")
    print(f"planned in {m['seconds']['plan']} s, recorded in {m['seconds']['record']} s: "
          f"{m['events_per_second']:,.0f} events/s (batches of {m['batch_events']})")
    print(f"digest {m['digest']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=DEFAULT_YEAR,
                        help="the campaign year (its simulated year must be past)")
    parser.add_argument("--database-url", default=None,
                        help="postgresql://...; default ZHIJIAN_DATABASE_URL, else SQLite")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="SQLite folder (recreated); default var/bench/<scale>-seed<N>")
    parser.add_argument("--batch", type=int, default=1000, help="events per transaction")
    parser.add_argument("--no-baseline", action="store_true", help="skip the library's raw batched-save baseline")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path("var/bench") / f"{args.scale}-seed{args.seed}"
    settings = settings_for(args.database_url, data_dir)
    store = store_name(settings)
    ledger = build_ledger(settings)

    def progress(done: int, total: int) -> None:
        print(f"\r  {done:,}/{total:,} acts", end="", file=sys.stderr, flush=True)

    try:
        generated = generate(ledger, args.scale, args.seed, args.year, batch_events=args.batch, store=store,
                             progress=progress)
    finally:
        ledger.close()
    print(file=sys.stderr)
    manifest = generated.manifest
    print_manifest(manifest)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"manifest-{args.scale}-{store}.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"manifest: {path}")
    results = Results("generate", args.scale, store, context={"seed": args.seed, "events": manifest["events"],
                                                              "digest": manifest["digest"]})
    baseline_name, baseline = "not measured", 0.0
    if not args.no_baseline:
        from bench.baselines import raw_batched_save_rate

        baseline_name = f"library raw save of bare aggregates, {args.batch} per transaction"
        baseline = raw_batched_save_rate(settings, events=20_000, batch=args.batch)
    rate = manifest["events_per_second"]
    results.add(Figure(f"generate {args.scale}: events/s (plan excluded)", rate, "/s", baseline_name, baseline,
                       target=">= 10,000 /s on PostgreSQL" if store == "postgres" else "",
                       met=(rate >= 10_000) if store == "postgres" else None,
                       notes=f"{manifest['events']:,} events in {manifest['seconds']['record']} s"))
    print(f"results: {results.save()}")


if __name__ == "__main__":
    main()
