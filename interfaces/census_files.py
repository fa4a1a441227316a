"""Reading census lists from CSV or XLSX, and writing the error file beside the input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from application.census import RowError
from interfaces.report_formats.cells import spreadsheet_text
from interfaces.safe_files import replacing


class UnreadableFile(Exception):
    pass


def count_rows(path: Path) -> int:
    return sum(1 for _ in read_rows(path))


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as a spreadsheet shows it, {header: value}) for every data row."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    else:
        raise UnreadableFile(f"只支持 CSV 或 XLSX 文件 (only .csv and .xlsx are read): {path.name}")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        for number, row in enumerate(reader, start=2):
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                yield number, {k: v for k, v in row.items() if k is not None}


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                # strict=False: a row may stop short of the header (its last cells empty) or run past it (ignored)
                yield number, {h: v for h, v in zip(header, values, strict=False) if h}
    finally:
        workbook.close()


def error_file_for(path: Path) -> Path:
    return path.with_name(path.name + ".errors.csv")


def write_errors(path: Path, errors: list[RowError], *, force: bool = False) -> Path:
    """Writes row, field, reason (UTF-8 with BOM, so Excel shows the Chinese) beside the input.

    Written whole or not at all, never through a symbolic link unless `force` (interfaces/safe_files.py);
    a reason that quotes a typed-in value is written so a spreadsheet shows it as text, never a formula."""
    target = error_file_for(path)
    with replacing(target, force=force) as out:
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(["行号 row", "字段 field", "原因 reason"])
        for e in errors:
            writer.writerow([e.row, spreadsheet_text(e.field), spreadsheet_text(e.reason)])
        text.flush()
        text.detach()
    return target
