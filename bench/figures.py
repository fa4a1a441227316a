"""What every benchmark prints and saves: a figure beside a baseline measured in the same run.

A figure is only meaningful against something measured on the same machine, at the same
moment, under the same load: these machines are shared and noisy. So each benchmark
measures its own baseline (the bare library, a plain table scan, the HTTP floor...) and
reports the ratio. Results go to `bench/results/<name>.json` and are printed as a table.
Nothing here asserts: benchmarks inform, the test suite judges behaviour.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline from the same run, and the target it is held to (if any)."""

    name: str  # what was measured, e.g. "GET /reports/campaign?format=json p95"
    value: float
    unit: str  # "ms", "/s", "MB", "s", "x"
    baseline_name: str  # what the baseline is, e.g. "library get+save, 8 threads"
    baseline: float  # in the same unit as value
    target: str = ""  # the target in words, e.g. "<= 500 ms"; "" when none
    met: bool | None = None  # whether the target is met; None when there is no target
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Results:
    """One benchmark's figures with where and when they were measured."""

    name: str
    scale: str
    store: str
    figures: list[Figure] = field(default_factory=list)
    context: dict[str, object] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print_figures([figure], header=False)
        return figure

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}-{self.scale}-{self.store}.json"
        body = {
            "name": self.name,
            "scale": self.scale,
            "store": self.store,
            "machine": machine(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "context": self.context,
            "figures": [{**asdict(f), "ratio": f.ratio} for f in self.figures],
        }
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def machine() -> dict[str, object]:
    """The machine the figures were measured on."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("model name")), "")
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "postgres": _postgres_version(),
    }


def _postgres_version() -> str:
    try:
        from tests.pg_server import find_bindir

        out = subprocess.run([str(find_bindir() / "postgres"), "--version"], capture_output=True, text=True)
        return out.stdout.strip()
    except Exception:  # noqa: BLE001 - a missing server only leaves the field empty
        return ""


def print_figures(figures: Iterable[Figure], header: bool = True) -> None:
    if header:
        print(f"{'figure':<58} {'value':>12} {'baseline':>12} {'ratio':>8}  target")
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
        verdict = "" if f.met is None else (" ✓" if f.met else " ✗")
        print(f"{f.name:<58} {f.value:>10.1f} {f.unit:<2} {f.baseline:>9.1f} {f.unit:<2} {ratio:>8}  "
              f"{f.target}{verdict}  [baseline: {f.baseline_name}]")
