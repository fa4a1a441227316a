"""Census import (普查建档): rows in, enterprises registered, every bad row reported.

A row is registered at most once however often the same list is imported: each row
has an index aggregate whose id is derived from its credit code, or, for an
unregistered workshop without one, from its name, town and address. The index is
saved in the same transaction as the enterprise.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from domain import errors
from domain.actor import Actor
from domain.enterprise import CreditCodeIndex, Enterprise
from domain.text import normal_form
from domain.values import Area, Kind, Labelled, ProductCategory

# Column headers accepted, in English (the API's words) or Chinese.
HEADERS: dict[str, str] = {
    "name": "name", "名称": "name", "企业名称": "name",
    "credit_code": "credit_code", "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "credit_code_verified_by_hand": "credit_code_verified_by_hand", "代码已人工核实": "credit_code_verified_by_hand",
    "address": "address", "地址": "address",
    "town": "town", "镇街": "town", "镇(街道)": "town", "乡镇": "town",
    "area": "area", "区域": "area",
    "kind": "kind", "类型": "kind", "企业类型": "kind",
    "product_categories": "product_categories", "产品类别": "product_categories",
    "occurred_on": "occurred_on", "建档日期": "occurred_on",
    "notes": "notes", "备注": "notes",
}
REQUIRED = ("name", "town", "area", "kind", "occurred_on")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "已核实"}


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as a spreadsheet shows it (header is row 1)
    field: str
    reason: str


@dataclass
class ImportReport:
    registered: int = 0
    already_registered: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


class CensusRowIndex(Aggregate):
    """One census row's identity, so the same row is never registered twice."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/zhijian/census-rows/{key}")

    @event("Indexed")
    def __init__(self, key: str, enterprise_id: UUID) -> None:
        self.key = key
        self.enterprise_id = enterprise_id


def row_key(enterprise: Enterprise) -> str:
    if enterprise.credit_code:
        return f"code:{enterprise.credit_code}"
    parts = (enterprise.name, enterprise.town, enterprise.address)
    return "place:" + "|".join(" ".join(p.split()) for p in parts)


_L = TypeVar("_L", bound=Labelled)


def _enum(cls: type[_L], raw: Any) -> _L:
    text = normal_form(str(raw))
    for member in cls:
        if text in (member.value, member.label):
            return member
    allowed = "、".join(f"{m.value}/{m.label}" for m in cls)
    raise ValueError(f"不认识的取值 {text!r}，可用：{allowed}")


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期 {text!r} 应为 YYYY-MM-DD") from None


def _categories(raw: Any) -> list[ProductCategory]:
    text = str(raw or "").replace("，", ",").replace("、", ",").replace(";", ",")
    return [_enum(ProductCategory, part) for part in text.split(",") if part.strip()]


@functools.lru_cache(maxsize=1024)
def _column(header: str) -> str | None:
    """The field a column header names (once per header, not per row), None for a column not read."""
    return HEADERS.get(normal_form(header))


def parse_row(number: int, raw: dict[str, Any], *, actor: Actor, today: date) -> Enterprise | list[RowError]:
    """One row to an unsaved Enterprise, or the list of what is wrong with it."""
    # Headers and cells in their one spelling (a BOM or zero-width space before a header is no other column);
    # the names, towns and codes themselves are normalised by Enterprise.register.
    values = {column: v for k, v in raw.items() if k and (column := _column(k))}
    problems: list[RowError] = []
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            problems.append(RowError(number, name, "必填项为空 (required)"))
    parsed: dict[str, Any] = {}
    converters: dict[str, Callable[[Any], Any]] = {
        "area": lambda v: _enum(Area, v),
        "kind": lambda v: _enum(Kind, v),
        "occurred_on": _date,
        "product_categories": _categories,
    }
    for name, convert in converters.items():
        if values.get(name) not in (None, ""):
            try:
                parsed[name] = convert(values[name])
            except ValueError as e:
                problems.append(RowError(number, name, str(e)))
    if problems:
        return problems
    try:
        return Enterprise.register(
            actor=actor,
            today=today,
            occurred_on=parsed["occurred_on"],
            name=str(values["name"]),
            town=str(values["town"]),
            area=parsed["area"],
            kind=parsed["kind"],
            product_categories=parsed.get("product_categories", []),
            credit_code=str(values.get("credit_code") or "").strip() or None,
            credit_code_verified_by_hand=(
                str(values.get("credit_code_verified_by_hand", "")).strip().lower() in TRUE_WORDS
            ),
            address=str(values.get("address") or ""),
            notes=str(values.get("notes") or ""),
        )
    except errors.DomainError as e:
        return [RowError(number, e.field or "row", e.detail)]


def batches(rows: Iterable[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class CensusImport:
    """Registers the good rows of a census list in batches; reports the bad ones."""

    def __init__(self, ledger: Any, *, actor: Actor, today: date, batch_size: int = 1000) -> None:
        self.ledger = ledger
        self.actor = actor
        self.today = today
        self.batch_size = batch_size

    def run(
        self, rows: Iterable[tuple[int, dict[str, Any]]], progress: Callable[[int], None] = lambda n: None
    ) -> ImportReport:
        report = ImportReport()
        for batch in batches(rows, self.batch_size):
            self._import_batch(batch, report)
            progress(len(batch))
        report.errors.sort(key=lambda e: e.row)
        return report

    def _import_batch(self, batch: list[tuple[int, dict[str, Any]]], report: ImportReport) -> None:
        ready: list[tuple[int, Enterprise, list[Aggregate]]] = []
        seen: dict[str, int] = {}
        for number, raw in batch:
            parsed = parse_row(number, raw, actor=self.actor, today=self.today)
            if isinstance(parsed, list):
                report.errors.extend(parsed)
                continue
            key = row_key(parsed)
            if key in seen:
                report.errors.append(RowError(number, "row", f"与第 {seen[key]} 行重复 (duplicate of row {seen[key]})"))
                continue
            seen[key] = number
            indexes: list[Aggregate] = [CensusRowIndex(key=key, enterprise_id=parsed.id)]
            if parsed.credit_code:
                indexes.append(CreditCodeIndex(credit_code=parsed.credit_code, enterprise_id=parsed.id))
            ready.append((number, parsed, indexes))
        # One query for the whole batch: which rows and credit codes are registered already.
        existing = self.ledger.store.existing([agg.id for _, _, idx in ready for agg in idx])
        fresh = [item for item in ready if not self._already(item, report, existing)]
        if not fresh:
            return
        # The events themselves are saved (not the aggregates): the library then need not ask
        # each object which protocol it follows, a check that costs more than encoding it.
        events = [[event for agg in (e, *idx) for event in agg.collect_events()] for _, e, idx in fresh]
        try:
            self.ledger.save_events([event for row in events for event in row])
            report.registered += len(fresh)
        except IntegrityError:
            # Another writer got there first for some row: fall back to one at a time.
            for item, row in zip(fresh, events, strict=True):
                existing = self.ledger.store.existing([agg.id for agg in item[2]])
                if self._already(item, report, existing):
                    continue
                try:
                    self.ledger.save_events(row)
                    report.registered += 1
                except IntegrityError:
                    self._already(item, report, self.ledger.store.existing([agg.id for agg in item[2]]))

    def _already(self, item: tuple[int, Enterprise, list[Aggregate]], report: ImportReport,
                 existing: set[UUID]) -> bool:
        number, enterprise, indexes = item
        row_index, *code_index = indexes
        if row_index.id in existing:
            report.already_registered += 1
            return True
        if code_index and code_index[0].id in existing:
            report.errors.append(RowError(number, "credit_code",
                                          "该统一社会信用代码已由另一企业登记 (credit code already registered)"))
            return True
        return False
