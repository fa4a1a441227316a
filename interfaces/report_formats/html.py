"""The report as a printable Chinese document: one table per part, targets beside figures, shortfalls marked.

A small renderer: every value goes through `html.escape`, so names typed in the field
cannot inject markup. A long list (the still unlicensed, the disclosure list...) shows
its first `HTML_LIST_ROWS` rows and says how many there are and where the rest is (the
XLSX and CSV downloads carry every row), so the page stays printable at any scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from interfaces.report_formats.cells import cell_text, format_time
from interfaces.report_formats.tables import Report, Section, Table, build_report

STYLE = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif;
       color: #111; max-width: 1100px; margin: 0 auto; padding: 16px; line-height: 1.6; }
h1 { text-align: center; font-size: 22pt; margin: 0.4em 0 0.2em; letter-spacing: 0.05em; }
.meta { text-align: center; color: #333; margin-bottom: 1.2em; }
h2 { font-size: 15pt; border-bottom: 2px solid #333; padding-bottom: 2px; margin-top: 1.6em;
     page-break-after: avoid; }
h3 { font-size: 12pt; margin: 1em 0 0.3em; page-break-after: avoid; }
.summary p { text-indent: 2em; margin: 0.3em 0; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; page-break-inside: auto; }
th, td { border: 1px solid #777; padding: 3px 6px; vertical-align: top; }
th { background: #e8edf3; font-weight: bold; text-align: center; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
tr { page-break-inside: avoid; }
tr.shortfall td { background: #fbe3e4; color: #9c0006; }
tr.shortfall td:first-child { border-left: 4px solid #c00; }
p.empty { color: #666; margin: 0.2em 0 0.6em; }
p.note { color: #444; font-size: 9.5pt; margin: 0.4em 0; }
.legend { font-size: 9.5pt; color: #444; text-align: center; }
.legend span { background: #fbe3e4; color: #9c0006; padding: 0 4px; border-left: 4px solid #c00; }
p.more { color: #444; font-size: 9.5pt; margin: 0.2em 0 0.8em; }
"""

NUMERIC = frozenset({"int", "ratio", "rate"})
HTML_LIST_ROWS = 20


def render_html(figures: Mapping[str, Any]) -> bytes:
    return html_document(build_report(figures)).encode("utf-8")


def html_document(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(report.title)}（{report.as_of.isoformat()}）</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(report.title)}</h1>",
        f'<p class="meta">统计日期：<time class="as-of" datetime="{report.as_of.isoformat()}">'
        f"{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日</time>"
        f'　数据截至：<time class="known-at" datetime="{report.known_at.isoformat()}">'
        f"{escape(format_time(report.known_at))}</time>　所处阶段：{escape(report.phase)}</p>",
        '<p class="legend"><span>红色标示</span>为未达目标或需跟进的项目</p>',
        '<section class="summary"><h2>一、总体情况</h2>',
        *(f"<p>{escape(s)}</p>" for s in report.summary),
        "</section>",
    ]
    for n, section in enumerate(report.sections, start=2):
        parts.append(_section(section, _chinese_number(n)))
    parts.append("</body></html>")
    return "\n".join(parts)


def _section(section: Section, number: str) -> str:
    body = [f'<section id="{escape(section.key)}"><h2>{number}、{escape(section.title)}</h2>']
    for table in section.tables:
        body.append(_table(table, heading=table.title != section.title))
    body.extend(f'<p class="note">注：{escape(note)}</p>' for note in section.notes)
    body.append("</section>")
    return "\n".join(body)


def _table(table: Table, heading: bool) -> str:
    title = f"<h3>{escape(table.title)}</h3>\n" if heading else ""
    total = table.total
    if not total:
        return f'{title}<p class="empty">{escape(table.empty_note)}</p>'
    head = "".join(f"<th>{escape(c.header)}</th>" for c in table.columns)
    shown = list(table.entries(HTML_LIST_ROWS if table.source is not None else None))
    rows = "\n".join(_row(row, table, flagged) for row, flagged in shown)
    more = ""
    if len(shown) < total:
        more = (f'\n<p class="more" data-total="{total}">共 {total} 条，此处列出前 {len(shown)} 条；'
                "完整名单请下载 XLSX 或 CSV 格式的报告 (the full list is in the XLSX and CSV downloads).</p>")
    return (f'{title}<table data-title="{escape(table.title)}" data-total="{total}"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{rows}\n</tbody></table>{more}")


def _row(row: Iterable[Any], table: Table, flagged: bool) -> str:
    cells = "".join(
        f'<td class="{_cell_class(c.type)}">{escape(cell_text(v, c.type))}</td>'
        for v, c in zip(row, table.columns, strict=True)
    )
    return f'<tr class="shortfall">{cells}</tr>' if flagged else f"<tr>{cells}</tr>"


def _cell_class(type_: str) -> str:
    return "num" if type_ in NUMERIC else "date" if type_ == "date" else "text"


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    return ("十" if n // 10 == 1 else digits[n // 10] + "十") + (digits[n % 10] if n % 10 else "")
