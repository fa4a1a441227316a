"""The report as an Excel workbook: one sheet per section, Chinese headers, real numbers and dates.

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is
written, so a report whose lists hold a province's enterprises takes no more memory
than a small one. Every text cell is written as text (never a formula, whatever it
starts with), less the control characters a worksheet cannot hold.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from interfaces.report_formats.cells import format_time
from interfaces.report_formats.tables import Report, Section, Table, build_report

NUMBER_FORMATS = {"int": "0", "ratio": "0.00", "rate": "0.0%", "date": "yyyy-mm-dd"}
HEADER_FILL = "#DDE4EE"
SHORTFALL_FILL = "#F8D7DA"
SHORTFALL_FONT = "#9C0006"
BORDER_COLOR = "#999999"
SHEET_NAME_FORBIDDEN = str.maketrans({c: "" for c in "[]:*?/\\"})
# Columns are as wide as their widest cell among a table's first rows: measuring every cell of a
# province's lists cost a tenth of the workbook's time, and later rows are the same kind of text.
WIDTH_SAMPLE_ROWS = 1000


def write_xlsx(figures: Mapping[str, Any], out: IO[bytes] | str) -> None:
    """Writes the workbook to a file name or a binary file object."""
    report = build_report(figures)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
    styles = _Styles(book)
    for i, section in enumerate(report.sections):
        sheet = book.add_worksheet(section.title.translate(SHEET_NAME_FORBIDDEN)[:31])
        _write_section(sheet, styles, report, section, summary=report.summary if i == 0 else [])
    book.close()


class _Styles:
    """The workbook's cell formats, made once: (column type, shortfall) -> format."""

    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.table_title = book.add_format({"bold": True, "font_size": 12})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.header = book.add_format({"bold": True, "bg_color": HEADER_FILL, "border": 1,
                                       "border_color": BORDER_COLOR, "align": "center", "valign": "vcenter",
                                       "text_wrap": True})
        self.cells: dict[tuple[str, bool], Any] = {}
        for type_ in ("text", *NUMBER_FORMATS):
            for flagged in (False, True):
                spec: dict[str, Any] = {"border": 1, "border_color": BORDER_COLOR}
                if type_ in NUMBER_FORMATS:
                    spec["num_format"] = NUMBER_FORMATS[type_]
                if flagged:
                    spec.update({"bg_color": SHORTFALL_FILL, "font_color": SHORTFALL_FONT})
                self.cells[(type_, flagged)] = book.add_format(spec)

    def cell(self, type_: str, flagged: bool) -> Any:
        return self.cells[(type_ if type_ in NUMBER_FORMATS else "text", flagged)]


class _Cursor:
    """The next row of a sheet (constant-memory mode writes rows strictly in order)."""

    def __init__(self, sheet: Any) -> None:
        self.sheet, self.row = sheet, 0
        self.widths: dict[int, int] = {}

    def text(self, value: str, fmt: Any = None) -> None:
        self.sheet.write_string(self.row, 0, _storable(value), fmt)
        self.row += 1

    def blank(self) -> None:
        self.row += 1


def _write_section(sheet: Any, styles: _Styles, report: Report, section: Section, summary: list[str]) -> None:
    at = _Cursor(sheet)
    at.text(f"{report.title}——{section.title}", styles.title)
    at.text(f"统计日期 {report.as_of.isoformat()}；数据截至 {format_time(report.known_at)}；所处阶段 {report.phase}")
    for sentence in summary:
        at.text(sentence)
    for table in section.tables:
        at.blank()
        _write_table(at, styles, table)
    for note in section.notes:
        at.blank()
        at.text(f"注：{note}", styles.note)
    for col, width in at.widths.items():
        sheet.set_column(col, col, min(max(width + 2, 8), 48))


def _write_table(at: _Cursor, styles: _Styles, table: Table) -> None:
    at.text(table.title, styles.table_title)
    for j, column in enumerate(table.columns):
        at.sheet.write_string(at.row, j, column.header, styles.header)
        at.widths[j] = max(at.widths.get(j, 0), _width(column.header))
    at.row += 1
    written = 0
    for row, flagged in table.entries():
        measure = written < WIDTH_SAMPLE_ROWS
        for j, (value, column) in enumerate(zip(row, table.columns, strict=True)):
            _write_cell(at, j, value, styles.cell(column.type, flagged))
            if measure:
                at.widths[j] = max(at.widths.get(j, 0), 10 if column.type == "date" else _width(str(value or "")))
        at.row += 1
        written += 1
    if not written:
        at.text(table.empty_note)


def _write_cell(at: _Cursor, col: int, value: Any, fmt: Any) -> None:
    sheet, row = at.sheet, at.row
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        sheet.write_string(row, col, _storable(str(value)), fmt)


def _storable(value: str) -> str:
    """The text, less the control characters a worksheet cannot hold (they may come from typed-in names)."""
    if value.isprintable():  # the common case, and much cheaper than the substitution
        return value
    storable: str = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return storable


def _width(text: str) -> int:
    """Display width: a Chinese character is two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
