"""The stage 2.3.3 commands: arguments, exit codes and last lines per INTERFACES.md."""

from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from prioritization.models import Scorecard, Target
from prioritization.services.workbooks import TIER_HEADERS
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def fill(path, rows):
    """Fill the exported sheet: rows maps 公司名称 → list of 8 values."""
    wb = load_workbook(path)
    ws = wb["评分表"]
    for r in range(2, ws.max_row + 1):
        name = ws.cell(row=r, column=2).value
        for i, value in enumerate(rows.get(name, [])):
            ws.cell(row=r, column=3 + i, value=value)
    wb.save(path)


def test_scoresheet_round_trip_records_scores_and_score_command_reports(ctx, tmp_path):
    path = tmp_path / "sheet.xlsx"
    assert (
        run(
            "export_scoresheet",
            str(path),
            "--bu",
            "MFG",
            "--segment",
            "AUTO",
            "--year",
            str(YEAR),
            "--as",
            "segmgr",
        )[-1]
        == "exported=2"
    )
    ws = load_workbook(path)["评分表"]
    headers = [c.value for c in ws[1]]
    assert headers == [
        "客户编号",
        "公司名称",
        "财务业绩",
        "IT支出",
        "声誉和内部管理",
        "地理位置",
        "与我司现有关系",
        "与竞争对手关系",
        "对我司IT服务的态度",
        "我司自身执行能力",
        "评估人",
        "评估日期",
    ]
    assert ws.data_validations.dataValidation[0].formula1 == "1"
    fill(path, {"上海大众": [8, 8, 8, 8, 8, 8, 8, 7.5], "中国一汽": [3, 3, 3, 3, None, 3, 3, 3]})
    assert (
        run(
            "import_scores",
            str(path),
            "--bu",
            "MFG",
            "--year",
            str(YEAR),
            "--evaluator",
            "segmgr",
            "--dry-run",
        )[-1]
        == "scored=2 errors=0"
    )
    assert not Scorecard.objects.exists()
    assert (
        run("import_scores", str(path), "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr")[-1]
        == "scored=2 errors=0"
    )
    assert Scorecard.objects.filter(evaluator__username="segmgr").count() == 15
    assert Target.objects.get(customer=ctx.customers.owned).proposed_tier == "tier1"
    line = run("score", "--bu", "MFG", "--year", str(YEAR))[-1]
    assert line == "scored=3 tier1=1 tier2=0 tier3=0 no=0 incomplete=2"
    assert (
        run("score", "--bu", "MFG", "--year", str(YEAR), "--segment", "ELEC")[-1]
        == "scored=1 tier1=0 tier2=0 tier3=0 no=0 incomplete=1"
    )


def test_invalid_rows_exit_1_and_write_nothing_unless_partial(ctx, tmp_path):
    path = tmp_path / "sheet.xlsx"
    run("export_scoresheet", str(path), "--bu", "MFG", "--segment", "AUTO", "--year", str(YEAR))
    fill(path, {"上海大众": [8] * 8, "中国一汽": [11, 3, 3, 3, 3, 3, 3, "7.55"]})
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_scores",
            str(path),
            "--bu",
            "MFG",
            "--year",
            str(YEAR),
            "--evaluator",
            "segmgr",
            stdout=out,
        )
    assert exit_info.value.code == 1
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "scored=0 errors=1"
    assert any("row 3" in line and "11" in line for line in lines)
    assert not Scorecard.objects.exists()
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_scores",
            str(path),
            "--bu",
            "MFG",
            "--year",
            str(YEAR),
            "--evaluator",
            "segmgr",
            "--partial",
            stdout=out,
        )
    assert out.getvalue().strip().splitlines()[-1] == "scored=1 errors=1"
    assert Scorecard.objects.count() == 8


@pytest.mark.parametrize(
    "args",
    [
        ["missing.xlsx", "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr"],
        ["SHEET", "--bu", "NOPE", "--year", str(YEAR), "--evaluator", "segmgr"],
        ["SHEET", "--bu", "MFG", "--year", str(YEAR), "--evaluator", "ghost"],
        ["NOTXLSX", "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr"],
        ["HEADERLESS", "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr"],
        ["SHEET", "--bu", "MFG", "--year", "1999", "--evaluator", "segmgr"],
    ],
)
def test_unusable_invocations_exit_2(ctx, tmp_path, args):
    from openpyxl import Workbook

    sheet = tmp_path / "sheet.xlsx"
    run("export_scoresheet", str(sheet), "--bu", "MFG", "--segment", "AUTO", "--year", str(YEAR))
    notxlsx = tmp_path / "x.xlsx"
    notxlsx.write_text("not a workbook")
    headerless = tmp_path / "h.xlsx"
    wb = Workbook()
    wb.active.append(["客户编号", "公司名称", "财务业绩"])
    wb.save(headerless)
    paths = {
        "SHEET": str(sheet),
        "NOTXLSX": str(notxlsx),
        "HEADERLESS": str(headerless),
        "missing.xlsx": str(tmp_path / "missing.xlsx"),
    }
    args = [paths.get(a, a) for a in args]
    with pytest.raises(CommandError) as err:
        call_command("import_scores", *args, stdout=StringIO())
    assert err.value.returncode == 2


def test_other_commands_exit_2_on_unknown_places(ctx, tmp_path):
    for args in (
        ["score", "--bu", "NOPE", "--year", str(YEAR)],
        ["score", "--bu", "MFG", "--year", str(YEAR), "--segment", "NOPE"],
        ["export_tiers", str(tmp_path / "t.xlsx"), "--bu", "MFG", "--year", str(YEAR), "--as", "ghost"],
        [
            "export_scoresheet",
            str(tmp_path / "s.xlsx"),
            "--bu",
            "MFG",
            "--segment",
            "ELEC",
            "--year",
            str(YEAR),
            "--as",
            "segmgr",
        ],
    ):
        with pytest.raises(CommandError) as err:
            call_command(*args, stdout=StringIO())
        assert err.value.returncode == 2, args


def test_header_matching_tolerates_spaces_line_breaks_and_a_title_row(ctx, tmp_path):
    path = tmp_path / "sheet.xlsx"
    run("export_scoresheet", str(path), "--bu", "MFG", "--segment", "AUTO", "--year", str(YEAR))
    wb = load_workbook(path)
    ws = wb["评分表"]
    ws.insert_rows(1)
    ws.cell(row=1, column=1, value="2025 年度评分表")
    ws.cell(row=2, column=3, value=" 财务\n业绩 ")
    ws.cell(row=3, column=3, value=9)
    wb.save(path)
    assert (
        run("import_scores", str(path), "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr")[-1]
        == "scored=1 errors=0"
    )
    assert Scorecard.objects.get().score == D("9")


def test_export_tiers_writes_the_exact_headers_and_text_never_as_formula(ctx, score_all, tmp_path):
    from prioritization.services.targets import tiers_accept_proposals

    ctx.customers.auto.name = '=HYPERLINK("x")'
    ctx.customers.auto.save()
    score_all(ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("3")})
    tiers_accept_proposals(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR)
    path = tmp_path / "tiers.xlsx"
    assert run("export_tiers", str(path), "--bu", "MFG", "--year", str(YEAR))[-1] == "exported=3"
    ws = load_workbook(path)["目标客户分级名单"]
    assert [c.value for c in ws[1]] == TIER_HEADERS
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == '=HYPERLINK("x")')
    assert row[1].data_type == "s"
    assert [row[3].value, row[4].value, row[6].value, row[7].value] == [8, 3, "三级", "三级"]
    assert (
        run(
            "export_tiers",
            str(path),
            "--bu",
            "MFG",
            "--year",
            str(YEAR),
            "--as",
            "segmgr",
            "--segment",
            "AUTO",
        )[-1]
        == "exported=2"
    )
