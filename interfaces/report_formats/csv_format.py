"""The report as one CSV file: UTF-8 with a BOM so that Excel reads the Chinese, sections one after another.

Rows are written as they are read from the view, so the file can hold every row of
every list without holding them in memory. A cell whose text a spreadsheet would take
for a formula (it begins with =, +, -, @, a tab or a carriage return) is written with
a leading apostrophe, as OWASP advises against CSV injection; numbers are not touched.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import IO, Any

from interfaces.report_formats.cells import cell_text, format_time, spreadsheet_text
from interfaces.report_formats.tables import build_report

SHORTFALL = "未达目标"


def write_csv(figures: Mapping[str, Any], out: IO[bytes]) -> None:
    report = build_report(figures)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow([spreadsheet_text(report.title)])
    w.writerow(["统计日期", report.as_of.isoformat()])
    w.writerow(["数据截至", format_time(report.known_at)])
    w.writerow(["所处阶段", spreadsheet_text(report.phase)])
    for sentence in report.summary:
        w.writerow([spreadsheet_text(sentence)])
    for section in report.sections:
        w.writerow([])
        w.writerow([f"【{section.title}】"])
        for table in section.tables:
            w.writerow([spreadsheet_text(table.title)])
            w.writerow([c.header for c in table.columns] + ["提示"])
            written = 0
            for row, flagged in table.entries():
                w.writerow([_cell(v, c.type) for v, c in zip(row, table.columns, strict=True)]
                           + [SHORTFALL if flagged else ""])
                written += 1
            if not written:
                w.writerow([table.empty_note])
        for note in section.notes:
            w.writerow([spreadsheet_text(f"注：{note}")])
    text.flush()
    text.detach()


def _cell(value: Any, type_: str) -> str:
    text = cell_text(value, type_)
    return text if type_ != "text" else spreadsheet_text(text)

