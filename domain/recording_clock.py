"""When an event is recorded: the library's clock, or a simulated one for replays.

Transaction time (`recorded_at`) is the event's timestamp, taken from the clock when
the event is created. Only a seeder replaying history in-process (the demo, the San
Francisco replay) may set a simulated clock, through `simulated`; nothing reachable
over HTTP or the CLI's recording commands can.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from eventsourcing.domain import datetime_now_with_tzinfo

_simulated: ContextVar[Callable[[], datetime] | None] = ContextVar("simulated_recording_clock", default=None)


def recording_time() -> datetime:
    clock = _simulated.get()
    return clock() if clock is not None else datetime_now_with_tzinfo()


def fixed(moment: datetime) -> Callable[[], datetime]:
    """A simulated clock that always reads `moment`."""
    return lambda: moment


@contextmanager
def simulated(clock: Callable[[], datetime]) -> Iterator[None]:
    token = _simulated.set(clock)
    try:
        yield
    finally:
        _simulated.reset(token)


class RecordedInOrder:
    """Mixin for aggregates: an event is never stamped earlier than the one before it.

    Transaction time must not run backwards within an aggregate (the views' timelines
    rely on it), even if two servers' clocks disagree or a replay's clock lags.
    """

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        if kwargs.get("timestamp") is None:
            modified_on = self.modified_on  # type: ignore[attr-defined]  # a mixin: the aggregate has it
            kwargs["timestamp"] = max(recording_time(), modified_on)
        super().trigger_event(event_class, **kwargs)  # type: ignore[misc]  # a mixin: the aggregate's trigger_event
