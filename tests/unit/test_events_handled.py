"""Every event class is handled everywhere events are dispatched by name.

Adding an event type means an entry in each table below; this test names the one that
is missing (README, "Adding an event type").
"""

from __future__ import annotations

import inspect

import pytest

from application.commands import COMMANDS
from domain.acts import Act
from domain.enterprise import EVENTS, Enterprise
from domain.official import Official
from domain.permissions import PERMITTED_ACTS
from domain.status import FOLD
from interfaces.web.forms import FORMS, REGISTER
from projections.accountability_view import OFFICIAL_EVENTS
from projections.acts import TYPED_BY_EVENT


def event_classes(aggregate: type) -> list[type]:
    """The event classes an aggregate declares (its own, not the library's).

    The library adds a default `Created` class to every aggregate; ours are created by
    `Registered` and `Appointed` instead, so `Created` is never stored.
    """
    return [v for v in vars(aggregate).values()
            if inspect.isclass(v) and issubclass(v, aggregate.Event)
            and v not in (aggregate.Event, getattr(aggregate, "Created", None))]


ENTERPRISE_EVENTS = event_classes(Enterprise)
OFFICIAL_EVENT_CLASSES = event_classes(Official)


def test_the_aggregates_declare_the_events_we_expect_to_check():
    # Guards the discovery itself: if it found nothing, every test below would pass vacuously.
    assert len(ENTERPRISE_EVENTS) == 10 and len(OFFICIAL_EVENT_CLASSES) == 5


@pytest.mark.parametrize("cls", ENTERPRISE_EVENTS, ids=lambda c: c.__name__)
def test_every_enterprise_event_is_named_folded_and_projected(cls):
    assert EVENTS.get(cls.__name__) is cls, "missing from domain.enterprise.EVENTS"
    assert cls.__name__ in FOLD, "missing from domain.status.FOLD"
    assert cls.__name__ in TYPED_BY_EVENT, "missing from projections.acts.TYPED_BY_EVENT"
    assert isinstance(cls.act, Act), "an enterprise event records one Act (Event.act)"
    assert getattr(cls, "label", "").strip(), "an enterprise event has its own Chinese label (Event.label)"


def test_the_named_events_are_exactly_the_declared_ones():
    assert set(EVENTS.values()) == set(ENTERPRISE_EVENTS)
    assert set(FOLD) == set(TYPED_BY_EVENT) == set(EVENTS)


@pytest.mark.parametrize("cls", OFFICIAL_EVENT_CLASSES, ids=lambda c: c.__name__)
def test_every_official_event_is_known_to_the_accountability_view(cls):
    assert cls.__name__ in OFFICIAL_EVENTS, "missing from projections.accountability_view.OFFICIAL_EVENTS"


@pytest.mark.parametrize("act", list(Act), ids=lambda a: a.value)
def test_every_act_has_a_command_an_event_and_someone_permitted(act):
    assert COMMANDS[act].act is act
    assert any(cls.act is act for cls in ENTERPRISE_EVENTS)
    assert any(act in acts for acts in PERMITTED_ACTS.values()), "no role may record it"
    assert any(form.act is act for form in (*FORMS.values(), REGISTER)), "missing from interfaces.web.forms"
