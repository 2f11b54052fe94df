"""import_customers: what it reports (row warnings, values not applied), and its --errors-out
workbook (the input's own layout, checked before importing, removed when nothing is rejected)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from prospects.models import Customer, CustomerFinancials, SegmentClaim
from tests.factories import CustomerFactory
from tests.prospects.workbooks import HEADERS_2001, row, workbook

ZERO = "created=0 updated=0 unchanged=0 errors=0"


def call(*args, **options):
    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines(), err.getvalue()


def command(path, *args):
    return ("import_customers", str(path), "--bu", "MFG", "--segment", "AUTO", "--year", "2002", *args)


# --- A: a row naming a customer outside the user's scope -----------------------------------------


@pytest.fixture
def elec_customer(org):
    return CustomerFactory(unit=org.unit, segment=org.elec, number="MFG-00012", name="华为", location="深圳")


def test_values_of_a_customer_outside_the_scope_are_reported_as_not_applied(
    org, segmgr, elec_customer, tmp_path
):
    path = workbook(tmp_path / "a.xlsx", [row("华为", location="北京")])
    code, out, err = call(*command(path, "--as", "segmgr"))
    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=1 errors=0")  # summary as the contract says
    warnings = [line for line in err.splitlines() if line.startswith("row 2: warning: ")]
    assert len(warnings) == 2, err
    overlap, ignored = warnings
    assert "电子及通信设备制造业" in overlap and "汽车制造业" in overlap and "重叠" in overlap
    assert "MFG-00012" in ignored and "华为" in ignored and "不在您可以修改的范围内" in ignored
    assert "公司地点" in ignored and "不会写入" in ignored
    elec_customer.refresh_from_db()
    assert elec_customer.location == "深圳"
    assert SegmentClaim.objects.filter(customer=elec_customer, segment=org.auto, year=2002).exists()


def test_verbose_outcome_line_names_the_values_not_applied(org, segmgr, elec_customer, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("华为", location="北京", employees=500)])
    code, out, err = call(*command(path, "--as", "segmgr"), verbosity=2)
    assert code == 0
    assert "row 2: unchanged MFG-00012 华为 (not applied: 公司地点、员工人数)" in out
    assert "row 2: warning: " in err


def test_same_values_outside_the_scope_give_only_the_overlap_warning(org, segmgr, elec_customer, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("华为", location="深圳")])
    code, out, err = call(*command(path, "--as", "segmgr"))
    assert (code, out[-1]) == (0, "created=0 updated=0 unchanged=1 errors=0")
    warnings = [line for line in err.splitlines() if line.startswith("row 2: warning: ")]
    assert len(warnings) == 1 and "重叠" in warnings[0] and "不会写入" not in err


def test_row_warnings_and_row_errors_come_in_row_order(org, segmgr, elec_customer, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("坏", attitude="很高"), row("华为", location="北京")])
    code, _out, err = call(*command(path, "--as", "segmgr", "--partial"))
    assert code == 1
    rows = [line.split(":")[0] for line in err.splitlines() if line.startswith("row ")]
    assert rows == ["row 2", "row 3", "row 3"]


def test_the_import_preview_shows_the_values_not_applied(
    as_user, org, segmgr, elec_customer, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = as_user(segmgr)
    path = workbook(tmp_path / "a.xlsx", [row("华为", location="北京")])
    with path.open("rb") as handle:
        response = client.post(reverse("prospects:import_upload"),
                               {"unit": org.unit.pk, "segment": org.auto.pk, "year": 2002, "file": handle})  # fmt: skip
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "不在您可以修改的范围内" in body and "公司地点" in body and "重叠" in body


# --- B: the rejected-rows workbook keeps the input's own layout ------------------------------------


def _own_layout(path, rows, *, first_col=0, title_rows=()):
    """序号 in front, 备注 at the end, figures headed with 2000 (not the planning year's 2001)."""
    headers = ["序号", *(h.replace("2001", "2000") for h in HEADERS_2001), "备注"]
    book = Workbook()
    sheet = book.active
    sheet.title = "客户基本信息表"
    for title in title_rows:
        sheet.append([None] * first_col + list(title))
    for values in [headers, *rows]:
        sheet.append([None] * first_col + list(values))
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    book.save(path)
    return headers


def test_errors_out_keeps_the_inputs_headers_and_cells_so_a_fix_means_the_same(org, admin_user, tmp_path):
    good = [1, *row("好公司", revenue=100), "第一行"]
    bad = [
        2,
        *row("年份测试甲", revenue=500, employees="abc", competitors="=IBM+HP", source="+86 021"),
        "注意",
    ]
    headers = _own_layout(tmp_path / "in.xlsx", [good, bad])
    out = tmp_path / "err.xlsx"
    code, lines, err = call(*command(tmp_path / "in.xlsx", "--partial", "--errors-out", str(out)))
    assert (code, lines[-1]) == (1, "created=1 updated=0 unchanged=0 errors=1")
    assert f"rejected rows written to {out}" in err

    book = load_workbook(out)
    assert book.sheetnames[0] == "客户基本信息表"
    sheet = book["客户基本信息表"]
    assert [c.value for c in sheet[1]] == [*headers, "错误原因"]  # 序号 and 备注 kept, 2000 stays 2000
    written = [c.value for c in sheet[2]]
    assert written[:-1] == [2, *row("年份测试甲", revenue=500, employees="abc", competitors="=IBM+HP",
                                    source="+86 021"), "注意"]  # fmt: skip
    assert "第 3 行" in written[-1] and "员工人数" in written[-1]
    competitors = sheet.cell(row=2, column=headers.index("竞争对手信息") + 1)
    assert competitors.data_type == "s"  # text, never a formula
    assert sheet.max_row == 2

    sheet.cell(row=2, column=headers.index("员工人数") + 1).value = 120  # the user fixes the one cell
    book.save(tmp_path / "fixed.xlsx")
    code, lines, _err = call(*command(tmp_path / "fixed.xlsx"))
    assert (code, lines[-1]) == (0, "created=1 updated=0 unchanged=0 errors=0")
    customer = Customer.objects.get(name="年份测试甲")
    assert (customer.employees, customer.competitors, customer.source) == (120, "=IBM+HP", "+86 021")
    figures = CustomerFinancials.objects.get(customer=customer)
    assert (figures.year, figures.revenue) == (2000, Decimal(500))  # the year of the original header


def test_errors_out_keeps_the_column_letters_of_a_sheet_that_starts_further_right(org, admin_user, tmp_path):
    headers = _own_layout(
        tmp_path / "in.xlsx", [[7, *row("坏", attitude="很高"), None]], first_col=2, title_rows=[["客户清单"]]
    )
    out = tmp_path / "err.xlsx"
    code, _lines, _err = call(*command(tmp_path / "in.xlsx", "--errors-out", str(out)))
    assert code == 1
    sheet = load_workbook(out)["客户基本信息表"]
    assert [c.value for c in sheet[1]] == [None, None, *headers, "错误原因"]
    assert sheet["C2"].value == 7 and sheet["E2"].value == "坏" and sheet["M2"].value == "很高"


def test_an_errors_file_imported_again_keeps_one_error_column_with_the_new_reason(org, admin_user, tmp_path):
    workbook(tmp_path / "in.xlsx", [row("坏", attitude="很高")])
    first, second = tmp_path / "err1.xlsx", tmp_path / "err2.xlsx"
    assert call(*command(tmp_path / "in.xlsx", "--errors-out", str(first)))[0] == 1
    book = load_workbook(first)
    book["客户基本信息表"]["J2"] = "高"  # fixes the attitude …
    book["客户基本信息表"]["E2"] = "1.234"  # … and breaks the revenue
    book.save(first)
    assert call(*command(first, "--errors-out", str(second)))[0] == 1
    sheet = load_workbook(second)["客户基本信息表"]
    headers = [c.value for c in sheet[1]]
    assert headers == [*HEADERS_2001, "错误原因"]
    reason = sheet.cell(row=2, column=len(headers)).value
    assert "公司营业额(2001)" in reason and "积极态度" not in reason


# --- C: an unusable --errors-out is refused before anything is imported ---------------------------


@pytest.mark.parametrize(
    "target",
    ["{tmp}/missing/err.xlsx", "{tmp}/err.csv", "{tmp}/a_file/err.xlsx", "{tmp}/a_dir.xlsx", "{input}"],
)
def test_unusable_errors_out_exits_2_before_importing(org, admin_user, tmp_path, target):
    source = workbook(
        tmp_path / "in.xlsx", [row("写入测试甲", revenue=100), row("写入测试乙", revenue="abc")]
    )
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "a_dir.xlsx").mkdir()
    before = source.read_bytes()
    target = target.format(tmp=tmp_path, input=source)
    code, lines, err = call(*command(source, "--partial", "--errors-out", target))
    assert (code, lines[-1]) == (2, ZERO)
    assert "--errors-out" in err and "Traceback" not in err
    assert not Customer.objects.exists()
    assert source.read_bytes() == before


def test_a_failed_write_of_the_errors_file_is_reported_and_keeps_the_earlier_file(
    org, admin_user, tmp_path, monkeypatch
):
    def disk_full(*, target, **_kwargs):
        with open(target, "wb") as handle:
            handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("prospects.management.commands.import_customers.rejected_rows_write", disk_full)
    source = workbook(tmp_path / "in.xlsx", [row("好", revenue=100), row("坏", revenue="abc")])
    out = tmp_path / "err.xlsx"
    out.write_bytes(b"earlier")
    code, lines, err = call(*command(source, "--partial", "--errors-out", str(out)))
    assert (code, lines[-1]) == (1, "created=1 updated=0 unchanged=0 errors=1")
    assert "could not write the rejected rows" in err and "No space left" in err
    assert out.read_bytes() == b"earlier" and sorted(p.name for p in tmp_path.iterdir()) == [
        "err.xlsx",
        "in.xlsx",
    ]


# --- D: nothing rejected ---------------------------------------------------------------------------


def test_no_rejected_rows_removes_a_stale_errors_file(org, admin_user, tmp_path):
    source = workbook(tmp_path / "in.xlsx", [row("好", revenue=100)])
    out = tmp_path / "err.xlsx"
    out.write_bytes(b"stale")
    code, lines, err = call(*command(source, "--errors-out", str(out)))
    assert (code, lines[-1]) == (0, "created=1 updated=0 unchanged=0 errors=0")
    assert "no rejected rows" in err and not out.exists()


def test_no_rejected_rows_and_no_earlier_file_writes_nothing(org, admin_user, tmp_path):
    source = workbook(tmp_path / "in.xlsx", [row("好", revenue=100)])
    out = tmp_path / "err.xlsx"
    code, _lines, err = call(*command(source, "--dry-run", "--errors-out", str(out)))
    assert code == 0 and "no rejected rows" in err and not out.exists()


class _Problem(str):
    """A str subclass, as the reader hands over a cell it cannot read (an uncalculated formula)."""


@pytest.mark.parametrize("streaming", [True, False])
def test_rows_as_given_are_written_as_text_never_as_formulas(tmp_path, monkeypatch, streaming):
    from prospects.excel import writer

    if not streaming:  # the path taken when openpyxl writes with lxml
        monkeypatch.setattr(writer, "_stream_plain_rows", lambda sheet, width: False)
    texts = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "#N/A", _Problem("=B2*2"), "a\x01b"]
    out = tmp_path / "x.xlsx"
    count = writer.write_rows_as_given(
        out, ["=HEAD", "公司名称", None, *(f"列{i}" for i in range(len(texts) - 3))], [[*texts, 5]],
        planning_year=2002, segment_labels=[], positions={"name": 1},
    )  # fmt: skip
    assert count == 1
    sheet = load_workbook(out)["客户基本信息表"]
    assert sheet["A1"].value == "=HEAD" and sheet["A1"].data_type == "s" and sheet["C1"].value is None
    cells = list(sheet[2])
    assert [c.value for c in cells] == [*texts[:-1], "a\ufffdb"]  # 5 lies beyond the header: left out
    assert all(c.data_type == "s" for c in cells)
