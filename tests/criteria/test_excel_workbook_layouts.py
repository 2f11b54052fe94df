"""The criteria-version workbook read back from hand-edited files: title rows above the header,
header spelling, optional sheets left out, blank rows, and the per-row errors that name the sheet
and the Excel row (bad dimension, weight, JSON rule, tier, cadence, settings value, quota); and
the whole-file refusals (missing sheet or header, too many rows, too large, a zip bomb)."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from criteria import excel
from criteria.excel import (
    CRITERIA_HEADERS,
    CRITERIA_SHEET,
    PRINCIPLE_HEADERS,
    PRINCIPLES_SHEET,
    SEGMENT_HEADERS,
    SEGMENTS_SHEET,
    SETTINGS_HEADERS,
    SETTINGS_SHEET,
    WorkbookUnusable,
    version_workbook,
    version_workbook_read,
)
from criteria.services.versions import version_create, version_principles_set
from prioritization.tiers import Tier

GOOD_CRITERIA = [
    ["吸引力", 1, "财务业绩", "Financials", 60, "营业额", "看年报", ""],
    ["吸引力", 2, "IT支出", "IT spend", 40, "", "", ""],
    ["可行性", 1, "地理位置", "Location", 100, "", "", ""],
]


def _book(sheets: dict) -> bytes:
    """An xlsx with one sheet per (title → list of rows), in the given order."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _criteria_only(rows=GOOD_CRITERIA, headers=CRITERIA_HEADERS) -> bytes:
    return _book({CRITERIA_SHEET: [headers, *rows]})


# --- whole-file refusals ---------------------------------------------------------------------------
def test_a_workbook_without_the_criteria_sheet_is_refused_naming_the_sheet():
    data = _book({"Sheet1": [CRITERIA_HEADERS, *GOOD_CRITERIA]})
    with pytest.raises(WorkbookUnusable, match=f"缺少工作表 {CRITERIA_SHEET}"):
        version_workbook_read(data)


def test_a_sheet_without_its_header_in_the_first_ten_rows_is_refused_listing_the_headers():
    rows = [[f"说明第{n}行"] for n in range(10)] + [CRITERIA_HEADERS, *GOOD_CRITERIA]
    with pytest.raises(WorkbookUnusable) as refused:
        version_workbook_read(_book({CRITERIA_SHEET: rows}))
    message = str(refused.value)
    assert f"工作表 {CRITERIA_SHEET} 的前 10 行中找不到表头" in message
    assert "维度 · 顺序 · 标准名称" in message


def test_a_header_missing_one_or_two_columns_is_refused_naming_them():
    headers = [h for h in CRITERIA_HEADERS if h not in ("说明", "评判方法")]
    rows = [[r[0], r[1], r[2], r[3], r[4], r[7]] for r in GOOD_CRITERIA]
    with pytest.raises(WorkbookUnusable, match=f"工作表 {CRITERIA_SHEET} 缺少表头：说明、评判方法"):
        version_workbook_read(_book({CRITERIA_SHEET: [headers, *rows]}))


def test_a_header_missing_three_columns_is_not_recognised_as_the_header():
    headers = CRITERIA_HEADERS[:5]
    with pytest.raises(WorkbookUnusable, match="前 10 行中找不到表头"):
        version_workbook_read(_book({CRITERIA_SHEET: [headers, ["吸引力", 1, "财务业绩", "", 100]]}))


def test_an_optional_sheet_with_a_broken_header_is_refused_too():
    data = _book(
        {
            CRITERIA_SHEET: [CRITERIA_HEADERS, *GOOD_CRITERIA],
            SEGMENTS_SHEET: [["细分市场代码", "细分市场", "大型配额"], ["AUTO", "汽车", 1]],
        }
    )
    with pytest.raises(WorkbookUnusable, match=f"工作表 {SEGMENTS_SHEET} 缺少表头：中型配额、小型配额"):
        version_workbook_read(data)


def test_a_sheet_longer_than_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    rows = [CRITERIA_HEADERS, *[["吸引力", n, f"标准{n}", "", 10, "", "", ""] for n in range(5)]]
    with pytest.raises(WorkbookUnusable, match=f"工作表 {CRITERIA_SHEET} 超过 5 行"):
        version_workbook_read(_book({CRITERIA_SHEET: rows}))
    # exactly at the limit (header + 4 rows) is read
    content, errors = version_workbook_read(_book({CRITERIA_SHEET: rows[:5]}))
    assert not errors and len(content["criteria"]) == 4


def test_a_file_over_two_megabytes_is_refused_before_opening():
    with pytest.raises(WorkbookUnusable, match="文件过大（最大 2 MB）"):
        version_workbook_read(b"x" * (excel.MAX_BYTES + 1))


def test_a_zip_bomb_is_refused_by_its_declared_sizes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert len(out.getvalue()) < excel.MAX_BYTES
    with pytest.raises(WorkbookUnusable, match="工作簿解压后过大"):
        version_workbook_read(out.getvalue())


def test_a_zip_that_is_not_a_workbook_gets_the_importers_own_message():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(WorkbookUnusable, match="文件不是有效的 xlsx 工作簿"):
        version_workbook_read(out.getvalue())


# --- layout tolerance ------------------------------------------------------------------------------
def test_title_rows_above_the_header_and_blank_rows_are_skipped_and_rows_keep_their_excel_numbers():
    rows = [
        ["维度", None, "吸引力/可行性"],  # a note naming one header is not taken for the header
        [None],
        CRITERIA_HEADERS,
        GOOD_CRITERIA[0],
        [None, None, None, None, None, None, None, None],
        ["", "", "", "", "", "", "", ""],
        GOOD_CRITERIA[1],
        ["可行", 1, "坏维度", "", 10, "", "", ""],
    ]
    content, errors = version_workbook_read(_book({CRITERIA_SHEET: rows}))
    assert [c["name"] for c in content["criteria"]] == ["财务业绩", "IT支出"]
    assert errors == [f"{CRITERIA_SHEET} 第 8 行：维度“可行”应为 吸引力 或 可行性"]


def test_headers_match_with_spaces_line_breaks_and_full_width_brackets_in_any_column_order():
    headers = [" 标准名称 ", "维度", "权重（%）", "英文\n名称", "顺序", "说明", "评判方法", "量化 规则"]
    rows = [
        ["地理位置", "可行性", 100, "Location", 1, "", "", ""],
        ["财务业绩", "吸引力", "100", "Financials", 1, "说明", "方法", ""],
    ]
    content, errors = version_workbook_read(_book({CRITERIA_SHEET: [headers, *rows]}))
    assert not errors
    assert [(c["dimension"], c["name"], c["name_en"], c["weight"]) for c in content["criteria"]] == [
        ("attractiveness", "财务业绩", "Financials", 100),
        ("feasibility", "地理位置", "Location", 100),
    ]


def test_dimensions_are_read_in_chinese_or_as_their_english_codes():
    rows = [
        ["attractiveness", 1, "财务业绩", "", 100, "", "", ""],
        ["feasibility", 1, "地理位置", "", 100, "", "", ""],
    ]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert not errors
    assert [c["dimension"] for c in content["criteria"]] == ["attractiveness", "feasibility"]


def test_criteria_are_ordered_attractiveness_first_then_by_order_or_by_row_without_one():
    rows = [
        ["可行性", 2, "可行二", "", 50, "", "", ""],
        ["吸引力", "", "无顺序", "", 20, "", "", ""],  # row 3: ordered by its row number
        ["可行性", 1, "可行一", "", 50, "", "", ""],
        ["吸引力", 1, "吸引一", "", 80, "", "", ""],
    ]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert not errors
    assert [c["name"] for c in content["criteria"]] == ["吸引一", "无顺序", "可行一", "可行二"]
    assert all("_order" not in c for c in content["criteria"])


def test_weights_are_read_with_thousands_separators_and_full_width_digits_and_blank_is_none():
    rows = [
        ["吸引力", 1, "甲", "", "１００", "", "", ""],
        ["吸引力", 2, "乙", "", "1,0", "", "", ""],
        ["吸引力", 3, "丙", "", None, "有说明", "", ""],
    ]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert not errors
    assert [c["weight"] for c in content["criteria"]] == [100, 10, None]


def test_a_rule_is_read_as_json():
    rule = {"kind": "bands", "bands": [[0, 3], [100, 8]]}
    rows = [["吸引力", 1, "财务业绩", "", 100, "", "", json.dumps(rule, ensure_ascii=False)]]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert not errors and content["criteria"][0]["rule"] == rule


def test_only_the_criteria_sheet_leaves_principles_settings_and_segments_unchanged():
    content, errors = version_workbook_read(_criteria_only())
    assert not errors
    assert content["principles"] is None and content["settings"] is None and content["segments"] is None


# --- per-row errors naming the sheet and the Excel row --------------------------------------------
@pytest.mark.parametrize(
    ("weight", "shown"),
    # text "40%" is a whole percentage (accepted since QA2 item 9); "12.5%" is not
    [("四十", "四十"), (12.5, "12.5"), ("12.5%", "12.5%")],
)
def test_a_weight_that_is_not_a_whole_percentage_is_an_error_at_its_row(weight, shown):
    rows = [GOOD_CRITERIA[0], ["吸引力", 2, "IT支出", "", weight, "", "", ""], GOOD_CRITERIA[2]]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert errors == [f"{CRITERIA_SHEET} 第 3 行：权重“{shown}”必须是整数百分比"]
    assert [c["name"] for c in content["criteria"]] == ["财务业绩", "地理位置"]


def test_a_rule_that_is_not_json_is_an_error_at_its_row():
    rows = [GOOD_CRITERIA[0], GOOD_CRITERIA[1], ["可行性", 1, "地理位置", "", 100, "", "", "{bands: 1"]]
    content, errors = version_workbook_read(_criteria_only(rows))
    assert errors == [f"{CRITERIA_SHEET} 第 4 行：量化规则不是有效的 JSON"]
    assert len(content["criteria"]) == 2


def test_every_bad_row_of_every_sheet_is_reported_at_once():
    data = _book(
        {
            CRITERIA_SHEET: [
                CRITERIA_HEADERS,
                ["", 1, "无维度", "", 10, "", "", ""],
                ["吸引力", 1, "财务业绩", "", 100, "", "", ""],
            ],
            PRINCIPLES_SHEET: [
                PRINCIPLE_HEADERS,
                ["一级", "战略客户", "高层拜访", 30, "季度会"],
                ["四级", "不存在", "", 10, ""],
                ["二级", "重点客户", "", "每月", ""],
            ],
            SETTINGS_SHEET: [SETTINGS_HEADERS, ["吸引力阈值", "高"], ["一级客户容量", 2.5]],
            SEGMENTS_SHEET: [SEGMENT_HEADERS, ["AUTO", "汽车", 1, "很多", 1], ["ELEC", "电子", 1, 2, 3]],
        }
    )
    content, errors = version_workbook_read(data)
    assert errors == [
        f"{CRITERIA_SHEET} 第 2 行：维度“”应为 吸引力 或 可行性",
        f"{PRINCIPLES_SHEET} 第 3 行：级别应为 一级/二级/三级/不考虑",
        f"{PRINCIPLES_SHEET} 第 4 行：联系频率必须是整数天数",
        f"{SETTINGS_SHEET} 第 2 行：“高”不是数字",
        f"{SETTINGS_SHEET} 第 3 行：容量“2.5”须为整数",
        f"{SEGMENTS_SHEET} 第 2 行：配额必须是整数",
    ]
    # the good rows are still read (the service applies nothing when there are errors)
    assert [c["name"] for c in content["criteria"]] == ["财务业绩"]
    assert content["principles"] == {
        Tier.TIER1: {
            "name": "战略客户",
            "service_principle": "高层拜访",
            "contact_cadence_days": 30,
            "expected_actions": "季度会",
        }
    }
    assert content["settings"] == {}
    assert content["segments"] == [(3, "ELEC", {"quota_large": 1, "quota_medium": 2, "quota_small": 3})]


# --- the optional sheets ---------------------------------------------------------------------------
def test_settings_rows_are_matched_by_label_unknown_labels_ignored_and_blank_values_kept_only_for_capacity():
    data = _book(
        {
            CRITERIA_SHEET: [CRITERIA_HEADERS, *GOOD_CRITERIA],
            SETTINGS_SHEET: [
                ["阈值与规模（请勿修改项目名称）"],
                SETTINGS_HEADERS,
                ["吸引力 阈值", "6.5"],
                ["可行性阈值", None],  # blank threshold: left as it is
                ["一级客户容量", "1,200"],
                ["二级客户容量", None],  # blank capacity: no limit
                ["三级客户容量", 40],
                ["大型客户营业额下限（万元）", 150000],
                ["备注", "不是设置"],
            ],
        }
    )
    content, errors = version_workbook_read(data)
    assert not errors
    assert content["settings"] == {
        "attractiveness_threshold": Decimal("6.5"),
        "capacity_tier1": 1200,
        "capacity_tier2": None,
        "capacity_tier3": 40,
        "large_min": Decimal("150000"),
    }


def test_principle_cadence_may_be_blank_and_segments_use_code_or_name_with_blank_quotas_as_zero():
    data = _book(
        {
            CRITERIA_SHEET: [CRITERIA_HEADERS, *GOOD_CRITERIA],
            PRINCIPLES_SHEET: [PRINCIPLE_HEADERS, ["不考虑", "暂不考虑", "", None, ""]],
            SEGMENTS_SHEET: [
                SEGMENT_HEADERS,
                ["", "电子及通信设备制造业", 5, None, ""],
                ["AUTO", "", 1, 2, 3],
            ],
        }
    )
    content, errors = version_workbook_read(data)
    assert not errors
    assert content["principles"] == {
        Tier.NO: {
            "name": "暂不考虑",
            "service_principle": "",
            "contact_cadence_days": None,
            "expected_actions": "",
        }
    }
    assert content["segments"] == [
        (2, "电子及通信设备制造业", {"quota_large": 5, "quota_medium": 0, "quota_small": 0}),
        (3, "AUTO", {"quota_large": 1, "quota_medium": 2, "quota_small": 3}),
    ]


# --- writing ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_written_workbook_has_every_sheet_headers_tiers_in_order_and_reads_back_the_same(org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2030)
    principles = {
        tier: {"name": f"原则{n}", "service_principle": "-先打电话", "contact_cadence_days": 10 * (n + 1),
               "expected_actions": "@拜访"}
        for n, tier in enumerate(Tier)
    }  # fmt: skip
    version_principles_set(actor=buvp, version=version, principles=principles)
    data = version_workbook(version)

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [CRITERIA_SHEET, PRINCIPLES_SHEET, SETTINGS_SHEET, SEGMENTS_SHEET]
    assert [c.value for c in wb[CRITERIA_SHEET][1]] == CRITERIA_HEADERS
    assert [c.value for c in wb[SEGMENTS_SHEET][1]] == SEGMENT_HEADERS
    assert all(ws.freeze_panes == "A2" for ws in wb.worksheets)
    ws = wb[PRINCIPLES_SHEET]
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == ["一级", "二级", "三级", "不考虑"]
    # text that looks like a formula is stored as text
    assert ws["C2"].value == "-先打电话" and ws["C2"].data_type == "s"
    assert ws["E2"].value == "@拜访" and ws["E2"].data_type == "s"
    settings = {r[0].value: r[1].value for r in wb[SETTINGS_SHEET].iter_rows(min_row=2)}
    assert settings["一级客户容量"] == version.capacity_tier1
    assert settings["中型客户营业额下限(万元)"] == version.medium_min

    content, errors = version_workbook_read(data)
    assert not errors
    assert content["principles"] == principles
    expected = sorted(version.criteria.all(), key=lambda c: (c.dimension != "attractiveness", c.order, c.pk))
    assert [(c["name"], c["weight"], c["rule"]) for c in content["criteria"]] == [
        (c.name, c.weight, c.rule) for c in expected
    ]
    assert content["segments"] == []
