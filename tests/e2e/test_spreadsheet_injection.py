"""Spreadsheet formula injection (issue 10): hostile names, towns and numbers reach every export as text,
never as a formula, over HTTP and from `zhijian report`, on both stores. (The census error file:
tests/integration/test_safe_files.py.)"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from openpyxl import load_workbook

from interfaces.report_formats.cells import FORMULA_STARTS
from tests.integration.test_cli import zhijian

HOSTILE_NAMES = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1豆腐坊", "-2+3作坊", "@SUM(A1)"]
HOSTILE_TOWN = "=1+1镇"


def seed(client, chief) -> int:
    """Hostile enterprises, unlicensed (so they are listed), one with an overdue order; the last position."""
    position = 0
    for i, name in enumerate(HOSTILE_NAMES):
        r = client.post("/enterprises", json={"name": name, "town": HOSTILE_TOWN if i % 2 else "石桥镇",
                                              "area": "rural", "kind": "small_workshop",
                                              "occurred_on": "2026-08-05"}, headers=chief)
        assert r.status_code == 201, r.text
        position = r.json()["position"]
        if i == 0:
            r = client.post(f"/enterprises/{r.json()['enterprise_id']}/rectification-orders", headers=chief, json={
                "occurred_on": "2026-08-06", "order_no": "=1+2", "deadline": "2026-08-20", "items": ["@卫生"]})
            assert r.status_code == 201, r.text
            position = r.json()["position"]
    return position


def check_csv(data: bytes) -> None:
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'" + HOSTILE_NAMES[0] in cells and "'" + HOSTILE_TOWN in cells  # there, as text


def check_xlsx(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", book.read(n)) for n in sheets)  # no formula cell
    values = {c.value for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows() for c in row
              if c.data_type == "s"}
    assert HOSTILE_NAMES[0] in values and HOSTILE_TOWN in values  # written as strings, as typed


def test_every_export_writes_hostile_text_as_text(client, chief, settings, tmp_path):
    after = seed(client, chief)
    for fmt, check in (("csv", check_csv), ("xlsx", check_xlsx)):
        r = client.get("/reports/campaign", params={"format": fmt, "after": after}, headers=chief)
        assert r.status_code == 200, r.text
        check(r.content)
        done = zhijian(settings, tmp_path, "report", "campaign", "--as-of", "2026-10-01", "--format", fmt,
                       "-o", str(tmp_path / f"report.{fmt}"))
        assert done.returncode == 0, done.stderr
        check((tmp_path / f"report.{fmt}").read_bytes())


def test_the_printable_report_is_html_with_the_security_headers_and_escaped_names(client, chief):
    after = seed(client, chief)
    r = client.get("/reports/campaign", params={"format": "html", "after": after}, headers=chief)
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert 'HYPERLINK("http' not in r.text and "HYPERLINK(&#34;http" in r.text or "HYPERLINK(&quot;http" in r.text
