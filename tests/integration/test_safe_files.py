"""Files the CLI writes: never through a symbolic link unless --force, never half-written, only where named.

Run as real processes (`zhijian report campaign -o`, `zhijian enterprises import`), on each store.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from openpyxl import load_workbook

from application.census import RowError
from interfaces.census_files import write_errors
from tests.integration.test_cli import zhijian

SECRET = "管理员的重要文件，不得改写"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_report_is_not_written_through_a_symbolic_link_unless_forced(settings, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    precious = outside / "important.txt"
    precious.write_text(SECRET, encoding="utf-8")
    reports = tmp_path / "reports"
    reports.mkdir()
    link = reports / "report.xlsx"
    link.symlink_to(precious)

    refused = zhijian(settings, tmp_path, "report", "campaign", "-o", str(link))
    assert refused.returncode == 2
    assert "符号链接" in refused.stderr and "--force" in refused.stderr
    assert link.is_symlink() and precious.read_text(encoding="utf-8") == SECRET
    assert _leftovers(reports) == []

    forced = zhijian(settings, tmp_path, "report", "campaign", "-o", str(link), "--force")
    assert forced.returncode == 0, forced.stderr
    assert not link.is_symlink() and link.is_file()  # the link itself was replaced
    assert load_workbook(link).sheetnames[0] == "目标与完成情况"
    assert precious.read_text(encoding="utf-8") == SECRET  # its target never was
    assert _leftovers(reports) == []


def test_a_report_replaces_an_existing_file_whole_and_keeps_its_permissions(settings, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    done = zhijian(settings, tmp_path, "report", "campaign", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def test_a_report_refuses_a_folder_as_its_file(settings, tmp_path):
    folder = tmp_path / "report.csv"
    folder.mkdir()
    done = zhijian(settings, tmp_path, "report", "campaign", "-o", str(folder))
    assert done.returncode == 2 and folder.is_dir()


def test_the_census_error_file_is_not_written_through_a_symbolic_link_unless_forced(settings, tmp_path):
    census = tmp_path / "census.csv"
    census.write_text("名称,镇街,区域,类型,建档日期\n,石桥镇,农村,小作坊,2026-08-05\n=HYPERLINK(\"http://x\"),石桥镇,月球,小作坊,"
                      "2026-08-05\n", encoding="utf-8")
    precious = tmp_path / "important.txt"
    precious.write_text(SECRET, encoding="utf-8")
    errors = tmp_path / "census.csv.errors.csv"
    errors.symlink_to(precious)

    refused = zhijian(settings, tmp_path, "enterprises", "import", str(census))
    assert refused.returncode == 2 and "符号链接" in refused.stdout + refused.stderr
    assert precious.read_text(encoding="utf-8") == SECRET and errors.is_symlink()

    forced = zhijian(settings, tmp_path, "enterprises", "import", str(census), "--force")
    assert forced.returncode == 1  # both rows are bad
    assert not errors.is_symlink() and precious.read_text(encoding="utf-8") == SECRET
    rows = list(csv.reader(io.StringIO(errors.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["行号 row", "字段 field", "原因 reason"] and [r[:2] for r in rows[1:]] == [["2", "name"],
                                                                                           ["3", "area"]]
    assert _leftovers(tmp_path) == []
    assert os.access(errors, os.R_OK)


def test_error_file_cells_that_look_like_formulas_are_written_as_text(tmp_path):
    census = tmp_path / "c.csv"
    write_errors(census, [RowError(2, "name", '=HYPERLINK("http://x","y")'), RowError(3, "@cmd", "+1"),
                          RowError(4, "town", "-2 与 城关镇")])
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv.errors.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1:] == [["2", "name", "'=HYPERLINK(\"http://x\",\"y\")"], ["3", "'@cmd", "'+1"],
                        ["4", "town", "'-2 与 城关镇"]]
