"""The report as one CSV file: UTF-8 with a BOM so that Excel reads the Chinese, sections one after another."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from interfaces.report_formats.cells import cell_text, format_time
from interfaces.report_formats.tables import build_report

SHORTFALL = "未达目标"


def render_csv(figures: Mapping[str, Any]) -> bytes:
    report = build_report(figures)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([report.title])
    w.writerow(["统计日期", report.as_of.isoformat()])
    w.writerow(["数据截至", format_time(report.known_at)])
    w.writerow(["所处阶段", report.phase])
    for sentence in report.summary:
        w.writerow([sentence])
    for section in report.sections:
        w.writerow([])
        w.writerow([f"【{section.title}】"])
        for table in section.tables:
            w.writerow([table.title])
            w.writerow([c.header for c in table.columns] + ["提示"])
            for row, flagged in zip(table.rows, table.flagged, strict=True):
                w.writerow([cell_text(v, c.type) for v, c in zip(row, table.columns, strict=True)]
                           + [SHORTFALL if flagged else ""])
            if not table.rows:
                w.writerow([table.empty_note])
        for note in section.notes:
            w.writerow([f"注：{note}"])
    return out.getvalue().encode("utf-8-sig")
