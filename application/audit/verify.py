"""Recomputes every event's leaf from the stored event and names what is broken.

The events and the leaves are walked together in log order (position). At each position:

- an event whose recorded leaf (same aggregate and version, same place) differs: `altered`;
- an event recorded at another position (its leaf there matches it there): `out_of_order`;
- an event with no leaf anywhere: `inserted` (written below the application);
- a leaf whose event is nowhere: `missing` (deleted below the application); so is a gap in
  the leaves' numbering (an event deleted with its leaf) or in an aggregate's versions.

Positions themselves may have gaps (PostgreSQL spends an id on an aborted insert): the
dense numbering that must have none is the leaves' `leaf_index`. Walking from the start,
the Merkle root of the recomputed leaves is kept too, at any sizes asked for (a checkpoint's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from application.audit.leaf_store import EventRow, LeafRow, LogReader
from application.audit.leaves import event_leaf
from domain.merkle import RootBuilder

REASONS = {
    "altered": "事件内容与记录时的哈希不符 "
               "(altered: the stored event no longer matches the leaf hash recorded with it)",
    "missing": "记录过的事件已不在日志中 (missing: an event that was recorded is gone from the log)",
    "inserted": "日志中有未经记录的事件 (inserted: an event in the log was never recorded through the application)",
    "out_of_order": "事件不在其记录时的位置 (out of order: an event is not where it was recorded in the log)",
}
MAX_BREAKS = 100  # named in a report; the count goes on


@dataclass(frozen=True)
class Break:
    position: int
    enterprise_id: UUID | None  # the aggregate (an enterprise, an official, an index); None if unknown
    version: int | None
    reason: str

    @property
    def message(self) -> str:
        return REASONS[self.reason]


@dataclass
class VerifyReport:
    checked: int = 0  # events whose leaf was recomputed
    breaks: list[Break] = field(default_factory=list)  # the first MAX_BREAKS, in log order
    break_count: int = 0
    size: int | None = None  # leaves walked from the start (the tree's size), when the walk began at the start
    root: bytes | None = None  # MTH of the recomputed leaves, idem
    roots_at: dict[int, bytes] = field(default_factory=dict)  # MTH of the first n recomputed leaves, as asked

    @property
    def ok(self) -> bool:
        return self.break_count == 0

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def _merged(events: Iterator[EventRow], leaves: Iterator[LeafRow]) -> Iterator[tuple[int, EventRow | None,
                                                                                       LeafRow | None]]:
    e, lf = next(events, None), next(leaves, None)
    while e is not None or lf is not None:
        if lf is None or (e is not None and e.position < lf.position):
            assert e is not None  # noqa: S101 - lf is None or ahead, so an event is here
            yield e.position, e, None
            e = next(events, None)
        elif e is None or lf.position < e.position:
            yield lf.position, None, lf
            lf = next(leaves, None)
        else:
            yield e.position, e, lf
            e, lf = next(events, None), next(leaves, None)


def verify_log(reader: LogReader, start: int = 0, stop: int | None = None, *,
               roots_at: tuple[int, ...] = (), progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Walks positions start..stop (all when None); see the module's docstring."""
    report = VerifyReport()
    from_start = start <= 1
    builder = RootBuilder() if from_start else None
    wanted = set(roots_at)
    if builder is not None and 0 in wanted:
        report.roots_at[0] = builder.root()
    expected: dict[int, int] = {}  # aggregate (uuid as int) -> its next version, as far as the walk has seen
    last_index = -1 if from_start else None

    def name(brk: Break) -> None:
        report.break_count += 1
        if len(report.breaks) < MAX_BREAKS:
            report.breaks.append(brk)

    for n, (position, e, lf) in enumerate(_merged(reader.events(start, stop), reader.leaves(start, stop)), 1):
        broken = False
        if lf is not None:
            if last_index is not None and lf.leaf_index != last_index + 1:
                broken = True
                name(Break(position, None, None, "missing" if lf.leaf_index > last_index + 1 else "out_of_order"))
            last_index = lf.leaf_index if last_index is None else max(last_index, lf.leaf_index)
        if e is not None:
            report.checked += 1
            now = event_leaf(position, e.originator_id, e.version, e.topic, e.state)
            if builder is not None:
                builder.add(now)
                if builder.size in wanted:
                    report.roots_at[builder.size] = builder.root()
            if lf is not None and (lf.originator_id, lf.version) == (e.originator_id, e.version):
                if lf.leaf != now:
                    broken = True
                    name(Break(position, e.originator_id, e.version, "altered"))
            else:
                recorded = reader.leaf_of(e.originator_id, e.version)
                broken = True
                if recorded is None:
                    name(Break(position, e.originator_id, e.version, "inserted"))
                elif recorded.leaf == event_leaf(recorded.position, e.originator_id, e.version, e.topic, e.state):
                    name(Break(position, e.originator_id, e.version, "out_of_order"))
                else:
                    name(Break(position, e.originator_id, e.version, "altered"))
            key = e.originator_id.int
            next_version = expected.get(key, 1 if from_start else e.version)
            if e.version != next_version and not broken:
                name(Break(position, e.originator_id, min(e.version, next_version),
                           "missing" if e.version > next_version else "out_of_order"))
            expected[key] = max(next_version, e.version + 1)
        if lf is not None and (e is None or (lf.originator_id, lf.version) != (e.originator_id, e.version)):
            if reader.event_of(lf.originator_id, lf.version) is None:  # else it moved: named where it is now
                name(Break(position, lf.originator_id, lf.version, "missing"))
        if progress is not None and n % 1000 == 0:
            progress(position)
    if builder is not None:
        report.size, report.root = builder.size, builder.root()
    if progress is not None:
        progress(reader.last_position() if stop is None else stop)
    return report
