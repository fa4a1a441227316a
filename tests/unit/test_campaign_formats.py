"""The report's formats read back: the XLSX with openpyxl, the HTML with html.parser, the CSV with csv.

They render the scripted campaign of test_campaign_figures on 2026-10-01, whose figures
were worked out by hand there (e.g. annual review 3 of 5 = 60%, target 90%).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from interfaces.report_formats import render
from tests.unit.test_campaign_figures import figures_on

SHEETS = ["目标与完成情况", "普查建档", "食品生产许可", "限期整改", "证照年审", "监督抽查",
          "重点整治", "实施步骤", "曝光名单"]


@pytest.fixture(scope="module")
def figures() -> dict:
    return figures_on(date(2026, 10, 1))


# -- XLSX ---------------------------------------------------------------------------------


def rows_after(sheet, header: list[str]) -> list[list]:
    """The data rows of the table whose header row is `header`, up to the next blank row."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[: len(header)] == header) + 1
    found = []
    for r in rows[start:]:
        if r[0] is None:
            break
        found.append(r[: len(header)])
    return found


def test_xlsx_has_one_sheet_per_section_with_a_title_row_stating_as_of_and_known_at(figures):
    book = load_workbook(io.BytesIO(render(figures, "xlsx")))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith("产品质量和食品安全专项整治行动情况总结")
        assert "统计日期 2026-10-01" in sheet["A2"].value
        assert "数据截至 2027-02-01 08:00:00 北京时间" in sheet["A2"].value


def test_xlsx_stores_numbers_as_numbers_rates_as_percentages_and_dates_as_dates(figures):
    book = load_workbook(io.BytesIO(render(figures, "xlsx")))
    review = book["证照年审"]
    assert rows_after(review,
                      ["年度", "应年审", "已年审", "年审率", "目标", "距目标还需"]) == [[2026, 5, 3, 0.6, 0.9, 2]]
    rate_cell = next(c for row in review.iter_rows() for c in row if c.value == 0.6)
    assert rate_cell.number_format == "0.0%" and rate_cell.fill.fgColor.rgb.endswith("F8D7DA")  # a shortfall
    shortfall = rows_after(review, ["镇街", "企业名称", "企业类型", "证照编号", "证照类型", "发证日期", "有效期至"])
    assert shortfall[0] == ["河口镇", "壬凉皮作坊", "小作坊", "XZF1", "小作坊登记证", datetime(2026, 8, 20),
                            datetime(2027, 8, 19)]
    granted = next(c for row in review.iter_rows() for c in row if c.value == datetime(2026, 8, 20))
    assert granted.is_date and granted.number_format == "yyyy-mm-dd"


def test_xlsx_census_and_sampling_read_in_chinese_with_readable_widths(figures):
    book = load_workbook(io.BytesIO(render(figures, "xlsx")))
    census = rows_after(book["普查建档"], ["镇街", "企业类型", "区域", "建档数", "证照齐全", "已关停"])
    assert census[0] == ["河口镇", "小作坊", "城乡结合部", 2, 1, 1]
    assert census[-1] == ["合计", None, None, 8, 5, 1]
    sampling = rows_after(book["监督抽查"], ["产品类别", "食品", "抽查批次", "不合格批次", "不合格率"])
    assert sampling[1] == ["豆制品", "是", 1, 1, 1.0]
    assert book["普查建档"].column_dimensions["B"].width >= 12  # 强制性认证产品企业 fits


# -- HTML ---------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Collects the h1, the <time> values, and every table as (data-title, rows of cell texts, row classes)."""

    def __init__(self) -> None:
        super().__init__()
        self.h1, self.times, self.tables = "", {}, []
        self._in: list[str] = []
        self._time = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in.append(tag)
        if tag == "table":
            self.tables.append({"title": a.get("data-title"), "rows": [], "classes": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            self.tables[-1]["classes"].append(a.get("class") or "")
        elif tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append("")
        elif tag == "time":
            self._time = a["class"]
            self.times[self._time] = a["datetime"]

    def handle_endtag(self, tag):
        self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "h1":
            self.h1 += data
        elif self._in and self._in[-1] in ("td", "th"):
            self.tables[-1]["rows"][-1][-1] += data


def parse(html: bytes) -> Tables:
    parser = Tables()
    parser.feed(html.decode("utf-8"))
    return parser


def table(parsed: Tables, title: str) -> dict:
    return next(t for t in parsed.tables if t["title"] == title)


def test_html_is_a_chinese_report_with_its_dates_at_the_top_and_one_table_per_part(figures):
    parsed = parse(render(figures, "html"))
    assert parsed.h1 == "产品质量和食品安全专项整治行动情况总结"
    assert parsed.times == {"as-of": "2026-10-01", "known-at": "2027-02-01T00:00:00+00:00"}
    titles = [t["title"] for t in parsed.tables]
    for expected in ("目标与完成情况", "按镇街、类型、区域", "食品企业取证", "限期整改", "年审率", "按产品类别",
                     "重点整治", "各阶段工作量", "不合格产品和违法违规行为"):
        assert expected in titles


def test_html_puts_each_target_beside_the_actual_figure_and_highlights_shortfalls(figures):
    targets = table(parse(render(figures, "html")), "目标与完成情况")
    by_item = {row[0]: (row[1:4], cls) for row, cls in zip(targets["rows"], targets["classes"], strict=True)}
    assert by_item["证照年审率"] == (["90.0%", "60.0%", "还需年审2张"], "shortfall")
    assert by_item["插头、电线电缆抽查不合格后处理"] == (["全部落实", "1/2", "1批次未落实"], "shortfall")
    assert by_item["高风险食品抽查频次（批次/家）"] == (["高于其他食品", "1.50", "其他食品 0.50"], "")
    # The licensing deadline (12-31) has not passed on 10-01: no shortfall yet.
    assert by_item["应取证食品企业取得生产许可证"] == (["2026-12-31前全部取证", "3/5", "尚有2家未取证"], "")


def test_html_escapes_what_was_typed_in_the_field(figures):
    tampered = [{**figures["disclosure"][0], "name": "<script>alert(1)</script>坏作坊"}]
    html = render({**figures, "disclosure": tampered}, "html").decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;坏作坊" in html


# -- CSV and JSON --------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_reads_back_with_the_chinese_intact(figures):
    data = render(figures, "csv")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["产品质量和食品安全专项整治行动情况总结"]
    assert rows[1] == ["统计日期", "2026-10-01"]
    header = rows.index(["年度", "应年审", "已年审", "年审率", "目标", "距目标还需", "提示"])
    assert rows[header + 1] == ["2026", "5", "3", "60.0%", "90.0%", "2", "未达目标"]
    assert ["河口镇", "甲豆腐坊", "小作坊", "违法违规", "豆制品", "", "三无", "2026-08-10", "", ""] in rows


def test_json_keeps_the_figures_with_iso_dates(figures):
    data = json.loads(render(figures, "json"))
    assert (data["as_of"], data["known_at"], data["phase"]) == ("2026-10-01", "2027-02-01T00:00:00+00:00",
                                                                "implementation")
    assert data["annual_review"]["shortfall"]["items"][0]["granted_on"] == "2026-08-20"
    assert data["sampling"]["by_category"]["plugs"] == {"samples": 1, "failed": 1, "is_food": False}


def test_json_pages_every_list_with_its_total(figures):
    # The shortfall is XZF1 (壬凉皮作坊) then SC2 (丙桶装水厂); the still unlicensed 己肉制品店 then 庚糖果作坊.
    data = json.loads(render(figures, "json", limit=1, offset=1))
    shortfall = data["annual_review"]["shortfall"]
    assert (shortfall["total"], shortfall["limit"], shortfall["offset"]) == (2, 1, 1)
    assert [(s["name"], s["license_no"]) for s in shortfall["items"]] == [("丙桶装水厂", "SC2")]
    assert [e["name"] for e in data["licensing"]["still_unlicensed"]["items"]] == ["庚糖果作坊"]
    assert data["disclosure"]["total"] == len(figures["disclosure"]) and len(data["disclosure"]["items"]) == 1
    assert json.loads(render(figures, "json", limit=5, offset=2))["annual_review"]["shortfall"]["items"] == []


def test_xlsx_replaces_control_characters_that_a_worksheet_cannot_hold(figures):
    odd = [{**figures["disclosure"][0], "name": "张记\x17豆腐坊"}]
    book = load_workbook(io.BytesIO(render({**figures, "disclosure": odd}, "xlsx")))
    names = [r[1] for r in book["曝光名单"].iter_rows(values_only=True)]
    assert "张记\ufffd豆腐坊" in names


def test_the_targets_and_their_basis_follow_the_campaign_settings_not_fixed_words(figures):
    """A deployment that sets the review target to 85% and follows up only wires and cables reads so."""
    sampling = {**figures["sampling"],
                "follow_up": {**figures["sampling"]["follow_up"], "categories": ["wires_cables"]},
                "high_risk": {**figures["sampling"]["high_risk"], "categories": ["meat_products"]}}
    changed = {**figures, "annual_review": {**figures["annual_review"], "target": 0.85}, "sampling": sampling}
    targets = table(parse(render(changed, "html")), "目标与完成情况")
    rows = {row[0]: row for row in targets["rows"][1:]}
    assert rows["证照年审率"][1] == "85.0%" and rows["证照年审率"][4] == "确保年审率达到85.0%以上"
    assert rows["电线电缆抽查不合格后处理"][4] == "落实对电线电缆的监督抽查后处理工作"
    assert rows["高风险食品抽查频次（批次/家）"][4] == "对肉制品等高风险食品，加大抽查的频次"
    summary = render(changed, "html").decode()
    assert "电线电缆不合格" in summary and "插头、电线电缆" not in summary
