"""GET /reports/campaign in each format and GET /reports/disclosure, over HTTP on each store.

The campaign, recorded through the API (today is 2026-10-01):
  张记豆腐坊   small workshop, 石桥镇 rural: registration XZF1 08-20 reviewed for 2026; bean sample failed 09-01
  华强插头厂   CCC maker, 河口镇 fringe: CCC1 08-10, not reviewed; plug sample failed 09-02, no order after it
  清泉桶装水厂 food producer, 河口镇 fringe: violation 08-20 and order O1 (deadline 09-10), never verified
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import ENTERPRISE


@pytest.fixture
def campaign(client, chief) -> dict:
    def post(path: str, body: dict) -> dict:
        answer = client.post(path, json=body, headers=chief)
        assert answer.status_code == 201, answer.text
        return answer.json()

    first = post("/enterprises", ENTERPRISE)
    tofu = first["enterprise_id"]
    plugs = post("/enterprises", {**ENTERPRISE, "name": "华强插头厂", "town": "河口镇", "area": "urban_rural_fringe",
                                  "kind": "ccc_product_maker", "product_categories": ["plugs"],
                                  "occurred_on": "2026-08-06"})["enterprise_id"]
    water = post("/enterprises", {**ENTERPRISE, "name": "清泉桶装水厂", "town": "河口镇", "area": "urban_rural_fringe",
                                  "kind": "food_producer", "product_categories": ["drinking_water"],
                                  "occurred_on": "2026-08-07"})["enterprise_id"]
    post(f"/enterprises/{tofu}/licenses", {"occurred_on": "2026-08-20", "license_type": "workshop_registration",
                                           "license_no": "XZF1", "valid_until": "2029-08-19"})
    post(f"/enterprises/{tofu}/licenses/XZF1/reviews", {"occurred_on": "2026-09-01", "year": 2026})
    post(f"/enterprises/{tofu}/samples", {"occurred_on": "2026-09-01", "sample_no": "CJ-1", "result": "fail",
                                          "product_category": "bean_products", "product": "豆腐",
                                          "failed_items": ["苯甲酸"]})
    post(f"/enterprises/{plugs}/licenses", {"occurred_on": "2026-08-10", "license_type": "ccc", "license_no": "CCC1",
                                            "valid_until": "2031-08-09"})
    post(f"/enterprises/{plugs}/samples", {"occurred_on": "2026-09-02", "sample_no": "CJ-2", "result": "fail",
                                           "product_category": "plugs", "product": "两极插头",
                                           "failed_items": ["插销尺寸"]})
    post(f"/enterprises/{water}/inspections", {"occurred_on": "2026-08-20", "outcome": "violation",
                                               "findings": ["substandard_conditions"]})
    last = post(f"/enterprises/{water}/rectification-orders", {"occurred_on": "2026-08-20", "order_no": "O1",
                                                               "deadline": "2026-09-10", "items": ["消毒设施"]})
    return {"first": first, "after": last["position"], "last_recorded_at": last["recorded_at"]}


def get(client, chief, path: str, **params):
    answer = client.get(path, params=params, headers=chief)
    assert answer.status_code == 200, answer.text
    return answer


def test_the_json_report_gives_the_figures_for_today_as_known_now(client, chief, campaign):
    r = get(client, chief, "/reports/campaign", after=campaign["after"]).json()
    assert (r["as_of"], r["phase"]) == ("2026-10-01", "implementation")
    assert (r["census"]["registered"], r["census"]["licensed"]) == (3, 2)
    assert (r["licensing"]["needing"], r["licensing"]["holding"]) == (2, 1)  # the tofu workshop and the water plant
    assert (r["rectification"]["issued"], r["rectification"]["overdue"]) == (1, 1)
    a = r["annual_review"]
    assert (a["due"], a["reviewed"], a["rate"], a["target"]) == (2, 1, 0.5, 0.9)
    assert [s["license_no"] for s in a["shortfall"]["items"]] == ["CCC1"] and a["shortfall"]["total"] == 1
    assert r["sampling"]["by_category"]["plugs"] == {"samples": 1, "failed": 1, "is_food": False}
    assert [m["sample_no"] for m in r["sampling"]["follow_up"]["without_follow_up"]["items"]] == ["CJ-2"]


def test_the_report_as_known_when_only_the_first_enterprise_was_recorded(client, chief, campaign):
    r = get(client, chief, "/reports/campaign", after=campaign["after"], as_of="2026-09-30",
            known_at=campaign["first"]["recorded_at"]).json()
    assert (r["as_of"], r["census"]["registered"], r["sampling"]["samples"]) == ("2026-09-30", 1, 0)


def test_the_xlsx_report_downloads_with_one_sheet_per_section_and_typed_cells(client, chief, campaign):
    answer = get(client, chief, "/reports/campaign", after=campaign["after"], format="xlsx")
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"] == 'attachment; filename="campaign-report-2026-10-01.xlsx"'
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames[:2] == ["目标与完成情况", "普查建档"] and len(book.sheetnames) == 9
    rows = [list(r[:6]) for r in book["证照年审"].iter_rows(values_only=True)]
    header = rows.index(["年度", "应年审", "已年审", "年审率", "目标", "距目标还需"])
    assert rows[header + 1] == [2026, 2, 1, 0.5, 0.9, 1]


class Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1, self.cells, self._tag = "", [], ""

    def handle_starttag(self, tag, attrs):
        self._tag = tag
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag):
        self._tag = ""

    def handle_data(self, data):
        if self._tag == "h1":
            self.h1 += data
        elif self._tag == "td":
            self.cells[-1] += data


def test_the_html_report_is_a_printable_chinese_summary(client, chief, campaign):
    answer = get(client, chief, "/reports/campaign", after=campaign["after"], format="html")
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    parsed = Cells()
    parsed.feed(answer.text)
    assert parsed.h1 == "产品质量和食品安全专项整治行动情况总结"
    assert {"华强插头厂", "清泉桶装水厂", "50.0%", "插销尺寸"} <= set(parsed.cells)


def test_the_csv_report_carries_a_bom_and_chinese(client, chief, campaign):
    answer = get(client, chief, "/reports/campaign", after=campaign["after"], format="csv")
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert ["河口镇", "华强插头厂", "强制性认证产品企业", "抽查不合格", "插头", "两极插头", "插销尺寸", "2026-09-02",
            "CJ-2",
            ""] in rows


def test_disclosure_lists_failures_and_violations_up_to_as_of(client, chief, campaign):
    r = get(client, chief, "/reports/disclosure", after=campaign["after"]).json()
    assert [(i["name"], i["type"], i["items"], i["occurred_on"]) for i in r["items"]] == [
        ("清泉桶装水厂", "violation", ["substandard_conditions"], "2026-08-20"),
        ("张记豆腐坊", "sample_failed", ["苯甲酸"], "2026-09-01"),
        ("华强插头厂", "sample_failed", ["插销尺寸"], "2026-09-02"),
    ]
    earlier = get(client, chief, "/reports/disclosure", after=campaign["after"], as_of="2026-09-01").json()
    assert [i["name"] for i in earlier["items"]] == ["清泉桶装水厂", "张记豆腐坊"] and earlier["total"] == 2


def test_reports_need_a_token_and_a_known_format(client, chief):
    assert client.get("/reports/campaign").status_code == 401
    assert client.get("/reports/disclosure").status_code == 401
    refused = client.get("/reports/campaign", params={"format": "pdf"}, headers=chief)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"


def test_disclosure_pages_with_its_total(client, chief, campaign):
    page = get(client, chief, "/reports/disclosure", after=campaign["after"], limit=1, offset=1).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [i["name"] for i in page["items"]] == ["张记豆腐坊"]
    assert get(client, chief, "/reports/disclosure", offset=3).json()["items"] == []


def test_each_list_of_the_report_pages_on_its_own(client, chief, campaign):
    """The two failed samples and the violation: disclosure order is by date; the still-unlicensed water plant."""
    lists = "/reports/campaign/lists"
    page = get(client, chief, f"{lists}/disclosure", after=campaign["after"], limit=2).json()
    assert (page["list"], page["total"], [i["name"] for i in page["items"]]) == (
        "disclosure", 3, ["清泉桶装水厂", "张记豆腐坊"])
    unlicensed = get(client, chief, f"{lists}/still_unlicensed").json()
    assert [(i["name"], i["required_license"]) for i in unlicensed["items"]] == [("清泉桶装水厂", "food_production")]
    overdue = get(client, chief, f"{lists}/overdue_orders").json()
    assert [(i["order_no"], i["days_overdue"]) for i in overdue["items"]] == [("O1", 21)]  # 09-10 to 10-01
    focus = get(client, chief, f"{lists}/focus_two_beans").json()
    assert [(m["name"], m["samples"], m["failed"]) for m in focus["items"]] == [("张记豆腐坊", 1, 1)]
    missing = client.get(f"{lists}/nothing_like_this", headers=chief)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_the_json_report_pages_its_lists_and_the_xlsx_carries_every_row(client, chief, campaign):
    r = get(client, chief, "/reports/campaign", after=campaign["after"], limit=1, offset=0).json()
    assert (r["disclosure"]["total"], len(r["disclosure"]["items"])) == (3, 1)
    book = load_workbook(io.BytesIO(get(client, chief, "/reports/campaign", format="xlsx", limit=1).content))
    names = [row[1] for row in book["曝光名单"].iter_rows(values_only=True)]
    assert {"清泉桶装水厂", "张记豆腐坊", "华强插头厂"} <= set(names)
