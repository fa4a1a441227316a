"""The overview's charts as SVG drawn on the server.

Why SVG from Python rather than a charting library in the browser: the pages then need
no JavaScript to show a figure (a strict CSP with no inline script, nothing to vendor
or keep up to date, offline by construction), a chart prints and screenshots exactly as
served (no animation to wait for), and the numbers in a chart are testable as text.
Every value is escaped; each mark carries a <title> (the browser's tooltip) and a
`data-value`; colours come from the stylesheet by class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    key: str
    label: str


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    svg = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
           f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>')
    return Markup(svg)  # noqa: S704 - the label is escaped above, every text in `body` where that part was built


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for s in series:
        out.append(f'<rect class="mark {escape(s.key)}" x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10"/>'
                   f'<text class="legend" x="{x + 14:.1f}" y="{y:.1f}">{escape(s.label)}</text>')
        x += 24 + 13 * len(s.label)
    return out


def _nice_max(value: int) -> int:
    if value <= 5:
        return max(value, 1)
    step: int = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def stacked_bars(rows: Sequence[tuple[str, dict[str, int]]], series: Sequence[Series], label: str) -> Markup:
    """One horizontal bar per row (e.g. a town), stacked by series (e.g. status), with its total."""
    width, left, right, bar, gap, top = 760, 110, 60, 20, 8, 30
    height = top + len(rows) * (bar + gap) + 10
    most = max((sum(c.get(s.key, 0) for s in series) for _, c in rows), default=0) or 1
    scale = (width - left - right) / most
    body = _legend(series, left, 16)
    for i, (name, counts) in enumerate(rows):
        y = top + i * (bar + gap)
        body.append(f'<text class="axis" x="{left - 6}" y="{y + bar - 5}" text-anchor="end">{escape(name)}</text>')
        x = float(left)
        for s in series:
            n = counts.get(s.key, 0)
            if n:
                w = n * scale
                body.append(f'<rect class="mark {escape(s.key)}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                            f'data-value="{n}"><title>{escape(name)} · {escape(s.label)}：{n}</title></rect>')
                x += w
        total = sum(counts.get(s.key, 0) for s in series)
        body.append(f'<text class="value" x="{x + 4:.1f}" y="{y + bar - 5}">{total}</text>')
    return _svg(width, height, label, body)


def rate_bars(items: Sequence[tuple[str, float | None, float | None, str]], label: str) -> Markup:
    """One bar per rate (0–100%), with its target as a line and the figure and target written beside it."""
    width, left, right, bar, gap, top = 760, 150, 170, 22, 16, 10
    height = top + len(items) * (bar + gap)
    span = width - left - right
    body = []
    for i, (name, rate, target, note) in enumerate(items):
        y = top + i * (bar + gap)
        below = rate is not None and target is not None and rate < target
        body.append(f'<text class="axis" x="{left - 6}" y="{y + bar - 6}" text-anchor="end">{escape(name)}</text>')
        body.append(f'<rect class="track" x="{left}" y="{y}" width="{span}" height="{bar}"/>')
        if rate is not None:
            body.append(f'<rect class="mark {"short" if below else "met"}" x="{left}" y="{y}" '
                        f'width="{span * min(rate, 1):.1f}" height="{bar}" data-value="{rate:.4f}">'
                        f'<title>{escape(name)}：{rate * 100:.1f}%</title></rect>')
        if target is not None:
            tx = left + span * min(target, 1)
            body.append(f'<line class="target" x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 4}" y2="{y + bar + 4}">'
                        f'<title>目标 {target * 100:.0f}%</title></line>')
        shown = "—" if rate is None else f"{rate * 100:.1f}%"
        goal = f"（目标 {target * 100:.0f}%）" if target is not None else ""
        body.append(f'<text class="value{" short" if below else ""}" x="{left + span + 8}" y="{y + bar - 6}">'
                    f'{escape(shown)}{escape(goal)} {escape(note)}</text>')
    return _svg(width, height, label, body)


def weekly_columns(points: Sequence[tuple[str, dict[str, int]]], series: Sequence[Series], label: str) -> Markup:
    """One stacked column per week end (labelled MM-DD), by series (e.g. an order's fate then)."""
    width, left, bottom, top, right = 760, 40, 40, 30, 10
    height = 260
    plot = height - top - bottom
    most = _nice_max(max((sum(c.get(s.key, 0) for s in series) for _, c in points), default=0))
    slot = (width - left - right) / max(len(points), 1)
    col = max(4.0, slot * 0.7)
    body = _legend(series, left, 16)
    for k in range(0, 5):
        v = most * k / 4
        y = top + plot - plot * k / 4
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{v:g}</text>')
    every = max(1, len(points) // 12)
    for i, (name, counts) in enumerate(points):
        x = left + i * slot + (slot - col) / 2
        y = float(top + plot)
        for s in series:
            n = counts.get(s.key, 0)
            if n:
                h = plot * n / most
                y -= h
                body.append(f'<rect class="mark {escape(s.key)}" x="{x:.1f}" y="{y:.1f}" width="{col:.1f}" '
                            f'height="{h:.1f}" data-value="{n}"><title>{escape(name)} · {escape(s.label)}：{n}'
                            f'</title></rect>')
        if i % every == 0 or i == len(points) - 1:
            body.append(f'<text class="axis" x="{x + col / 2:.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="middle">{escape(name)}</text>')
    return _svg(width, height, label, body)


def paired_bars(rows: Sequence[tuple[str, int, int]], series: tuple[Series, Series], label: str) -> Markup:
    """Two bars per row (e.g. a category's samples and its failures)."""
    width, left, right, bar, gap, top = 760, 130, 60, 10, 10, 30
    height = top + len(rows) * (2 * bar + gap) + 10
    most = max((max(a, b) for _, a, b in rows), default=0) or 1
    scale = (width - left - right) / most
    body = _legend(series, left, 16)
    for i, (name, first, second) in enumerate(rows):
        y = top + i * (2 * bar + gap)
        body.append(f'<text class="axis" x="{left - 6}" y="{y + 2 * bar - 4}" text-anchor="end">{escape(name)}</text>')
        for j, (s, n) in enumerate(zip(series, (first, second), strict=True)):
            yy = y + j * bar
            body.append(f'<rect class="mark {escape(s.key)}" x="{left}" y="{yy}" width="{n * scale:.1f}" '
                        f'height="{bar - 1}" data-value="{n}"><title>{escape(name)} · {escape(s.label)}：{n}</title>'
                        f'</rect><text class="value small" x="{left + n * scale + 4:.1f}" y="{yy + bar - 2}">'
                        f"{n}</text>")
    return _svg(width, height, label, body)
