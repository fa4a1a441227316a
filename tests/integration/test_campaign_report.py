"""The campaign report on each store: the status view's answer at (as_of, known_at) equals the answer
computed from a replay of the log cut at known_at (the projections' property-test reference)."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application.bootstrap import build_ledger
from application.campaign_settings import DEFAULT_FILE, load_campaign_settings
from application.commands import Close, GrantLicense, RecordSample, Register, Retract, ReviewLicense
from application.settings import Settings
from domain.actor import SYSTEM
from domain.recording_clock import simulated
from domain.status import Fact, fold
from projections import campaign_queries, open_views
from projections.campaign_figures import campaign_figures, list_paths
from projections.campaign_queries import CampaignQueries
from projections.campaign_report import campaign_report
from projections.listing import materialize
from projections.replayed_states import ReplayedStates
from seeding.demo import seed_demo
from tests.integration.projection_histories import START, histories, record_history
from tests.integration.test_projection_properties import instants, live

CAMPAIGN = load_campaign_settings(DEFAULT_FILE)


def reference_report(ledger: Any, as_of: date, known_at: datetime) -> dict[str, Any]:
    """The report from each enterprise's audit trail cut at (as_of, known_at) by the projections' reference."""
    states = []
    for eid in ReplayedStates(ledger).enterprise_ids():
        cut = [h for h in live(ledger.history(eid), as_of, known_at) if h.type != "Retracted"]
        facts = [Fact(h.version, h.type, h.occurred_on, h.recorded_at, str(h.actor.official_id), h.payload)
                 for h in cut]
        if (state := fold(facts, as_of)) is not None:
            states.append((eid, state))
    return campaign_figures(states, as_of, known_at, CAMPAIGN.campaign_for(as_of))


def view_report(views: Any, as_of: date, known_at: datetime) -> dict[str, Any]:
    """The report from the status view's SQL, every list whole."""
    return campaign_report(views.status, as_of, known_at, CAMPAIGN.campaign_for(as_of))


def assert_pages_are_slices(views: Any, as_of: date, known_at: datetime, expected: dict[str, Any],
                            windows: list[tuple[int, int]]) -> None:
    """Every list's page (limit, offset), fetched on its own as the API does, is that slice of the reference's
    whole list (pages are queries of their own, shaped to stop at the page's end)."""
    with views.status.read() as tx:
        queries = CampaignQueries(tx, as_of, known_at, CAMPAIGN.campaign_for(as_of))
        for name, path in list_paths(expected).items():
            whole: Any = expected
            for key in path:
                whole = whole[key]
            listing = queries.list_named(name)
            assert listing is not None and listing.total == len(whole), name
            for limit, offset in windows:
                assert listing.page(limit, offset) == whole[offset:offset + limit], (name, limit, offset)


@pytest.fixture
def views(settings):
    v = open_views(settings)
    yield v
    v.close()


def test_the_demo_report_from_the_view_equals_the_report_from_the_log_cut_at_each_date_and_moment(ledger, views):
    today = date.today()
    seed_demo(ledger, today)
    views.catch_up()
    recorded = sorted(h.recorded_at for eid in ReplayedStates(ledger).enterprise_ids() for h in ledger.history(eid))
    moments = [recorded[len(recorded) * k // 4] for k in range(4)] + [recorded[-1] + timedelta(seconds=1)]
    year = CAMPAIGN.year_for(today)
    dates = [date(year, 8, 2), date(year, 8, 15), date(year, 9, 20), date(year, 10, 31), today,
             date(year + 1, 1, 5)]
    for as_of in dates:
        for known_at in moments:
            expected = reference_report(ledger, as_of, known_at)
            assert view_report(views, as_of, known_at) == expected, (as_of, known_at)
    full = reference_report(ledger, today, moments[-1])
    assert full["census"]["registered"] == 36 and full["disclosure"]  # the demo is there, with failures
    assert len(full["disclosure"]) > 6 and len(full["annual_review"]["shortfall"]) > 3  # pages below cut them
    for as_of in (date(year, 9, 20), today):
        assert_pages_are_slices(views, as_of, moments[-1], reference_report(ledger, as_of, moments[-1]),
                                [(1, 0), (3, 0), (3, 2), (2, 5), (50, 4), (5, 1000)])


def test_the_passes_run_beside_the_standing_on_one_snapshot_and_give_the_same_report(ledger, views, store):
    """On PostgreSQL the acts pass and the annual review run on a second connection that imports the first's
    snapshot: a registration and a failed sample (an act) recorded in between are in neither; the figures
    equal the log's."""
    today = date.today()
    seed_demo(ledger, today)
    views.catch_up()
    campaign = CAMPAIGN.campaign_for(today)
    chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=today, name="李明", unit="食品监管办",
                                                        role="supervisor").token)
    known_at = datetime.now(UTC) + timedelta(days=1)  # whatever is recorded (and caught up) by then
    with views.status.read() as tx:
        expected = reference_report(ledger, today, known_at)
        tx.rows("SELECT COUNT(*) AS n FROM view_status_facts{sfx}")  # the snapshot is taken here
        eid = ledger.register(Register(occurred_on=today, name="后来豆腐坊", town="石桥镇", area="rural",
                                       kind="small_workshop", product_categories=["bean_products"]), by=chief,
                              today=today).enterprise_id
        ledger.record(eid, RecordSample(occurred_on=today, sample_no="CJ-beside", product_category="bean_products",
                                        result="fail", failed_items=["苯甲酸"]), by=chief, today=today)
        views.catch_up()
        queries = CampaignQueries(tx, today, known_at, campaign, beside=lambda: views.status.recorder.beside(tx))
        figures = queries.figures()
        assert queries.passes_beside == (store == "postgres")
        assert materialize(figures) == expected
    after = reference_report(ledger, today, known_at)
    assert (after["census"]["registered"], after["sampling"]["failed"]) == (
        expected["census"]["registered"] + 1, expected["sampling"]["failed"] + 1)


def test_the_annual_review_pass_leaves_the_read_planning_as_it_found_it(ledger, views, store):
    """It is planned without parallel workers (a plan choice, measured); the passes after it keep them."""
    today = date.today()
    seed_demo(ledger, today)
    views.catch_up()
    with views.status.read() as tx:
        queries = CampaignQueries(tx, today, datetime.now(UTC), CAMPAIGN.campaign_for(today))
        if store == "postgres":
            before = tx.rows("SHOW max_parallel_workers_per_gather")[0]["max_parallel_workers_per_gather"]
        assert sum(r["due"] for r in queries._due()) > 0
        if store == "postgres":
            assert tx.rows("SHOW max_parallel_workers_per_gather")[0]["max_parallel_workers_per_gather"] == before


def test_a_read_runs_its_passes_one_after_another_when_no_second_connection_is_free(pg_server, tmp_path):
    settings = Settings(database_url=pg_server.create_database("beside"), data_dir=tmp_path / "var")
    views = open_views(settings)
    held = []
    try:
        with views.status.read() as tx:
            pool = views.status.recorder.datastore.pool
            # Every other connection of the pool taken (by reads that would wait for theirs): the read holds one.
            held.extend(pool.getconn() for _ in range(pool.max_size - 1))
            queries = CampaignQueries(tx, date.today(), datetime.now(UTC), CAMPAIGN.campaign_for(date.today()),
                                      beside=lambda: views.status.recorder.beside(tx))
            assert queries.figures()["census"]["registered"] == 0
            assert not queries.passes_beside
            for conn in held:
                pool.putconn(conn)
            held.clear()
            again = CampaignQueries(tx, date.today(), datetime.now(UTC), CAMPAIGN.campaign_for(date.today()),
                                    beside=lambda: views.status.recorder.beside(tx))
            again.figures()
            assert again.passes_beside
    finally:
        for conn in held:
            views.status.recorder.datastore.pool.putconn(conn)
        views.close()


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def test_a_late_entry_and_its_retraction_change_the_report_only_from_when_they_were_recorded(ledger, views):
    """A failed sample of 09-01 entered on 09-20 and retracted on 10-10 (explicit recording times)."""
    with simulated(lambda: at(date(2026, 8, 1))):
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=date(2026, 8, 1), name="李明",
                                                            unit="食品监管办", role="supervisor").token)
    with simulated(lambda: at(date(2026, 8, 5))):
        eid = ledger.register(Register(occurred_on=date(2026, 8, 5), name="张记豆腐坊", town="石桥镇", area="rural",
                                       kind="small_workshop", product_categories=["bean_products"]), by=chief,
                              today=date(2026, 8, 5)).enterprise_id
    with simulated(lambda: at(date(2026, 9, 20))):
        sample = ledger.record(eid,
                               RecordSample(occurred_on=date(2026, 9, 1), sample_no="CJ-1",
                                            product_category="bean_products", result="fail", failed_items=["苯甲酸"]),
                               by=chief, today=date(2026, 9, 20))
    with simulated(lambda: at(date(2026, 10, 10))):
        ledger.record(eid, Retract(event_version=sample.version, reason="样品编号录错"), by=chief,
                      today=date(2026, 10, 10))
    views.catch_up()

    def figures(as_of: date, known_at: datetime) -> tuple[int, int, int, list[str]]:
        report = view_report(views, as_of, known_at)
        assert report == reference_report(ledger, as_of, known_at)
        s = report["sampling"]
        return s["samples"], s["failed"], s["by_category"].get("bean_products", {}).get("failed", 0), \
            [i["name"] for i in report["disclosure"]]

    sep30 = date(2026, 9, 30)
    assert figures(sep30, at(date(2026, 9, 10))) == (0, 0, 0, [])  # not yet entered
    assert figures(sep30, at(date(2026, 9, 25))) == (1, 1, 1, ["张记豆腐坊"])
    assert figures(date(2026, 8, 31), at(date(2026, 9, 25))) == (0, 0, 0, [])  # it happened after 08-31
    assert figures(sep30, at(date(2026, 10, 15))) == (0, 0, 0, [])  # retracted by then
    assert view_report(views, sep30, at(date(2026, 9, 25)))["known_at"] == at(date(2026, 9, 25))


def workshops(ledger: Any, towns: dict[str, str], *, licensed: bool) -> tuple[Any, dict[str, Any]]:
    """A supervisor appointed on 08-01, and bean-curd workshops (name: town) registered on 08-10, each licensed
    then as XZF-0, XZF-1... in the order given when `licensed`."""
    with simulated(lambda: at(date(2026, 8, 1))):
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=date(2026, 8, 1), name="李明",
                                                            unit="食品监管办", role="supervisor").token)
    ids = {}
    for n, (name, town) in enumerate(towns.items()):
        with simulated(lambda: at(date(2026, 8, 10))):
            ids[name] = ledger.register(
                Register(occurred_on=date(2026, 8, 10), name=name, town=town, area="rural", kind="small_workshop",
                         product_categories=["bean_products"]), by=chief, today=date(2026, 8, 10)).enterprise_id
            if licensed:
                ledger.record(ids[name], GrantLicense(occurred_on=date(2026, 8, 10), license_no=f"XZF-{n}",
                                                      license_type="workshop_registration",
                                                      valid_until=date(2029, 8, 9)), by=chief, today=date(2026, 8, 10))
    return chief, ids


def test_a_closed_enterprise_leaves_the_review_shortfall_and_its_pages_from_its_closure(ledger, views):
    """Three workshops licensed on 08-10; 乙 closed on 09-01, recorded on 09-03. None reviewed."""
    chief, ids = workshops(ledger, dict.fromkeys(("甲记豆腐坊", "乙记豆腐坊", "丙记豆腐坊"), "石桥镇"), licensed=True)
    with simulated(lambda: at(date(2026, 9, 3))):
        ledger.record(ids["乙记豆腐坊"], Close(occurred_on=date(2026, 9, 1), reason="voluntary"), by=chief,
                      today=date(2026, 9, 3))
    views.catch_up()

    def pages(as_of: date, known_at: datetime) -> list[list[str]]:
        with views.status.read() as tx:
            listing = CampaignQueries(tx, as_of, known_at, CAMPAIGN.campaign_for(as_of)).list_named(
                "review_shortfall")
            assert listing is not None
            return [[r["license_no"] for r in listing.page(limit, offset)] for limit, offset in ((5, 0), (1, 1))]

    # Code-point order of the names: 丙 (U+4E19) < 乙 (U+4E59) < 甲 (U+7532).
    assert pages(date(2026, 9, 15), at(date(2026, 9, 4))) == [["XZF-2", "XZF-0"], ["XZF-0"]]
    assert pages(date(2026, 8, 31), at(date(2026, 9, 4))) == [["XZF-2", "XZF-1", "XZF-0"], ["XZF-1"]]  # open then
    assert pages(date(2026, 9, 15), at(date(2026, 9, 2))) == [["XZF-2", "XZF-1", "XZF-0"], ["XZF-1"]]  # not known


def test_a_licence_whose_review_failed_is_due_and_short_of_review(ledger, views):
    """Three workshops licensed on 08-10: 甲's 2026 review failed (09-05), 乙's passed (09-06), 丙 none."""
    chief, ids = workshops(ledger, dict.fromkeys(("甲记豆腐坊", "乙记豆腐坊", "丙记豆腐坊"), "石桥镇"), licensed=True)
    for name, license_no, day, passed in (("甲记豆腐坊", "XZF-0", date(2026, 9, 5), False),
                                          ("乙记豆腐坊", "XZF-1", date(2026, 9, 6), True)):
        with simulated(lambda day=day: at(day)):
            ledger.record(ids[name], ReviewLicense(occurred_on=day, license_no=license_no, year=2026, passed=passed),
                          by=chief, today=day)
    views.catch_up()
    as_of, known_at = date(2026, 9, 15), at(date(2026, 9, 15))
    assert CAMPAIGN.campaign_for(as_of).year == 2026
    review = view_report(views, as_of, known_at)["annual_review"]
    assert review == reference_report(ledger, as_of, known_at)["annual_review"]
    assert (review["due"], review["reviewed"]) == (3, 1)
    assert [r["license_no"] for r in review["shortfall"]] == ["XZF-2", "XZF-0"]  # 丙 (U+4E19) < 甲 (U+7532)


@pytest.mark.parametrize("looked_up", [True, False], ids=["closures-looked-up", "standing-walked"])
def test_the_closed_enterprises_list_is_the_same_read_from_the_closures_or_walked_in_its_order(
        ledger, views, monkeypatch, looked_up):
    """A page of the closed enterprises is found either by looking up each enterprise with a live closure or by
    walking the standing in the list's order (campaign_queries.read_from_members picks by how many are closed);
    both give the log's answer. Four workshops registered 08-10; 甲 closed 09-01 (recorded 09-02); 乙 closed
    09-05, retracted 09-12 and closed again 09-20 (recorded the same days); 丁 closed 10-01; 丙 never."""
    monkeypatch.setattr(campaign_queries, "read_from_members", lambda members, top, population: looked_up)
    towns = {"甲记豆腐坊": "石桥镇", "乙记豆腐坊": "河口镇", "丙记豆腐坊": "石桥镇", "丁记豆腐坊": "石桥镇"}
    chief, ids = workshops(ledger, towns, licensed=False)

    def close(name: str, day: date, recorded: date, decision: str) -> int:
        with simulated(lambda: at(recorded)):
            return ledger.record(ids[name], Close(occurred_on=day, reason="voluntary", decision_no=decision),
                                 by=chief, today=recorded).version

    close("甲记豆腐坊", date(2026, 9, 1), date(2026, 9, 2), "JD-1")
    wrong = close("乙记豆腐坊", date(2026, 9, 5), date(2026, 9, 5), "JD-2")
    with simulated(lambda: at(date(2026, 9, 12))):
        ledger.record(ids["乙记豆腐坊"], Retract(event_version=wrong, reason="错录"), by=chief, today=date(2026, 9, 12))
    close("乙记豆腐坊", date(2026, 9, 20), date(2026, 9, 20), "JD-3")
    close("丁记豆腐坊", date(2026, 10, 1), date(2026, 10, 1), "JD-4")
    views.catch_up()

    def closed(as_of: date, known_at: datetime) -> list[list[tuple[str, str]]]:
        expected = reference_report(ledger, as_of, known_at)["licensing"]["closed_enterprises"]
        with views.status.read() as tx:
            listing = CampaignQueries(tx, as_of, known_at, CAMPAIGN.campaign_for(as_of)).list_named(
                "closed_enterprises")
            assert listing is not None and listing.total == len(expected)
            pages = [listing.page(limit, offset) for limit, offset in ((5, 0), (1, 1), (2, 2))]
            assert pages == [expected[:5], expected[1:2], expected[2:4]]
            assert list(listing) == expected
            return [[(r["name"], r["decision_no"]) for r in page] for page in pages]

    # Towns by code point: 河 (U+6CB3) < 石 (U+77F3); in 石桥镇, 丁 (U+4E01) < 甲 (U+7532).
    assert closed(date(2026, 10, 15), at(date(2026, 10, 15))) == [
        [("乙记豆腐坊", "JD-3"), ("丁记豆腐坊", "JD-4"), ("甲记豆腐坊", "JD-1")], [("丁记豆腐坊", "JD-4")],
        [("甲记豆腐坊", "JD-1")]]
    assert closed(date(2026, 9, 10), at(date(2026, 9, 10))) == [  # 乙's first closure, not yet retracted
        [("乙记豆腐坊", "JD-2"), ("甲记豆腐坊", "JD-1")], [("甲记豆腐坊", "JD-1")], []]
    assert closed(date(2026, 9, 10), at(date(2026, 10, 15))) == [  # as known later: retracted, 乙 open then
        [("甲记豆腐坊", "JD-1")], [], []]
    assert closed(date(2026, 9, 1), at(date(2026, 9, 1), 23)) == [[], [], []]  # 甲's closure not yet recorded


def test_a_few_members_are_looked_up_and_many_are_found_by_walking_the_list_in_its_order():
    """The measured crossover (campaign_queries.read_from_members): 2 x members^2 against top x population."""
    assert campaign_queries.read_from_members(46, 50, 100_000)  # a province early in the campaign
    assert not campaign_queries.read_from_members(16_287, 50, 100_000)  # and at its end
    assert campaign_queries.read_from_members(16_287, 10_000, 100_000)  # deep pages: the walk would read far
    assert campaign_queries.read_from_members(1, 1, 3) and not campaign_queries.read_from_members(2, 1, 8)


def fresh_settings(store: str, request: pytest.FixtureRequest) -> Settings:
    if store == "sqlite":
        return Settings(database_url=None, data_dir=Path(tempfile.mkdtemp(prefix="zhijian-campaign-")))
    return Settings(database_url=request.getfixturevalue("pg_server").create_database("campaign"))


days = st.integers(-3, 160).map(lambda n: START + timedelta(days=n))


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_for_random_histories_the_report_equals_the_report_from_the_log_cut_at_as_of_and_known_at(
    store: str, request: pytest.FixtureRequest
) -> None:
    @hypothesis_settings(max_examples={"sqlite": 40, "postgres": 10}[store], deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(steps=histories, data=st.data())
    def prop(steps: list[Any], data: st.DataObject) -> None:
        settings = fresh_settings(store, request)
        ledger, views = build_ledger(settings), open_views(settings)
        try:
            recorded = record_history(ledger, steps)
            views.catch_up(page=data.draw(st.sampled_from([1, 4, 500]), label="page"))
            for _ in range(4):
                as_of = data.draw(days, label="as_of")
                known_at = data.draw(st.sampled_from(instants(recorded.recorded_at)), label="known_at")
                expected = reference_report(ledger, as_of, known_at)
                assert view_report(views, as_of, known_at) == expected
                windows = data.draw(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 4)), min_size=1,
                                             max_size=2), label="pages")
                assert_pages_are_slices(views, as_of, known_at, expected, windows)
        finally:
            views.close()
            ledger.close()

    prop()
