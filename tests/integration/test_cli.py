"""The command line, run as a real process against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook

from application.bootstrap import build_ledger
from application.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment of a `zhijian` process on the test's store (none of this process's ZHIJIAN_ settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIJIAN_")}
    env.update({"ZHIJIAN_DATA_DIR": str(settings.data_dir), "COLUMNS": "200", "PYTHONPATH": str(ROOT)})
    if settings.database_url:
        env["ZHIJIAN_DATABASE_URL"] = settings.database_url
    return env


def zhijian(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "interfaces.cli", *args], cwd=cwd, env=cli_env(settings),
                          capture_output=True, text=True, timeout=300)


def test_officials_add_prints_a_token_that_authenticates(settings, tmp_path):
    done = zhijian(settings, tmp_path, "officials", "add", "--name", "王芳", "--unit", "石桥镇质监站",
                   "--role", "inspector", "--town", "石桥镇", "--town", "河口镇")
    assert done.returncode == 0, done.stderr
    token = re.search(r"^(zj_\S+)$", done.stdout, re.M).group(1)
    ledger = build_ledger(settings)
    try:
        official = ledger.authenticate(token)
        assert (official.name, official.role.value, official.towns) == ("王芳", "inspector", ("河口镇", "石桥镇"))
    finally:
        ledger.close()


def test_officials_add_refuses_an_unknown_role(settings, tmp_path):
    done = zhijian(settings, tmp_path, "officials", "add", "--name", "王芳", "--unit", "站", "--role", "boss")
    assert done.returncode == 2 and "boss" in done.stderr


def test_import_registers_good_rows_writes_bad_ones_beside_the_input_and_history_prints(settings, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "统一社会信用代码", "镇街", "区域", "类型", "产品类别", "建档日期"])
    sheet.append(["张记豆腐坊", "", "石桥镇", "农村", "小作坊", "豆制品", "2026-08-05"])
    sheet.append(["清泉水厂", "91350200776049653A", "河口镇", "rural", "food_producer", "饮用水", "2026-08-06"])
    sheet.append(["坏代码厂", "91350200776049653B", "河口镇", "rural", "food_producer", "", "2026-08-06"])
    sheet.append(["", "", "河口镇", "rural", "food_producer", "", "2026-08-06"])
    path = tmp_path / "普查.xlsx"
    book.save(path)

    done = zhijian(settings, tmp_path, "enterprises", "import", str(path))
    assert done.returncode == 1  # some rows were bad
    assert "registered 2" in done.stdout and "bad rows 2" in done.stdout
    with (tmp_path / "普查.xlsx.errors.csv").open(encoding="utf-8-sig") as f:
        errors = [(row[0], row[1]) for row in list(csv.reader(f))[1:]]
    assert errors == [("4", "credit_code"), ("5", "name")]

    again = zhijian(settings, tmp_path, "enterprises", "import", str(path))
    assert "registered 0, already registered 2" in again.stdout

    ledger = build_ledger(settings)
    try:
        (notification,) = [n for n in ledger.recorder.select_notifications(
            start=None, limit=100, topics=["domain.enterprise:Enterprise.Registered"])
            if "张记豆腐坊".encode() in n.state]
        enterprise_id = notification.originator_id
    finally:
        ledger.close()
    shown = zhijian(settings, tmp_path, "history", str(enterprise_id))
    assert shown.returncode == 0, shown.stderr
    assert "Registered" in shown.stdout and "张记豆腐坊" in shown.stdout and "系统" in shown.stdout


def test_demo_seeds_once_and_shows_a_retraction(settings, tmp_path):
    first = zhijian(settings, tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "seeded the demo" in first.stdout and "Retracted" in first.stdout
    second = zhijian(settings, tmp_path, "demo")
    assert "demo already seeded" in second.stdout
    tokens = re.findall(r"zj_\S+", first.stdout + second.stdout)
    assert len(set(tokens)) == 2  # a fresh demo token each run
