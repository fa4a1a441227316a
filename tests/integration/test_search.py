"""Search (`q`) is literal and the same on both stores.

`%`, `_` and `\\` are ordinary characters; Latin letters match in either case; full-width
and compatibility forms match their plain forms (NFKC); zero-width and other format
characters are ignored (domain.text.search_form). Names are stored in their one spelling
(domain.text.normal_form), so they are listed in it. The reference below applies that rule
in Python; both stores must answer exactly what it answers, for names and queries drawn
from an alphabet made of the characters that used to break it.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from application.bootstrap import build_ledger
from application.commands import Register
from application.settings import Settings
from domain.actor import SYSTEM
from domain.credit_code import check_character
from domain.text import normal_form, search_form
from projections import open_views

TODAY = date(2026, 10, 1)
ALPHABET_OF_TROUBLE = ["a", "A", "b", "B", "Ａ", "ａ", "%", "_", "\\", "'", "豆", "腐", "坊", "\u200b", "\ufeff", "ﬁ",
                       "fi", "1", "１", "ß", " ", "-"]
NAMES = 60


def _names(seed: int) -> list[str]:
    rng = random.Random(seed)
    names = set()
    while len(names) < NAMES:
        name = "".join(rng.choice(ALPHABET_OF_TROUBLE) for _ in range(rng.randint(1, 8))).strip()  # as registered
        if name and search_form(name).strip():
            names.add(name)
    return sorted(names)


def _code(n: int) -> str:
    body = f"9135020077604{n:04d}"
    return body + check_character(body)


@pytest.fixture(scope="module")
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The same register on SQLite and on PostgreSQL, views caught up."""
    names = _names(8)
    opened = {}
    for store in ("sqlite", "postgres"):
        if store == "sqlite":
            settings = Settings(database_url=None, data_dir=tmp_path_factory.mktemp("search"))
        else:
            settings = Settings(database_url=request.getfixturevalue("pg_server").create_database("search"))
        ledger = build_ledger(settings)
        chief = ledger.authenticate(ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办",
                                                            role="supervisor").token)
        for i, name in enumerate(names):
            ledger.register(Register(occurred_on=TODAY, name=name, town="石桥镇", area="rural", kind="sales_point",
                                     credit_code=_code(i) if i % 3 else None), by=chief, today=TODAY)
        views = open_views(settings)
        views.catch_up()
        opened[store] = (ledger, views)
    yield names, opened
    for ledger, views in opened.values():
        views.close()
        ledger.close()


def found(views, q: str) -> list[str]:
    page = views.status.enterprises(TODAY, datetime.now(UTC) + timedelta(seconds=1), q=q, limit=500)
    return sorted(s.name for _, s in page.items)


def expected(names: list[str], q: str) -> list[str]:
    codes = {name: _code(i) if i % 3 else "" for i, name in enumerate(names)}
    needle = search_form(q)
    return sorted(normal_form(n) for n in names if needle in search_form(n) or needle in search_form(codes[n]))


queries = st.lists(st.sampled_from(ALPHABET_OF_TROUBLE + ["c", "9135", "x"]), min_size=1, max_size=4).map("".join)


@hypothesis_settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries)
def test_both_stores_match_q_literally_as_the_reference_does(stores, q):
    names, opened = stores
    want = expected(names, q)
    assert found(opened["sqlite"][1], q) == want
    assert found(opened["postgres"][1], q) == want


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_wildcards_are_ordinary_characters(stores, store):
    names, opened = stores
    views = opened[store][1]
    assert found(views, "%") == sorted(normal_form(n) for n in names if "%" in n)
    assert found(views, "_") == sorted(normal_form(n) for n in names if "_" in n)
    assert found(views, "\\") == sorted(normal_form(n) for n in names if "\\" in n)
    assert len(found(views, "%")) < NAMES and len(found(views, "_")) < NAMES


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_case_width_and_invisible_characters_do_not_matter(stores, store):
    names, opened = stores
    views = opened[store][1]
    assert found(views, "a") == found(views, "A") == found(views, "Ａ") == found(views, "\u200bａ")
    assert found(views, "a")  # the alphabet makes some
    assert found(views, "9135020077604") == sorted(normal_form(n) for i, n in enumerate(names) if i % 3)  # credit codes
