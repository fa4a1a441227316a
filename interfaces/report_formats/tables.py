"""The campaign report laid out as Chinese tables, one section per part: what CSV, XLSX and HTML render.

Each table has typed columns (text, int, ratio, rate, date) so that XLSX can store real
numbers and dates, and rows may be flagged as a shortfall (a target missed) so every
format can highlight them. Labels come from the enums' `.label`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any

from domain.values import Area, ClosureReason, FindingCode, Kind, LicenseType, ProductCategory, Status
from projections.listing import Listing, listing

TITLE = "产品质量和食品安全专项整治行动情况总结"
PHASE_OUTSIDE = {"before": "活动开始前", "after": "活动结束后", "between": "阶段之间"}
ACT_LABELS = {"inspections": "检查", "orders": "责令整改", "verifications": "整改复查", "licenses": "发证",
              "reviews": "年审", "samples": "抽查", "closures": "关停"}


@dataclass(frozen=True)
class Column:
    header: str
    type: str = "text"  # text | int | ratio | rate | date | datetime


@dataclass
class Table:
    """A table of the report: a few rows held here, or a long list's rows made one by one from its Listing."""

    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    flagged: list[bool] = field(default_factory=list)  # row i missed a target
    empty_note: str = "无"
    source: Listing | None = None  # a list of the report, read from the view as the table is written
    make_row: Callable[[Mapping[str, Any]], tuple[list[Any], bool]] | None = None

    def add(self, row: list[Any], flag: bool = False) -> None:
        self.rows.append(row)
        self.flagged.append(flag)

    @property
    def total(self) -> int:
        return len(self.rows) if self.source is None else self.source.total

    def entries(self, limit: int | None = None) -> Iterator[tuple[list[Any], bool]]:
        """(row, flagged) for every row, or for the first `limit` rows."""
        if self.source is None or self.make_row is None:
            pairs = zip(self.rows, self.flagged, strict=True)
            return iter(pairs) if limit is None else islice(pairs, limit)
        items = self.source if limit is None else self.source.page(limit)
        return (self.make_row(item) for item in items)


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    title: str
    as_of: date
    known_at: datetime
    phase: str
    summary: list[str]
    sections: list[Section]


def _label(enum: Any, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


def kind_label(v: str) -> str:
    return _label(Kind, v)


def category_label(v: str) -> str:
    return _label(ProductCategory, v)


def _findings(codes: Iterable[str]) -> str:
    return "、".join(_label(FindingCode, c) for c in codes)


def _cols(*spec: str) -> list[Column]:
    """Columns from 'header:type' strings (type defaults to text)."""
    return [Column(*s.split(":")) for s in spec]


ENTERPRISE_COLS = ("镇街", "企业名称", "企业类型")


def _ent(item: Mapping[str, Any]) -> list[Any]:
    return [item["town"], item["name"], kind_label(item["kind"])]


def _list_table(title: str, cols: tuple[str, ...], items: Listing | Iterable[Mapping[str, Any]],
                row: Callable[[Mapping[str, Any]], list[Any]],
                flag: bool | Callable[[Mapping[str, Any]], bool] = False) -> Table:
    """A table of enterprises from a list of the report; its rows are made as they are written."""

    def make_row(item: Mapping[str, Any]) -> tuple[list[Any], bool]:
        return [*_ent(item), *row(item)], flag(item) if callable(flag) else flag

    source = items if isinstance(items, Listing) else listing(list(items))  # type: ignore[arg-type]  # items is not a Listing here
    return Table(title, _cols(*ENTERPRISE_COLS, *cols), source=source, make_row=make_row)


def _by_town(title: str, by_town: Mapping[str, Mapping[str, Any]], columns: Mapping[str, str],
             flag: Callable[[Mapping[str, Any]], bool] = lambda _: False) -> Table:
    """A table of one row per town; columns maps a figure key to 'header:type'."""
    table = Table(title, _cols("镇街", *columns.values()))
    for town, figures in by_town.items():
        table.add([town, *(figures.get(k) for k in columns)], flag(figures))
    return table


def phase_label(figures: Mapping[str, Any]) -> str:
    for p in figures["calendar"]["phases"]:
        if p["key"] == figures["phase"]:
            return str(p["label"])
    phase: str = figures["phase"]
    return PHASE_OUTSIDE.get(phase, phase)


def build_report(figures: Mapping[str, Any]) -> Report:
    return Report(
        title=TITLE,
        as_of=figures["as_of"],
        known_at=figures["known_at"],
        phase=phase_label(figures),
        summary=summary_sentences(figures),
        sections=[
            targets_section(figures),
            census_section(figures["census"]),
            licensing_section(figures["licensing"]),
            rectification_section(figures["rectification"]),
            review_section(figures["annual_review"]),
            sampling_section(figures["sampling"]),
            focus_section(figures["focus"]),
            calendar_section(figures["calendar"]),
            disclosure_section(figures["disclosure"]),
        ],
    )


def category_words(values: Iterable[str]) -> str:
    """Product categories in Chinese, as a list in a sentence (插头、电线电缆)."""
    return "、".join(category_label(c) for c in values)


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def summary_sentences(f: Mapping[str, Any]) -> list[str]:
    c, lic, r, a, s = f["census"], f["licensing"], f["rectification"], f["annual_review"], f["sampling"]
    as_of = f["as_of"]
    day = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    return [
        f"截至{day}（{phase_label(f)}），全市共普查登记建档企业{c['registered']}家，"
        f"其中证照齐全{c['licensed']}家，已关停{c['closed']}家。",
        f"应取证食品企业{lic['needing']}家，已取证{lic['holding']}家（取证率{_pct(lic['rate'])}）；"
        f"城乡结合部小作坊尚未关停{lic['fringe_workshops_open']}家；共关停取缔{lic['closures']}家。",
        f"下达限期整改通知{r['issued']}份，按期整改合格{r['passed_on_time']}份，逾期后整改合格{r['passed_late']}份，"
        f"逾期未整改{r['overdue']}份，复查不合格{r['failed_verifications']}次。",
        f"应年审证照{a['due']}张，已年审{a['reviewed']}张，年审率{_pct(a['rate'])}，目标{_pct(a['target'])}。",
        f"监督抽查{s['samples']}批次，不合格{s['failed']}批次；"
        f"尚未抽查的食品种类{len(s['uncovered_categories'])}类；"
        f"{category_words(s['follow_up']['categories'])}不合格{s['follow_up']['failed']}批次，"
        f"其中未落实后处理{len(s['follow_up']['without_follow_up'])}批次。",
        f"拟曝光不合格产品和违法违规行为{len(f['disclosure'])}起。",
    ]


def targets_section(f: Mapping[str, Any]) -> Section:
    lic, r, a, s = f["licensing"], f["rectification"], f["annual_review"], f["sampling"]
    table = Table("目标与完成情况", _cols("项目", "目标", "实际", "差距", "依据"))
    unlicensed = lic["needing"] - lic["holding"]
    deadline = lic["deadline"]
    table.add(["应取证食品企业取得生产许可证", f"{deadline:%Y-%m-%d}前全部取证", f"{lic['holding']}/{lic['needing']}",
               f"尚有{unlicensed}家未取证" if unlicensed else "", "年底前应取证的食品企业全部取得生产许可证"],
              flag=lic["deadline_passed"] and unlicensed > 0)
    table.add(["城乡结合部以内小作坊关停", "0家未关停", f"{lic['fringe_workshops_open']}家未关停",
               f"{lic['fringe_workshops_open']}家" if lic["fringe_workshops_open"] else "",
               "城乡结合部以内的小作坊一律予以关停"],
              flag=lic["fringe_workshops_open"] > 0)
    table.add(["证照年审率", _pct(a["target"]), _pct(a["rate"]),
               f"还需年审{a['reviews_to_target']}张" if a["reviews_to_target"] else "",
               f"确保年审率达到{_pct(a['target'])}以上"],
              flag=not a["meets_target"] and a["due"] > 0)
    table.add(["限期整改", "0份逾期", f"{r['overdue']}份逾期", f"{r['overdue']}份" if r["overdue"] else "",
               "对达不到质量安全卫生基本条件的企业，督促其限期整改"], flag=r["overdue"] > 0)
    covered = sum(1 for v in s["by_category"].values() if v["is_food"])
    uncovered = s["uncovered_categories"]
    table.add(["食品种类抽查覆盖", "全部食品种类", f"{covered}/{covered + len(uncovered)}类",
               "、".join(category_label(c) for c in uncovered), "使抽查基本涵盖所有食品种类"], flag=bool(uncovered))
    hr = s["high_risk"]
    table.add(["高风险食品抽查频次（批次/家）", "高于其他食品", f"{_num(hr['high_risk']['per_enterprise'])}",
               f"其他食品 {_num(hr['other_food']['per_enterprise'])}",
               f"对{category_words(hr['categories'])}等高风险食品，加大抽查的频次"],
              flag=not hr["sampled_more_often"])
    fu = s["follow_up"]
    missing = len(fu["without_follow_up"])
    follow_up = category_words(fu["categories"])
    table.add([f"{follow_up}抽查不合格后处理", "全部落实", f"{fu['followed_up']}/{fu['failed']}",
               f"{missing}批次未落实" if missing else "", f"落实对{follow_up}的监督抽查后处理工作"], flag=missing > 0)
    notes = [] if lic["deadline_passed"] else [
        f"取证期限为{deadline:%Y-%m-%d}，尚未届满：“期限后仍未取证”计为0，未取证企业见食品生产许可部分。"
    ]
    return Section("targets", "目标与完成情况", [table], notes)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def census_section(c: Mapping[str, Any]) -> Section:
    rows = Table("按镇街、类型、区域", _cols("镇街", "企业类型", "区域", "建档数:int", "证照齐全:int", "已关停:int"))
    for row in c["rows"]:
        rows.add([row["town"], kind_label(row["kind"]), _label(Area, row["area"]), row["registered"], row["licensed"],
                  row["closed"]])
    rows.add(["合计", "", "", c["registered"], c["licensed"], c["closed"]])
    towns = _by_town("按镇街", c["by_town"],
                     {"registered": "建档数:int", "licensed": "证照齐全:int", "closed": "已关停:int"})
    kinds = Table("按企业类型", _cols("企业类型", "建档数:int"))
    for kind, n in c["by_kind"].items():
        kinds.add([kind_label(kind), n])
    return Section("census", "普查建档", [rows, towns, kinds],
                   ["证照齐全：持有其类型所需的证照（食品生产许可证、小作坊登记证、食品经营许可证、工业产品生产许可证或强制性产品认证证书），且在统计日有效。"])


def licensing_section(lic: Mapping[str, Any]) -> Section:
    summary = Table("食品企业取证", _cols("项目", "数量:int"))
    summary.add(["食品企业（含小作坊、销售点）", lic["food_enterprises"]])
    summary.add(["应取证（未关停）", lic["needing"]])
    summary.add(["已取证", lic["holding"]])
    summary.add(["期限后仍未取证且未关停", lic["unlicensed_after_deadline"]], flag=lic["unlicensed_after_deadline"] > 0)
    summary.add(["城乡结合部以内未关停的小作坊", lic["fringe_workshops_open"]], flag=lic["fringe_workshops_open"] > 0)
    summary.add(["关停取缔", lic["closures"]])
    towns = _by_town("按镇街", lic["by_town"], {"needing": "应取证:int", "holding": "已取证:int",
                                              "unlicensed": "未取证:int",
                                              "fringe_workshops_open": "结合部小作坊未关停:int",
                                              "closures": "关停:int"})
    reasons = Table("关停原因", _cols("原因", "数量:int"))
    for reason, n in lic["closures_by_reason"].items():
        reasons.add([_label(ClosureReason, reason), n])
    unlicensed = _list_table("未取证食品企业", ("区域", "应取证照"), lic["still_unlicensed"],
                             lambda i: [_label(Area, i["area"]), _label(LicenseType, i["required_license"])],
                             flag=lic["deadline_passed"])
    fringe = _list_table("城乡结合部以内未关停的小作坊", ("状态",), lic["fringe_workshops"],
                         lambda i: [_label(Status, i["status"])], flag=True)
    closed = _list_table("关停取缔企业", ("关停日期:date", "原因", "决定书文号"), lic["closed_enterprises"],
                         lambda i: [i["closed_on"], _label(ClosureReason, i["reason"]), i["decision_no"]])
    deadline = lic["deadline"]
    note = (f"取证期限{deadline:%Y-%m-%d}已过。" if lic["deadline_passed"]
            else f"取证期限{deadline:%Y-%m-%d}尚未届满，“期限后仍未取证”计为0。")
    return Section("licensing", "食品生产许可", [summary, towns, reasons, unlicensed, fringe, closed], [note])


def rectification_section(r: Mapping[str, Any]) -> Section:
    cols = {"issued": "下达整改通知:int", "passed_on_time": "按期整改合格:int", "passed_late": "逾期后整改合格:int",
            "overdue": "逾期未整改:int", "open": "整改期内:int", "failed_verifications": "复查不合格:int"}
    summary = Table("限期整改", _cols(*cols.values()))
    summary.add([r[k] for k in cols], flag=r["overdue"] > 0)
    towns = _by_town("按镇街", r["by_town"], cols, flag=lambda t: t["overdue"] > 0)
    overdue = _list_table("逾期未整改", ("整改通知书编号", "下达日期:date", "整改期限:date", "逾期天数:int"),
                          r["overdue_orders"],
                          lambda i: [i["order_no"], i["issued_on"], i["deadline"], i["days_overdue"]], flag=True)
    return Section("rectification", "限期整改", [summary, towns, overdue])


def review_section(a: Mapping[str, Any]) -> Section:
    summary = Table("年审率",
                    _cols("年度:int", "应年审:int", "已年审:int", "年审率:rate", "目标:rate", "距目标还需:int"))
    summary.add([a["year"], a["due"], a["reviewed"], a["rate"], a["target"], a["reviews_to_target"]],
                flag=not a["meets_target"] and a["due"] > 0)
    towns = Table("按镇街", _cols("镇街", "应年审:int", "已年审:int", "年审率:rate", "目标:rate"))
    for town, t in a["by_town"].items():
        towns.add([town, t["due"], t["reviewed"], t["rate"], a["target"]],
                  flag=t["rate"] is not None and t["rate"] < a["target"])
    shortfall = _list_table("未年审证照", ("证照编号", "证照类型", "发证日期:date", "有效期至:date"), a["shortfall"],
                            lambda i: [i["license_no"], _label(LicenseType, i["license_type"]), i["granted_on"],
                                       i["valid_until"]], flag=True)
    return Section("annual_review", "证照年审", [summary, towns, shortfall],
                   [f"应年审：统计日有效、企业未关停的证照；已年审：有{a['year']}年度通过的年审记录。"])


def sampling_section(s: Mapping[str, Any]) -> Section:
    cats = Table("按产品类别", _cols("产品类别", "食品", "抽查批次:int", "不合格批次:int", "不合格率:rate"))
    for cat, n in s["by_category"].items():
        cats.add([category_label(cat), "是" if n["is_food"] else "否", n["samples"], n["failed"],
                  n["failed"] / n["samples"] if n["samples"] else None])
    cats.add(["合计", "", s["samples"], s["failed"], s["failed"] / s["samples"] if s["samples"] else None])
    gaps = Table("尚未抽查的食品种类", _cols("产品类别"))
    for cat in s["uncovered_categories"]:
        gaps.add([category_label(cat)], flag=True)
    hr = s["high_risk"]
    risk = Table(f"高风险食品抽查频次（{category_words(hr['categories'])}）",
                 _cols("企业组别", "企业数:int", "抽查批次:int", "不合格批次:int", "每家抽查批次:ratio"))
    risk.add(["高风险食品企业", *(hr["high_risk"][k] for k in ("enterprises", "samples", "failed", "per_enterprise"))],
             flag=not hr["sampled_more_often"])
    risk.add(["其他食品企业", *(hr["other_food"][k] for k in ("enterprises", "samples", "failed", "per_enterprise"))])
    fu = s["follow_up"]
    follow = _list_table(f"{category_words(fu['categories'])}抽查不合格未落实后处理",
                         ("样品编号", "产品类别", "不合格项目", "抽样日期:date"),
                         fu["without_follow_up"],
                         lambda i: [i["sample_no"], category_label(i["product_category"]), "、".join(i["failed_items"]),
                                    i["occurred_on"]], flag=True)
    towns = _by_town("按镇街", s["by_town"], {"samples": "抽查批次:int", "failed": "不合格批次:int"})
    return Section("sampling", "监督抽查", [cats, gaps, risk, follow, towns], [
        f"{category_words(fu['categories'])}抽查不合格{fu['failed']}批次，已下达整改通知{fu['followed_up']}批次；"
        "后处理以同一企业在抽样日及以后下达的限期整改通知为准。"
    ])


def focus_section(focus: Mapping[str, Any]) -> Section:
    summary = Table("重点整治",
                    _cols("重点", "企业数:int", "抽查批次:int", "不合格批次:int", "整改通知:int", "关停:int"))
    tables = [summary]
    for item in focus.values():
        summary.add([item["label"], item["enterprises"], item["samples"], item["failed"], item["orders"],
                     item["closures"]])
        tables.append(_by_town(f"{item['label']}：按镇街", item["by_town"], {
            "enterprises": "企业数:int", "samples": "抽查批次:int", "failed": "不合格批次:int",
            "orders": "整改通知:int", "closures": "关停:int"}))
        tables.append(_list_table(
            item["label"], ("状态", "抽查批次:int", "不合格批次:int", "整改通知:int"), item["members"],
            lambda m: [_label(Status, m["status"]), m["samples"], m["failed"], m["orders"]],
            flag=lambda m: m["failed"] > 0 and not m["closed"],
        ))
    return Section("focus", "重点整治", tables)


def calendar_section(cal: Mapping[str, Any]) -> Section:
    table = Table("各阶段工作量",
                  _cols("阶段", "起始:date", "截止:date", "当前", *(f"{v}:int" for v in ACT_LABELS.values()),
                                  "合计:int"))
    for p in [*cal["phases"], cal["outside"]]:
        if p["key"] == "outside" and not p["total"]:
            continue
        table.add([p["label"], p["start"], p["end"], "◀ 当前" if p["current"] else "",
                   *(p[k] for k in ACT_LABELS), p["total"]])
    columns = {p["key"]: f"{p['label']}:int" for p in cal["phases"]}
    if cal["outside"]["total"]:
        columns["outside"] = f"{cal['outside']['label']}:int"
    towns = _by_town("各镇街各阶段工作量", cal["by_town"], {**columns, "total": "合计:int"})
    return Section("calendar", "实施步骤", [table, towns])


def disclosure_section(items: Iterable[Mapping[str, Any]]) -> Section:
    return Section("disclosure", "曝光名单", [disclosure_table(items)],
                   ["曝光不合格产品和违法违规行为：监督抽查不合格的样品，及检查认定违法违规的企业。"])


def disclosure_table(items: Iterable[Mapping[str, Any]]) -> Table:
    return _list_table("不合格产品和违法违规行为",
                       ("类别", "产品类别", "产品", "不合格项目 / 违法违规行为", "日期:date", "样品编号"), items,
                       lambda i: ["抽查不合格" if i["type"] == "sample_failed" else "违法违规",
                                  category_label(i["product_category"]), i["product"],
                                  "、".join(i["items"]) if i["type"] == "sample_failed" else _findings(i["items"]),
                                  i["occurred_on"], i["reference"]])
