"""Transaction time comes from the library's clock unless a replay simulates it."""

from datetime import UTC, date, datetime

from domain.actor import SYSTEM
from domain.enterprise import Enterprise
from domain.recording_clock import simulated


def test_events_are_stamped_with_the_simulated_clock_only_inside_the_block():
    then = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    with simulated(lambda: then):
        e = Enterprise.register(actor=SYSTEM, today=date(2026, 9, 1), occurred_on=date(2026, 8, 5), name="张记豆腐坊",
                                town="石桥镇", area="rural", kind="small_workshop")
    e.inspect(actor=SYSTEM, today=date(2026, 11, 1), occurred_on=date(2026, 10, 1), outcome="compliant")
    registered, inspected = e.collect_events()
    assert registered.timestamp == then
    assert inspected.timestamp > datetime(2026, 11, 1, tzinfo=UTC)


def test_an_event_is_never_stamped_before_the_previous_event_of_its_aggregate():
    later, earlier = (datetime(2026, 9, d, 8, 0, tzinfo=UTC) for d in (10, 1))
    with simulated(lambda: later):
        e = Enterprise.register(actor=SYSTEM, today=date(2026, 9, 10), occurred_on=date(2026, 8, 5), name="张记豆腐坊",
                                town="石桥镇", area="rural", kind="small_workshop")
    with simulated(lambda: earlier):
        e.inspect(actor=SYSTEM, today=date(2026, 9, 10), occurred_on=date(2026, 8, 20), outcome="compliant")
    registered, inspected = e.collect_events()
    assert inspected.timestamp == registered.timestamp == later
