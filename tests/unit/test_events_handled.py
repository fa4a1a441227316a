"""Every event class is handled everywhere events are dispatched by name.

Adding an event type means an entry in each table below; this test names the one that
is missing (README, "Adding an event type").
"""

from __future__ import annotations

import inspect

import pytest

from application.commands import COMMANDS, DRAW_COMMANDS
from domain.acts import DRAW_ACTS, Act
from domain.draw_plan import PLAN_EVENTS, DrawPlan
from domain.enterprise import EVENTS, Enterprise
from domain.official import Official
from domain.permissions import PERMITTED_ACTS
from domain.status import FOLD
from interfaces.web.forms import FORMS, REGISTER
from projections.accountability_view import OFFICIAL_EVENTS
from projections.acts import TYPED_BY_EVENT
from projections.draw_queries import _STATE_AFTER


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
PLAN_EVENT_CLASSES = event_classes(DrawPlan)
ENTERPRISE_ACTS = {cls.act for cls in ENTERPRISE_EVENTS}


def test_the_aggregates_declare_the_events_we_expect_to_check():
    # Guards the discovery itself: if it found nothing, every test below would pass vacuously.
    assert len(ENTERPRISE_EVENTS) == 10 and len(OFFICIAL_EVENT_CLASSES) == 6 and len(PLAN_EVENT_CLASSES) == 4


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


@pytest.mark.parametrize("cls", PLAN_EVENT_CLASSES, ids=lambda c: c.__name__)
def test_every_draw_plan_event_is_named_has_its_act_and_label_and_a_state_in_the_views(cls):
    assert PLAN_EVENTS.get(cls.__name__) is cls, "missing from domain.draw_plan.PLAN_EVENTS"
    assert cls.act in DRAW_ACTS, "a plan's event records one of the draw acts (Event.act)"
    assert getattr(cls, "label", "").strip(), "a plan's event has its own Chinese label (Event.label)"
    assert cls.__name__ in _STATE_AFTER, "missing from projections.draw_queries._STATE_AFTER"


def test_the_named_plan_events_are_exactly_the_declared_ones():
    assert set(PLAN_EVENTS.values()) == set(PLAN_EVENT_CLASSES)


@pytest.mark.parametrize("act", sorted(ENTERPRISE_ACTS), ids=lambda a: a.value)
def test_every_enterprise_act_has_a_command_an_event_a_form_and_someone_permitted(act):
    assert COMMANDS[act].act is act
    assert any(act in acts for acts in PERMITTED_ACTS.values()), "no role may record it"
    assert any(form.act is act for form in (*FORMS.values(), REGISTER)), "missing from interfaces.web.forms"


@pytest.mark.parametrize("act", sorted(set(Act) - ENTERPRISE_ACTS), ids=lambda a: a.value)
def test_every_other_act_has_a_command_an_event_and_someone_permitted(act):
    # The draw plan's acts, and an official's declared conflict (回避).
    assert DRAW_COMMANDS[act].act is act
    assert any(getattr(cls, "act", None) is act for cls in (*PLAN_EVENT_CLASSES, *OFFICIAL_EVENT_CLASSES))
    assert any(act in acts for acts in PERMITTED_ACTS.values()), "no role may record it"
    assert act not in COMMANDS, "the web forms' commands are acts on an enterprise"
