"""The report as an Excel workbook: one sheet per section, Chinese headers, real numbers and dates."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from interfaces.report_formats.cells import format_time
from interfaces.report_formats.tables import Report, Section, Table, build_report

NUMBER_FORMATS = {"int": "0", "ratio": "0.00", "rate": "0.0%", "date": "yyyy-mm-dd"}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
SHORTFALL_FILL = PatternFill("solid", fgColor="F8D7DA")
SHORTFALL_FONT = Font(color="9C0006")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SHEET_NAME_FORBIDDEN = str.maketrans({c: "" for c in "[]:*?/\\"})


def render_xlsx(figures: Mapping[str, Any]) -> bytes:
    report = build_report(figures)
    book = Workbook()
    book.remove(book.active)
    for i, section in enumerate(report.sections):
        sheet = book.create_sheet(section.title.translate(SHEET_NAME_FORBIDDEN)[:31])
        _write_section(sheet, report, section, summary=report.summary if i == 0 else [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_section(sheet: Worksheet, report: Report, section: Section, summary: list[str]) -> None:
    sheet.append([f"{report.title}——{section.title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"统计日期 {report.as_of.isoformat()}；数据截至 {format_time(report.known_at)}；所处阶段 {report.phase}"])
    widths: dict[int, int] = {}
    for sentence in summary:
        sheet.append([sentence])
    for table in section.tables:
        sheet.append([])
        _write_table(sheet, table, widths)
    for note in section.notes:
        sheet.append([])
        sheet.append([f"注：{note}"])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True, color="555555")
    for col, width in widths.items():
        sheet.column_dimensions[sheet.cell(1, col).column_letter].width = min(max(width + 2, 8), 48)


def _write_table(sheet: Worksheet, table: Table, widths: dict[int, int]) -> None:
    sheet.append([table.title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    sheet.append([c.header for c in table.columns])
    header_row = sheet.max_row
    for j, column in enumerate(table.columns, start=1):
        cell = sheet.cell(header_row, j)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widths[j] = max(widths.get(j, 0), _width(column.header))
    for row, flagged in zip(table.rows, table.flagged, strict=True):
        sheet.append([_storable(v) for v in row])
        for j, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
            cell = sheet.cell(sheet.max_row, j)
            cell.border = BORDER
            if column.type in NUMBER_FORMATS and value is not None:
                cell.number_format = NUMBER_FORMATS[column.type]
            if flagged:
                cell.fill, cell.font = SHORTFALL_FILL, SHORTFALL_FONT
            widths[j] = max(widths.get(j, 0), 10 if column.type == "date" else _width(str(value or "")))
    if not table.rows:
        sheet.append([table.empty_note])


def _storable(value: Any) -> Any:
    """The value, less the control characters a worksheet cannot hold (they may come from typed-in names)."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _width(text: str) -> int:
    """Display width: a Chinese character is two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
