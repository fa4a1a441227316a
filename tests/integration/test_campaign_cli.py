"""`zhijian report campaign`, run as a real process on each store after `zhijian demo`."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
from datetime import date, timedelta

from openpyxl import load_workbook

from application.campaign_settings import load_campaign_settings
from domain.bureau_time import bureau_today
from interfaces.report_archive import definition, end_of_day
from projections import open_views
from projections.report_archive import ReportArchive
from tests.integration.test_cli import cli_env, zhijian

SHEETS = ["目标与完成情况", "普查建档", "食品生产许可", "限期整改", "证照年审", "监督抽查",
          "重点整治", "实施步骤", "曝光名单"]


def test_report_campaign_writes_the_demo_report_as_a_workbook_and_as_csv(settings, tmp_path):
    assert zhijian(settings, tmp_path, "demo").returncode == 0
    today = date.today().isoformat()
    done = zhijian(settings, tmp_path, "report", "campaign", "--as-of", today, "--format", "xlsx",
                   "-o", str(tmp_path / "report.xlsx"))
    assert done.returncode == 0, done.stderr
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == SHEETS
    assert f"统计日期 {today}" in book["普查建档"]["A2"].value
    total = next(r for r in book["普查建档"].iter_rows(values_only=True) if r[0] == "合计")
    assert total[3] == 36  # the demo registers 36 enterprises

    done = zhijian(settings, tmp_path, "report", "campaign", "--as-of", today, "--known-at", "2000-01-01T00:00",
                   "-o", str(tmp_path / "then.csv"))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "then.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["产品质量和食品安全专项整治行动情况总结"]
    assert ["合计", "", "", "0", "0", "0", ""] in rows  # nothing was known in 2000


def test_report_campaign_refuses_a_malformed_date(settings, tmp_path):
    done = zhijian(settings, tmp_path, "report", "campaign", "--as-of", "2026-13-01", "-o", str(tmp_path / "r.html"))
    assert done.returncode == 2 and "--as-of" in done.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_archive_keeps_each_final_day_once(settings, tmp_path):
    assert zhijian(settings, tmp_path, "demo").returncode == 0
    today = bureau_today()  # the bureau's: a day ahead of UTC's from 16:00 UTC
    last = today - timedelta(days=2)  # final for a day at least (yesterday is not, in the first 10 minutes of today)
    first = last - timedelta(days=2)
    args = ("report", "archive", "--from", first.isoformat(), "--to", last.isoformat(), "--formats", "json,csv")
    done = zhijian(settings, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert "archived 12 answers" in done.stderr  # a day: the campaign report in JSON and CSV, status, accountability
    again = zhijian(settings, tmp_path, *args)
    assert again.returncode == 0 and "archived 0 answers" in again.stderr, again.stderr
    views = open_views(settings)
    try:
        archive = ReportArchive(views.status.recorder)
        rules = load_campaign_settings(None).campaign_for
        for day in (first, last):
            for fmt in ("json", "csv"):
                assert archive.has(day, end_of_day(day), fmt, definition(rules(day))), (day, fmt)
        assert not archive.has(last, end_of_day(last), "html", definition(rules(last)))
    finally:
        views.close()
    # `report campaign` writes a kept answer as kept; the same instant written in UTC is computed, and the same.
    kept = zhijian(settings, tmp_path, "report", "campaign", "--as-of", last.isoformat(), "--known-at",
                   f"{last + timedelta(days=1)}T00:00", "--format", "csv", "-o", str(tmp_path / "kept.csv"))
    assert kept.returncode == 0 and "archived at" in kept.stderr, kept.stderr
    computed = zhijian(settings, tmp_path, "report", "campaign", "--as-of", last.isoformat(), "--known-at",
                       f"{last.isoformat()}T16:00+00:00", "--format", "csv", "-o", str(tmp_path / "computed.csv"))
    assert computed.returncode == 0 and "archived at" not in computed.stderr, computed.stderr
    assert (tmp_path / "kept.csv").read_bytes() == (tmp_path / "computed.csv").read_bytes()
    span = ("--from", first.isoformat(), "--to", last.isoformat())
    checked = zhijian(settings, tmp_path, "report", "archive", "--check", *span, "--formats", "json,csv")
    assert checked.returncode == 0 and "every final day is archived" in checked.stderr, checked.stderr
    unkept = zhijian(settings, tmp_path, "report", "archive", "--check", *span)  # json, html
    assert unkept.returncode == 1 and f"not archived: {first.isoformat()} (campaign html)" in unkept.stderr, \
        unkept.stderr
    refused = zhijian(settings, tmp_path, "report", "archive", "--formats", "json,pdf")
    assert refused.returncode == 2 and "pdf" in refused.stderr
    unfinished = zhijian(settings, tmp_path, "report", "archive", "--from", today.isoformat(), "--to",
                         today.isoformat())
    assert unfinished.returncode == 0 and "archived 0 answers (no final day" in unfinished.stderr, unfinished.stderr


def test_report_archive_nightly_keeps_running_until_sigterm(settings, tmp_path):
    assert zhijian(settings, tmp_path, "demo").returncode == 0
    day = bureau_today() - timedelta(days=2)  # final (see above)
    process = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "report", "archive", "--nightly", "--from",
                                day.isoformat(), "--to", day.isoformat(), "--formats", "json"], cwd=tmp_path,
                               env=cli_env(settings),
                               stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stderr:  # until it has archived and gone to sleep
            lines.append(line)
            if line.startswith("next run at"):
                break
        assert any("archived 3 answers" in line for line in lines), lines  # campaign, status, accountability
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0  # a stuck-after bound, not a speed
    finally:
        process.kill()
        process.wait()


def test_report_archive_keeps_the_xlsx_of_the_last_days_only(settings, tmp_path):
    assert zhijian(settings, tmp_path, "demo").returncode == 0
    last = bureau_today() - timedelta(days=2)  # final (see above)
    days = [last - timedelta(days=2), last - timedelta(days=1), last]
    args = ("report", "archive", "--from", days[0].isoformat(), "--to", last.isoformat())
    done = zhijian(settings, tmp_path, *args, "--xlsx-days", "2")
    assert done.returncode == 0 and "archived 14 answers" in done.stderr, done.stderr  # 3 days × 4, 2 XLSX

    def kept_xlsx() -> list[date]:
        views = open_views(settings)
        try:
            archive = ReportArchive(views.status.recorder)
            rules = load_campaign_settings(None).campaign_for
            return [d for d in days if archive.has(d, end_of_day(d), "xlsx", definition(rules(d)))]
        finally:
            views.close()

    assert kept_xlsx() == days[1:]
    again = zhijian(settings, tmp_path, *args, "--xlsx-days", "1")
    assert again.returncode == 0 and "dropped the kept XLSX of 1 earlier days" in again.stderr, again.stderr
    assert kept_xlsx() == days[2:]
