"""The basic-info import on workbooks as Excel, WPS and people's habits make them: error values and
formulas with no saved result, cells merged down over rows, formatting far below the data, pasted
invisible characters, full-width names, a sheet name with a trailing space, and the round trip of
what was typed in the browser."""

import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook
from openpyxl.styles import Border, Side

from prioritization.models import Role
from prospects.excel.reader import ErrorValue, UncalculatedFormula, open_basic_info
from prospects.models import Customer, CustomerFinancials, ListEntry
from prospects.services.customers import customer_create, customer_financials_set, customer_update
from tests.factories import UserFactory, grant
from tests.prospects.test_commands import call
from tests.prospects.workbooks import HEADERS_2001, row, workbook

ARGS = ("--bu", "MFG", "--segment", "AUTO", "--year", "2002")


def patch_cells(path, cells: dict[str, str]):
    """Replace cells of the first sheet by raw XML (what Excel saves: cached error values, formulas)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = members[name].decode()
    for ref, cell in cells.items():
        xml, count = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', cell, xml, count=1)
        assert count == 1, ref
    members[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_error_values_and_uncalculated_formulas_are_row_errors_naming_the_column(org, admin_user, tmp_path):
    path = workbook(
        tmp_path / "f.xlsx",
        [row("公式甲", revenue=1, employees=1), row("公式乙"), row("好公司", revenue=5)],
    )
    patch_cells(
        path,
        {
            "E2": '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
            "M2": '<c r="M2" t="e"><f>VLOOKUP(1,A:A,2,0)</f><v>#N/A</v></c>',
            "B3": '<c r="B3"><f>B2&amp;"分公司"</f><v/></c>',
        },
    )
    sheet = open_basic_info(path)
    rows = {n: raw for n, raw, _cells in sheet.rows()}
    assert isinstance(rows[2]["revenue"], ErrorValue) and rows[2]["revenue"] == "#DIV/0!"
    assert isinstance(rows[3]["name"], UncalculatedFormula) and rows[3]["name"] == '=B2&"分公司"'

    code, last, err = call("import_customers", str(path), *ARGS)
    assert (code, last) == (1, "created=1 updated=0 unchanged=0 errors=2")
    assert "row 2" in err and "#DIV/0!" in err and "#N/A" in err and "员工人数" in err
    assert "row 3" in err and "没有计算结果" in err
    assert not Customer.objects.exists()  # nothing half-written


def test_a_last_row_of_uncalculated_formulas_only_is_not_dropped(org, admin_user, tmp_path):
    path = workbook(tmp_path / "f.xlsx", [row("甲公司"), row("占位")])
    patch_cells(path, {"B3": '<c r="B3"><f>B2&amp;"二厂"</f></c>'})
    code, last, err = call("import_customers", str(path), *ARGS, "--partial")
    assert (code, last) == (1, "created=1 updated=0 unchanged=0 errors=1")
    assert "row 3" in err and "B2&" in err
    assert list(Customer.objects.values_list("name", flat=True)) == ["甲公司"]


def test_an_empty_text_result_of_a_calculated_formula_is_an_empty_cell(org, admin_user, tmp_path):
    path = workbook(tmp_path / "f.xlsx", [row("甲公司", location="占位")])
    patch_cells(path, {"F2": '<c r="F2" t="str"><f>IF(1=1,"","x")</f><v></v></c>'})
    assert call("import_customers", str(path), *ARGS)[:2] == (0, "created=1 updated=0 unchanged=0 errors=0")
    assert Customer.objects.get().location == ""


def test_a_cell_merged_down_over_rows_applies_to_each_row(org, admin_user, tmp_path):
    path = tmp_path / "m.xlsx"
    workbook(
        path, [row("合并甲", segment="ELEC", ownership="民营"), row("合并乙"), row("合并丙"), row("下一家")]
    )
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active.merge_cells("C2:C4")
    book.active.merge_cells("L2:L4")
    book.save(path)
    assert call("import_customers", str(path), *ARGS)[:2] == (0, "created=4 updated=0 unchanged=0 errors=0")
    got = {c.name: (c.segment.code, c.ownership) for c in Customer.objects.select_related("segment")}
    assert got == {
        "合并甲": ("ELEC", "private"),
        "合并乙": ("ELEC", "private"),
        "合并丙": ("ELEC", "private"),
        "下一家": ("AUTO", ""),
    }


def test_formatting_far_below_the_data_is_not_counted_as_rows(org, admin_user, tmp_path, settings):
    settings.WORKBOOK_MAX_ROWS = 1000
    book = Workbook()
    sheet = book.active
    sheet.title = "客户基本信息表"
    sheet.append(HEADERS_2001)
    sheet.append(row("格式甲", revenue=100))
    border = Border(left=Side(style="thin"))
    for line in range(3, 5001):
        sheet.cell(line, 2).border = border
    path = tmp_path / "styled.xlsx"
    book.save(path)
    assert call("import_customers", str(path), *ARGS)[:2] == (0, "created=1 updated=0 unchanged=0 errors=0")


def test_a_sheet_name_with_a_trailing_space_is_the_basic_info_sheet(org, admin_user, tmp_path):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["请按表填写"])
    sheet = book.create_sheet("客户基本信息表 ")
    sheet.append(HEADERS_2001)
    sheet.append(row("空格表公司"))
    path = tmp_path / "s.xlsx"
    book.save(path)
    assert call("import_customers", str(path), *ARGS)[:2] == (0, "created=1 updated=0 unchanged=0 errors=0")


def test_pasted_invisible_characters_neither_duplicate_nor_hide_a_company(org, admin_user, tmp_path):
    first = workbook(tmp_path / "a.xlsx", [row("上海大众")])
    assert call("import_customers", str(first), *ARGS)[0] == 0
    path = workbook(
        tmp_path / "b.xlsx",
        [row("上海大众\u200b", revenue="1234\u200b"), row("\ufeff一汽大众"), row("\u200b", location="x")],
    )
    code, last, err = call("import_customers", str(path), *ARGS, "--partial")
    assert (code, last) == (1, "created=1 updated=1 unchanged=0 errors=1")
    assert "row 4" in err and "公司名称必填" in err
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["一汽大众", "上海大众"]
    assert CustomerFinancials.objects.get(customer__name="上海大众").revenue == Decimal("1234")


def test_full_width_brackets_in_a_name_are_kept_and_still_match(org, admin_user, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("中国第一汽车集团（中国）有限公司")])
    assert call("import_customers", str(path), *ARGS)[0] == 0
    assert Customer.objects.get().name == "中国第一汽车集团（中国）有限公司"
    half = workbook(tmp_path / "b.xlsx", [row("中国第一汽车集团(中国)有限公司")])
    assert call("import_customers", str(half), *ARGS)[1] == "created=0 updated=0 unchanged=1 errors=0"
    # The same company (matched by name, so the stored spelling stays).
    assert Customer.objects.get().name == "中国第一汽车集团（中国）有限公司"


def test_what_is_typed_in_the_browser_exports_and_imports_back_unchanged(org, admin_user, tmp_path):
    customer = customer_create(
        actor=admin_user, unit=org.unit, segment=org.auto, name="  ＴＣＬ  东风\u200b（中国） "
    )
    customer = customer_update(
        actor=admin_user, customer=customer, competitors="IBM\r\nHP\r\n", location="上海\u200b"
    )
    customer_financials_set(actor=admin_user, customer=customer, year=2001, revenue=Decimal("250000"))
    ListEntry.objects.create(customer=customer, year=2002)
    customer.refresh_from_db()
    assert (customer.name, customer.competitors, customer.location) == (
        "ＴＣＬ 东风（中国）",
        "IBM\nHP",
        "上海",
    )
    assert customer.size_class == "large"  # derived from the revenue, as the import would
    customer = customer_update(actor=admin_user, customer=customer, size_class="")
    assert customer.size_class == "large"  # cleared: derived again, the import's rule

    out = tmp_path / "out.xlsx"
    assert call("export_customers", str(out), "--bu", "MFG", "--year", "2002")[0] == 0
    code, last, _err = call("import_customers", str(out), *ARGS)
    assert (code, last) == (0, "created=0 updated=0 unchanged=1 errors=0")


def test_a_duplicate_name_outside_the_users_scope_is_not_disclosed(org, admin_user):
    from django.core.exceptions import ValidationError

    segmgr2 = UserFactory(username="segmgr2")
    grant(segmgr2, Role.SEGMENT_MANAGER, org.elec)

    customer_create(actor=admin_user, unit=org.unit, segment=org.auto, name="一汽金杯")
    with pytest.raises(ValidationError) as refused:
        customer_create(actor=segmgr2, unit=org.unit, segment=org.elec, name="一汽金杯")
    text = " ".join(refused.value.messages)
    assert "同名客户" in text and "一汽金杯" not in text and "MFG-" not in text
    with pytest.raises(ValidationError, match="MFG-"):
        customer_create(actor=admin_user, unit=org.unit, segment=org.elec, name="一汽金杯 ")
