"""Census import at scale: 10,000 rows, 1% bad in different ways, on both stores."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from application.census import CensusImport
from domain.actor import SYSTEM
from domain.credit_code import ALPHABET, check_character
from interfaces.census_files import read_rows, write_errors

TODAY = date(2026, 10, 1)
HEADER = ["名称", "统一社会信用代码", "地址", "镇街", "区域", "类型", "产品类别", "建档日期"]

# Ways a row can be bad, each with the field the report must name.
BAD_WAYS = [
    ("名称", "", "name"),
    ("镇街", "", "town"),
    ("区域", "山区", "area"),
    ("类型", "饭店", "kind"),
    ("产品类别", "豆制品、火锅底料", "product_categories"),
    ("建档日期", "2026-13-01", "occurred_on"),
    ("建档日期", "2026-10-02", "occurred_on"),  # after today
    ("统一社会信用代码", "91430111MA4L41YT1A", "credit_code"),  # wrong check character
    ("统一社会信用代码", "91430111MA4L41YT", "credit_code"),  # wrong length
    ("统一社会信用代码", "9143O111MA4L41YT1U", "credit_code"),  # letter O is not allowed
]


def credit_code(n: int) -> str:
    body = "9135" + "".join(ALPHABET[(n // 31**i) % 31] for i in range(13))
    return body + check_character(body)


def census_rows(total: int, bad_every: int) -> tuple[list[dict[str, str]], dict[int, str]]:
    """Rows and {row number: field expected in the error}; row numbers start at 2 (header is row 1)."""
    rng = random.Random(7)
    rows, expected = [], {}
    for i in range(total):
        row = {
            "名称": f"测试企业{i:05d}", "统一社会信用代码": credit_code(i) if i % 3 else "",
            "地址": f"建设路{i}号", "镇街": rng.choice(["石桥镇", "河口镇", "青山镇"]),
            "区域": rng.choice(["农村", "城乡结合部", "urban"]),
            "类型": rng.choice(["小作坊", "food_producer", "销售点"]),
            "产品类别": rng.choice(["豆制品", "bean_sprouts,drinking_water", "水产品、肉制品", ""]),
            "建档日期": f"2026-08-{rng.randint(3, 28):02d}",
        }
        if i % bad_every == bad_every - 1:
            column, value, field = BAD_WAYS[(i // bad_every) % len(BAD_WAYS)]
            row[column] = value
            expected[i + 2] = field
        rows.append(row)
    return rows, expected


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


def test_ten_thousand_rows_import_every_good_row_and_report_every_bad_one(ledger, tmp_path):
    rows, expected = census_rows(10_000, bad_every=100)
    assert len(expected) == 100
    path = tmp_path / "census.csv"
    write_csv(path, rows)

    report = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))

    assert report.registered == 9_900
    assert {e.row: e.field for e in report.errors} == expected
    assert all(e.reason for e in report.errors)
    registered = ledger.recorder.select_notifications(
        start=None, limit=20_000, topics=["domain.enterprise:Enterprise.Registered"])
    assert len(registered) == 9_900

    again = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))
    assert (again.registered, again.already_registered, again.bad_rows) == (0, 9_900, 100)

    error_file = write_errors(path, report.errors)
    with error_file.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0] == ["行号 row", "字段 field", "原因 reason"]
    assert sorted(int(line[0]) for line in lines[1:]) == sorted(expected)


def test_a_duplicate_row_within_one_file_is_reported_not_registered_twice(ledger, tmp_path):
    rows, _ = census_rows(3, bad_every=1000)
    rows.append(dict(rows[1]))
    path = tmp_path / "dupes.csv"
    write_csv(path, rows)
    report = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))
    assert report.registered == 3
    assert [(e.row, e.field) for e in report.errors] == [(5, "row")]
    assert "第 3 行" in report.errors[0].reason


def test_a_name_with_a_zero_width_space_or_full_width_digits_is_the_same_enterprise(ledger, tmp_path):
    rows, _ = census_rows(2, bad_every=1000)
    rows[0]["统一社会信用代码"] = rows[1]["统一社会信用代码"] = ""  # identified by name, town and address
    rows[0]["名称"], rows[0]["地址"] = "测试企业00000", "建设路0号"
    rows[1] = {**rows[0], "名称": "测试企业\u200b０００００", "地址": "建设路０号\ufeff"}
    path = tmp_path / "spellings.csv"
    write_csv(path, rows[:1])
    first = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))
    write_csv(path, rows[1:])
    second = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))
    assert (first.registered, second.registered, second.already_registered) == (1, 0, 1)


def test_a_bidirectional_override_in_a_name_is_a_bad_row_naming_the_field(ledger, tmp_path):
    rows, _ = census_rows(1, bad_every=1000)
    rows[0]["名称"] = "测试\u202e企业"
    path = tmp_path / "bidi.csv"
    write_csv(path, rows)
    report = CensusImport(ledger, actor=SYSTEM, today=TODAY).run(read_rows(path))
    assert report.registered == 0 and [(e.row, e.field) for e in report.errors] == [(2, "name")]
    assert "U+202E" in report.errors[0].reason
