"""The offline score sheet read from hand-made or damaged files, and the tier list written out:
row errors named by Excel row (unknown, out-of-scope and repeated customers, bad scores, bad
dates), blank rows, title rows above the header, the row and size limits, zip bombs, missing
files, an export mark with a blank line, a marked sheet with nothing to compare, imports that
score nobody, refusals outside the scope, and the development status with the seminar count."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from prioritization.models import AuditEvent, Scorecard
from prioritization.services import workbooks
from prioritization.services.scoring import ScoreInput, scorecard_record
from prioritization.services.workbooks import (
    INFO_SHEET,
    SCORE_SHEET,
    TIER_HEADERS,
    TIER_SHEET,
    UnusableFile,
    scores_import,
    scoresheet_read,
    scoresheet_write,
    tiers_write,
)
from prospects.models import Customer
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def _handmade(specs, rows, above=()) -> io.BytesIO:
    """A score sheet typed by hand: optional lines above the header, then the header with
    评估日期, then `rows`."""
    wb = Workbook()
    ws = wb.active
    ws.title = SCORE_SHEET
    for line in above:
        ws.append(line)
    ws.append(["客户编号", "公司名称", *[s.name for s in specs], "评估人", "评估日期"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _export(ctx) -> io.BytesIO:
    out = io.BytesIO()
    scoresheet_write(out, actor=ctx.segmgr, unit=ctx.org.unit, segment=ctx.org.auto, year=YEAR)
    out.seek(0)
    return out


def _fill(sheet, scores_by_name, extra_rows=()) -> io.BytesIO:
    wb = load_workbook(sheet)
    ws = wb[SCORE_SHEET]
    for r in range(2, ws.max_row + 1):
        for i, value in enumerate(scores_by_name.get(ws.cell(row=r, column=2).value, [])):
            ws.cell(row=r, column=3 + i, value=value)
    for row in extra_rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _stored(evaluator, customer):
    return dict(
        Scorecard.objects.filter(evaluator=evaluator, customer=customer).values_list(
            "criterion_id", "score_tenths"
        )
    )


def _changed_after_export(ctx, specs):
    """The BU VP changes the segment manager's first score of 中国一汽 after the sheet went out."""
    scorecard_record(
        actor=ctx.buvp,
        customer=ctx.customers.auto,
        version=ctx.version,
        evaluator=ctx.segmgr,
        entries=[ScoreInput(specs[0].key, D("8"), override_reason="面谈后调整")],
    )


def _read(ctx, file):
    return scoresheet_read(file, actor=ctx.segmgr, unit=ctx.org.unit, version=ctx.version)


# --- reading a hand-made sheet ---------------------------------------------------------------------
def test_rows_are_validated_one_by_one_and_named_by_their_excel_row(ctx, specs):
    c = ctx.customers
    eight = [7] * len(specs)
    sheet = _handmade(
        specs,
        [
            [c.auto.number, c.auto.name, *eight, "段经理", "2025/03/01"],  # row 4
            [None, f" {c.owned.name} ", 6, None, "", "  ", *[5] * (len(specs) - 4)],  # found by name
            [None] * (len(specs) + 4),  # blank: skipped
            [c.auto.number, "", *eight],  # the same customer again
            ["", "不存在的公司", *eight],
            [c.elec.number, c.elec.name, *eight],  # ELEC: listed, but not the AUTO manager's to score
            [None, c.owned.name, 11, "7.55", "abc", *[7] * (len(specs) - 3)],
            [c.auto.number, None, None, None, None, None, None, None, None, None, None, "昨天"],
        ],
        above=[["2025 年度评分表（线下填写）"], ["请在 1–10 之间打分"]],
    )
    rows = _read(ctx, sheet)
    assert [r.row for r in rows] == [4, 5, 7, 8, 9, 10, 11]
    by_row = {r.row: r for r in rows}

    assert by_row[4].customer == c.auto and not by_row[4].errors
    assert by_row[4].scores == {s.key: D("7.0") for s in specs}
    assert by_row[4].scored_on == date(2025, 3, 1)
    assert by_row[4].columns[specs[0].key] == "C" and by_row[4].columns[specs[-1].key] == "J"

    # blanks and whitespace-only cells are "not scored"
    assert by_row[5].customer == c.owned and not by_row[5].errors
    assert set(by_row[5].scores) == {s.key for s in specs} - {specs[1].key, specs[2].key, specs[3].key}
    assert by_row[5].scored_on is None

    assert by_row[7].errors == ["与第 4 行是同一客户。"]
    assert by_row[8].customer is None
    assert by_row[8].errors == [f"找不到该客户，或不在您可评分的 {YEAR} 年度名单上：不存在的公司"]
    assert by_row[9].errors == [f"找不到该客户，或不在您可评分的 {YEAR} 年度名单上：{c.elec.number}"]
    assert by_row[10].errors == [
        "与第 5 行是同一客户。",
        f"{specs[0].name}：“11”不是 1 到 10 之间、最多一位小数的数字。",
        f"{specs[1].name}：“7.55”不是 1 到 10 之间、最多一位小数的数字。",
        f"{specs[2].name}：“abc”不是 1 到 10 之间、最多一位小数的数字。",
    ]
    assert by_row[11].errors == ["与第 4 行是同一客户。", "评估日期无效（请用 YYYY-MM-DD）。"]


def test_a_date_typed_as_an_excel_date_is_the_scoring_date_and_is_recorded(ctx, specs):
    c = ctx.customers
    sheet = _handmade(
        specs, [[c.auto.number, c.auto.name, *[6] * len(specs), "", datetime(2025, 2, 14, 9, 30)]]
    )
    [row] = _read(ctx, sheet)
    assert row.scored_on == date(2025, 2, 14) and not row.errors
    sheet.seek(0)
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=sheet)
    assert result.written and result.scored == 1
    assert set(Scorecard.objects.filter(customer=c.auto).values_list("scored_on", flat=True)) == {
        date(2025, 2, 14)
    }


def test_invalid_rows_block_the_import_unless_partial(ctx, specs):
    c = ctx.customers
    rows = [
        [c.auto.number, c.auto.name, *[6] * len(specs)],
        ["", "不存在的公司", *[6] * len(specs)],
    ]
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=_handmade(specs, rows)
    )
    assert not result.written and result.scored == 1
    assert result.errors == [(3, f"找不到该客户，或不在您可评分的 {YEAR} 年度名单上：不存在的公司")]
    assert not Scorecard.objects.exists()
    result = scores_import(
        actor=ctx.segmgr,
        evaluator=ctx.segmgr,
        unit=ctx.org.unit,
        year=YEAR,
        file=_handmade(specs, rows),
        partial=True,
    )
    assert result.written and result.scored == 1
    assert set(_stored(ctx.segmgr, c.auto).values()) == {60}


# --- whole-file refusals ---------------------------------------------------------------------------
def test_a_sheet_longer_than_the_row_limit_is_refused_before_any_lookup(ctx, specs, monkeypatch):
    monkeypatch.setattr(workbooks, "MAX_ROWS", 5)
    rows = [[f"T-{n}", f"公司{n}", *[5] * len(specs)] for n in range(15)]  # header + 15 = 16 rows
    with pytest.raises(UnusableFile, match="超过 5 行的上限"):
        _read(ctx, _handmade(specs, rows))


def test_data_rows_below_the_header_are_counted_against_the_limit(ctx, specs, monkeypatch):
    monkeypatch.setattr(workbooks, "MAX_ROWS", 5)
    title = [["标题"], ["说明"]]
    rows = [[f"T-{n}", f"公司{n}", *[5] * len(specs)] for n in range(6)]  # 9 rows in all, 6 of data
    with pytest.raises(UnusableFile, match="超过 5 行的上限"):
        _read(ctx, _handmade(specs, rows, above=title))
    # five rows of data under the same title fit
    assert len(_read(ctx, _handmade(specs, rows[:5], above=title))) == 5


def test_an_upload_over_the_size_limit_is_refused_before_opening(ctx, specs, monkeypatch):
    sheet = _handmade(specs, [])
    monkeypatch.setattr(workbooks, "MAX_BYTES", 1000)
    upload = SimpleUploadedFile("sheet.xlsx", sheet.getvalue())
    assert upload.size > 1000
    with pytest.raises(UnusableFile, match="文件超过 20 MB"):
        _read(ctx, upload)


def test_a_zip_bomb_is_refused_as_unusable(ctx):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (25 * 1024 * 1024))
    out.seek(0)
    with pytest.raises(UnusableFile, match="工作簿解压后过大"):
        _read(ctx, out)
    assert not Scorecard.objects.exists()


def test_a_missing_file_is_refused_as_not_existing(ctx, tmp_path):
    with pytest.raises(UnusableFile, match="文件不存在"):
        _read(ctx, str(tmp_path / "no-such-sheet.xlsx"))


# --- the export mark -------------------------------------------------------------------------------
def test_an_export_mark_with_a_blank_line_still_detects_a_later_change(ctx, specs):
    sheet = _export(ctx)
    mark = Scorecard.history.count()
    wb = load_workbook(sheet)
    wb[INFO_SHEET].insert_rows(2)  # someone added an empty line in the hidden sheet
    damaged = io.BytesIO()
    wb.save(damaged)
    damaged.seek(0)
    # after the export the BU VP records the segment manager's first score of 一汽
    _changed_after_export(ctx, specs)
    filled = _fill(damaged, {ctx.customers.auto.name: [6] * len(specs)})
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled, dry_run=True
    )
    assert result.as_of is not None and result.as_of.revision == mark
    assert result.as_of.exported_by == ctx.segmgr.username
    [(_row, message)] = result.errors
    assert f"（{specs[0].name}）" in message and "未覆盖" in message


def test_a_conflict_is_reported_next_to_a_row_whose_customer_is_unknown(ctx, specs):
    sheet = _export(ctx)
    _changed_after_export(ctx, specs)
    filled = _fill(
        sheet,
        {ctx.customers.auto.name: [6] * len(specs)},
        extra_rows=[["", "不存在的公司", *[6] * len(specs)]],
    )
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled, partial=True
    )
    messages = [message for _row, message in result.errors]
    assert len(messages) == 2
    assert messages[1] == f"找不到该客户，或不在您可评分的 {YEAR} 年度名单上：不存在的公司"
    assert "未覆盖" in messages[0]
    assert result.written and result.scored == 0
    assert _stored(ctx.segmgr, ctx.customers.auto) == {specs[0].key: 80}


def test_an_untouched_exported_sheet_imports_nothing_and_is_still_audited(ctx, specs):
    sheet = _export(ctx)
    _changed_after_export(ctx, specs)
    before = Scorecard.objects.count()
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=sheet)
    assert result.as_of is not None  # marked, but no score in the sheet to compare
    assert result.written and result.scored == 0 and result.errors == []
    assert [r.scores for r in result.rows] == [{}, {}]
    assert Scorecard.objects.count() == before
    audit = AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT).latest("pk")
    assert audit.detail == {"scored": 0} and audit.target == f"scores {YEAR}"


# --- refusals outside the scope --------------------------------------------------------------------
def test_a_user_of_another_organisation_may_not_import_scores(ctx, specs, outsider):
    sheet = _handmade(specs, [[ctx.customers.auto.number, ctx.customers.auto.name, *[6] * len(specs)]])
    with pytest.raises(PermissionDenied):
        scores_import(actor=outsider, evaluator=outsider, unit=ctx.org.unit, year=YEAR, file=sheet)
    assert not Scorecard.objects.exists()


def test_a_user_of_another_organisation_may_not_export_the_tier_list(ctx, outsider):
    with pytest.raises(PermissionDenied):
        tiers_write(io.BytesIO(), actor=outsider, unit=ctx.org.unit, year=YEAR)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


# --- the tier list ---------------------------------------------------------------------------------
def test_the_tier_list_shows_owners_and_the_development_status_with_the_seminar_count(ctx):
    ctx.buvp.first_name, ctx.buvp.last_name = "伟", "王"
    ctx.buvp.save()
    Customer.objects.filter(pk=ctx.customers.auto.pk).update(
        development_status="seminars", seminars_held=3, overall_owner=ctx.buvp
    )
    Customer.objects.filter(pk=ctx.customers.elec.pk).update(development_status="drafting")
    out = io.BytesIO()
    assert tiers_write(out, actor=ctx.buvp, unit=ctx.org.unit, year=YEAR) == 3
    out.seek(0)
    ws = load_workbook(out)[TIER_SHEET]
    assert [c.value for c in ws[1]] == TIER_HEADERS
    rows = {r[1]: dict(zip(TIER_HEADERS, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["中国一汽"]["客户发展状态"] == "已举办研讨会（3）"
    assert rows["中国一汽"]["总负责人"] == ctx.buvp.get_full_name()
    assert rows["华为"]["客户发展状态"] == "正起草项目建议"
    assert rows["上海大众"]["客户发展状态"] is None  # not started: an empty cell
    assert rows["上海大众"]["日常关系负责人"] == ctx.am.username
    assert rows["上海大众"]["吸引力得分"] is None and rows["上海大众"]["级别"] is None  # not scored yet
