"""Reader and writer on real files (no database)."""

import zipfile

import pytest
from openpyxl import load_workbook

from prospects.excel.columns import COLUMNS, INSTRUCTIONS_SHEET, SHEET_NAME
from prospects.excel.reader import WorkbookError, check_workbook_file, open_basic_info
from prospects.excel.writer import basic_info_headers, write_basic_info
from tests.prospects.workbooks import HEADERS_2001, row, workbook


def test_header_row_is_found_below_title_rows_and_rows_carry_excel_numbers(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("上海大众"), [], row("中国一汽")],
                    title_rows=[["2002 年汽车制造业客户基本信息表"], ["制表：调研部"]])  # fmt: skip
    sheet = open_basic_info(path)
    assert sheet.header_row == 3
    rows = list(sheet.rows())
    assert [(n, raw["name"]) for n, raw, _cells in rows] == [(4, "上海大众"), (6, "中国一汽")]


def test_unknown_columns_are_reported_with_their_letter(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [[*row("X"), "x"]], headers=[*HEADERS_2001, "备注"])
    sheet = open_basic_info(path)
    assert sheet.unknown == [("Q", "备注")]


def test_missing_company_name_header_is_unusable(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["a"]], headers=["名字"])
    with pytest.raises(WorkbookError, match="公司名称"):
        open_basic_info(path)


def test_not_an_xlsx_is_refused(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("name,revenue\n")
    with pytest.raises(WorkbookError, match="xlsx"):
        check_workbook_file(path)


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path, settings):
    settings.WORKBOOK_MAX_BYTES = 1000
    path = workbook(tmp_path / "a.xlsx", [row(f"公司{i}") for i in range(200)])
    with pytest.raises(WorkbookError, match="MB"):
        open_basic_info(path)


def test_too_many_rows_is_refused(tmp_path, settings):
    settings.WORKBOOK_MAX_ROWS = 5
    path = workbook(tmp_path / "a.xlsx", [row(f"公司{i}") for i in range(6)])
    with pytest.raises(WorkbookError, match="上限 5"):
        open_basic_info(path)


def test_zip_that_inflates_beyond_bound_is_refused(tmp_path, settings):
    settings.WORKBOOK_MAX_BYTES = 2 * 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert path.stat().st_size < settings.WORKBOOK_MAX_BYTES
    with pytest.raises(WorkbookError, match="解压"):
        check_workbook_file(path)


def test_duplicate_column_is_unusable(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [["X", "Y"]], headers=["公司名称", "公司 名称"])
    with pytest.raises(WorkbookError, match="两次"):
        open_basic_info(path)


def test_template_has_exact_headers_dropdowns_formats_and_instructions(tmp_path):
    path = tmp_path / "t.xlsx"
    write_basic_info(path, [], planning_year=2002, segment_labels=["汽车制造业", "电子及通信设备制造业"])
    book = load_workbook(path)
    assert book.sheetnames == [SHEET_NAME, INSTRUCTIONS_SHEET]
    sheet = book[SHEET_NAME]
    assert [c.value for c in sheet[1]] == HEADERS_2001 == basic_info_headers(2002)
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["D2"] == '"大型,中型,小型"'
    assert lists["J2"] == '"高,中,低"'
    assert lists["L2"] == '"国有,合资,民营,外资,其他"'
    assert "汽车制造业" in lists["C2"]
    assert sheet.column_dimensions["E"].number_format == "#,##0.00"
    assert "万元" in "".join(str(c.value) for c in book[INSTRUCTIONS_SHEET]["A"])


def test_text_cells_are_never_formulas(tmp_path):
    path = tmp_path / "x.xlsx"
    dangerous = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "#N/A", '=HYPERLINK("http://x")']
    rows = [[None, text, None, None, None, text] + [None] * (len(COLUMNS) - 6) for text in dangerous]
    write_basic_info(path, rows, planning_year=2002, segment_labels=[])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = load_workbook(path)[SHEET_NAME]
    assert [sheet.cell(row=i + 2, column=2).value for i in range(len(dangerous))] == dangerous
    assert all(sheet.cell(row=i + 2, column=2).data_type == "s" for i in range(len(dangerous)))
    assert [raw["name"] for _n, raw, _c in open_basic_info(path).rows()] == dangerous


def _cells(path):
    sheet = load_workbook(path)[SHEET_NAME]
    return [[(c.value, c.data_type) for c in r] for r in sheet.iter_rows()]


def test_rows_written_as_xml_text_read_back_like_openpyxls_own_cells(tmp_path, monkeypatch):
    """The export writes plain rows as XML text (fast); what a reader sees is what openpyxl's own
    cell writer gives: text as text (escaped, whitespace kept, control characters as U+FFFD),
    numbers as numbers, dates through openpyxl."""
    from datetime import date
    from decimal import Decimal

    from prospects.excel import writer

    texts = [
        "a & b <c> \"d\" 'e'",
        "  前后空格  ",
        "   ",
        "行1\n行2",
        "x\x01y",
        "=1+1",
        "#N/A",
        "中文",
        "0012",
    ]
    numbers = [0, 7, 10**15, Decimal("1234.50"), Decimal("0.01"), Decimal("99999999999999.99"), 2.5]
    width = len(COLUMNS)
    rows = [[t, t, None, None, n] + [None] * (width - 5) for t, n in zip(texts, numbers * 2, strict=False)]
    rows.append([None, "带日期的行", None, None, date(2001, 5, 6)] + [None] * (width - 5))
    rows.append(["", "", None, None, None] + [None] * (width - 5))
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_basic_info(fast, rows, planning_year=2002, segment_labels=["汽车制造业"])
    with zipfile.ZipFile(fast) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 't="inlineStr"><is><t>a &amp; b &lt;c&gt;' in xml  # the text path was taken
    assert "<f>" not in xml and "<f " not in xml
    monkeypatch.setattr(writer, "_stream_plain_rows", lambda sheet, width: False)
    write_basic_info(slow, rows, planning_year=2002, segment_labels=["汽车制造业"])
    assert _cells(fast) == _cells(slow)
    assert _cells(fast)[5][1] == ("x\ufffdy", "s")
    assert _cells(fast)[6][1] == ("=1+1", "s")
