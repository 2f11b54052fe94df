"""QA findings on the offline score sheet and the tier list, fixed: the evaluator's scope checked per
row while validating (so a dry run reports it and --partial writes the rest), an evaluator's own
later changes are no lost-update conflict, dates as people type them (and none in the future), the
评估人 column checked, Excel float noise, unknown and repeated columns, number/name disagreement,
whitespace-only rows, decimal commas, 客户编号 after NFKC and upper case; the tier list's number
format, unwritable output paths and out-of-scope segments."""

import gc
import io
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from prioritization.models import Scorecard
from prioritization.services import workbooks
from prioritization.services.scoring import ScoreInput, scorecard_record
from prioritization.services.workbooks import (
    SCORE_SHEET,
    TIER_SHEET,
    UnusableFile,
    scores_import,
    scoresheet_read,
    scoresheet_write,
    tiers_write,
)
from tests.scoring.conftest import YEAR
from tests.scoring.test_lost_updates import _fill

pytestmark = pytest.mark.django_db

BAD_SCORE = "{name}：“{value}”不是 1 到 10 之间、最多一位小数的数字。"
BAD_DATE = "评估日期无效（请用 YYYY-MM-DD）。"


# --- helpers -------------------------------------------------------------------------------------
def _sheet(specs, rows, headers=None) -> io.BytesIO:
    """A hand-made score sheet: the header (default: as exported) in row 1, then `rows`."""
    wb = Workbook()
    ws = wb.active
    ws.title = SCORE_SHEET
    ws.append(headers or ["客户编号", "公司名称", *[s.name for s in specs], "评估人", "评估日期"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _row(customer, scores, who=None, when=None, *, number=None, name=None):
    return [
        customer.number if number is None else number,
        customer.name if name is None else name,
        *scores,
        who,
        when,
    ]


def _export(ctx, actor=None) -> io.BytesIO:
    out = io.BytesIO()
    scoresheet_write(out, actor=actor or ctx.segmgr, unit=ctx.org.unit, segment=ctx.org.auto, year=YEAR)
    out.seek(0)
    return out


def _stored(evaluator, customer):
    return dict(
        Scorecard.objects.filter(evaluator=evaluator, customer=customer).values_list(
            "criterion_id", "score_tenths"
        )
    )


def _import(ctx, file, *, actor=None, evaluator=None, **options):
    return scores_import(
        actor=actor or ctx.segmgr,
        evaluator=evaluator or ctx.segmgr,
        unit=ctx.org.unit,
        year=YEAR,
        file=file,
        **options,
    )


def _read(ctx, file, **evaluator):
    return scoresheet_read(file, actor=ctx.segmgr, unit=ctx.org.unit, version=ctx.version, **evaluator)


def _command(*args):
    """Run a command; (exit code, stdout lines). CommandError carries its own return code."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        code = exc.returncode
        out.write(f"CommandError: {exc}\n")
    return code, out.getvalue().strip().splitlines()


def _save_path(tmp_path, sheet, name="sheet.xlsx"):
    path = tmp_path / name
    path.write_bytes(sheet.getvalue())
    return str(path)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# --- 1. the evaluator's scope, checked per row while validating ------------------------------------
def test_an_evaluator_out_of_scope_is_a_row_error_in_the_dry_run_naming_the_customer(ctx, specs):
    c = ctx.customers
    # the admin enters the AUTO segment manager's sheet: 华为 (ELEC) is not theirs to score
    sheet = _sheet(specs, [_row(c.auto, [6] * 8), _row(c.elec, [5] * 8), _row(c.owned, [None] * 8)])
    result = _import(ctx, sheet, actor=ctx.admin, evaluator=ctx.segmgr, dry_run=True)
    assert result.errors == [(3, f"评估人 segmgr 无权为该客户评分：{c.elec.number} 华为")]
    assert result.scored == 1 and not result.written
    assert not Scorecard.objects.exists()


def test_an_evaluator_out_of_scope_blocks_the_import_and_partial_writes_the_allowed_rows(ctx, specs):
    c = ctx.customers
    rows = [_row(c.auto, [6] * 8), _row(c.elec, [5] * 8)]
    result = _import(ctx, _sheet(specs, rows), actor=ctx.admin, evaluator=ctx.segmgr)
    assert not result.written and [row for row, _m in result.errors] == [3]
    assert not Scorecard.objects.exists()
    result = _import(ctx, _sheet(specs, rows), actor=ctx.admin, evaluator=ctx.segmgr, partial=True)
    assert result.written and result.scored == 1
    assert set(_stored(ctx.segmgr, c.auto).values()) == {60}
    assert _stored(ctx.segmgr, c.elec) == {}


def test_an_evaluator_who_may_score_nobody_gets_an_error_on_every_scored_row(ctx, specs):
    c = ctx.customers
    sheet = _sheet(specs, [_row(c.auto, [6] * 8), _row(c.owned, [7] * 8)])
    result = _import(ctx, sheet, actor=ctx.admin, evaluator=ctx.am, partial=True)
    assert result.errors == [
        (2, f"评估人 am1 无权为该客户评分：{c.auto.number} 中国一汽"),
        (3, f"评估人 am1 无权为该客户评分：{c.owned.number} 上海大众"),
    ]
    assert result.scored == 0 and not Scorecard.objects.exists()


def test_the_command_reports_the_evaluators_scope_per_row_with_the_summary_and_exit_1(ctx, specs, tmp_path):
    c = ctx.customers
    path = _save_path(tmp_path, _sheet(specs, [_row(c.auto, [6] * 8), _row(c.elec, [5] * 8)]))
    base = [
        "import_scores",
        path,
        "--bu",
        "MFG",
        "--year",
        str(YEAR),
        "--evaluator",
        "segmgr",
        "--as",
        "root",
    ]
    for extra, summary in (["--dry-run"], "scored=1 errors=1"), ([], "scored=0 errors=1"):
        code, lines = _command(*base, *extra)
        assert code == 1 and lines[-1] == summary
        assert lines[0] == f"row 3: 评估人 segmgr 无权为该客户评分：{c.elec.number} 华为"
    assert not Scorecard.objects.exists()
    code, lines = _command(*base, "--partial")
    assert code == 1 and lines[-1] == "scored=1 errors=1"
    assert len(_stored(ctx.segmgr, c.auto)) == 8 and _stored(ctx.segmgr, c.elec) == {}


def test_a_row_refused_while_writing_is_a_row_error_and_the_rest_follows_partial(ctx, specs, monkeypatch):
    """A refusal only the write sees (e.g. a membership removed in between) is reported on its row:
    without --partial nothing is written, with it the other rows are."""
    c = ctx.customers
    real = workbooks.scorecard_record

    def refusing(**kwargs):
        if kwargs["customer"] == c.owned:
            raise ValidationError("segmgr 无权为该客户评分。")
        return real(**kwargs)

    monkeypatch.setattr(workbooks, "scorecard_record", refusing)
    rows = [_row(c.auto, [6] * 8), _row(c.owned, [7] * 8)]
    result = _import(ctx, _sheet(specs, rows))
    assert not result.written and result.errors == [(3, "segmgr 无权为该客户评分。")]
    assert not Scorecard.objects.exists()
    result = _import(ctx, _sheet(specs, rows), partial=True)
    assert result.written and result.scored == 1 and result.errors == [(3, "segmgr 无权为该客户评分。")]
    assert len(_stored(ctx.segmgr, c.auto)) == 8 and _stored(ctx.segmgr, c.owned) == {}


def test_the_command_prints_the_summary_when_the_write_is_refused(ctx, specs, tmp_path, monkeypatch):
    def refusing(**kwargs):
        raise ValidationError("写入时被拒绝。")

    monkeypatch.setattr(workbooks, "_scores_apply", refusing)
    path = _save_path(tmp_path, _sheet(specs, [_row(ctx.customers.auto, [6] * 8)]))
    code, lines = _command("import_scores", path, "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr")
    assert code == 1 and lines == ["error: 写入时被拒绝。", "scored=0 errors=1"]


# --- 2. the evaluator's own later changes are not lost updates ------------------------------------
def test_an_evaluator_re_imports_their_own_corrected_sheet(ctx, specs):
    sheet = _export(ctx)
    first = _fill(sheet, {"中国一汽": [7] * 8})
    assert _import(ctx, first).written
    sheet.seek(0)
    corrected = _fill(sheet, {"中国一汽": [8, 7, 7, 7, 7, 7, 7, 7]})
    result = _import(ctx, corrected)
    assert result.written and result.errors == [] and result.as_of is not None
    assert _stored(ctx.segmgr, ctx.customers.auto)[specs[0].key] == 80


def test_the_evaluators_own_grid_edit_after_the_export_is_not_a_conflict(ctx, specs):
    sheet = _export(ctx)
    scorecard_record(
        actor=ctx.segmgr,
        customer=ctx.customers.auto,
        version=ctx.version,
        entries=[ScoreInput(specs[0].key, D("3"), override_reason="电话沟通后")],
    )
    result = _import(ctx, _fill(sheet, {"中国一汽": [6] * 8}))
    assert result.written and result.errors == []
    assert _stored(ctx.segmgr, ctx.customers.auto)[specs[0].key] == 60


def test_someone_elses_change_after_the_evaluators_import_is_still_a_conflict(ctx, specs):
    sheet = _export(ctx)
    assert _import(ctx, _fill(sheet, {"中国一汽": [7] * 8})).written
    # the BU VP then changes the segment manager's first score
    scorecard_record(
        actor=ctx.buvp,
        customer=ctx.customers.auto,
        version=ctx.version,
        evaluator=ctx.segmgr,
        entries=[ScoreInput(specs[0].key, D("9"), override_reason="面谈后调整")],
    )
    sheet.seek(0)
    result = _import(ctx, _fill(sheet, {"中国一汽": [8] * 8}))
    [(_row_no, message)] = result.errors
    assert "buvp" in message and "改为 9.0" in message and "未覆盖" in message
    assert not result.written and _stored(ctx.segmgr, ctx.customers.auto)[specs[0].key] == 90


def test_someone_elses_change_the_evaluator_changed_again_is_no_longer_a_conflict(ctx, specs):
    sheet = _export(ctx)
    for actor, value in ((ctx.buvp, "9"), (ctx.segmgr, "4")):  # the evaluator saw 9 and set 4
        scorecard_record(
            actor=actor,
            customer=ctx.customers.auto,
            version=ctx.version,
            evaluator=ctx.segmgr,
            entries=[ScoreInput(specs[0].key, D(value), override_reason="调整")],
        )
    result = _import(ctx, _fill(sheet, {"中国一汽": [6] * 8}))
    assert result.written and result.errors == []


def test_an_import_by_someone_else_for_the_evaluator_is_still_guarded(ctx, specs):
    """The admin enters the sheet for the segment manager after the BU VP changed a score: refused."""
    sheet = _export(ctx)
    scorecard_record(
        actor=ctx.buvp,
        customer=ctx.customers.auto,
        version=ctx.version,
        evaluator=ctx.segmgr,
        entries=[ScoreInput(specs[0].key, D("9"), override_reason="面谈后调整")],
    )
    result = _import(ctx, _fill(sheet, {"中国一汽": [6] * 8}), actor=ctx.admin, evaluator=ctx.segmgr)
    assert not result.written and "buvp" in result.errors[0][1]


# --- 3. 评估日期 ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    [
        "2025/3/5",
        "2025-3-5",
        "2025.3.5",
        "2025年3月5日",
        "2025 年 3 月 5 日",
        "2025/03/05",
        "２０２５／３／５",
        "2025-03-05 14:30",
        45721,  # the Excel serial number of 2025-03-05, the date format lost
        45721.75,  # with a time of day
        datetime(2025, 3, 5, 9, 0),
        date(2025, 3, 5),
    ],
)
def test_scoring_dates_as_people_type_them_are_accepted(ctx, specs, typed):
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [6] * 8, when=typed)]))
    assert row.errors == [] and row.scored_on == date(2025, 3, 5)


@pytest.mark.parametrize("typed", ["2025-13-01", "2025/2/30", "昨天", "3/5/2025", 7, 0, -45721, True])
def test_what_is_no_date_stays_an_error(ctx, specs, typed):
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [6] * 8, when=typed)]))
    assert row.errors == [BAD_DATE] and row.scored_on is None


def test_a_scoring_date_in_the_future_is_refused_naming_the_cell_and_today_is_fine(ctx, specs):
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    tomorrow = today + timedelta(days=1)
    rows = [
        _row(ctx.customers.auto, [6] * 8, when=tomorrow.strftime("%Y/%m/%d")),
        _row(ctx.customers.owned, [6] * 8, when=today.isoformat()),
    ]
    first, second = _read(ctx, _sheet(specs, rows))
    assert first.errors == [
        f"L2（评估日期）：{tomorrow.isoformat()} 晚于今天（{today.isoformat()}），评估日期不能是将来的日期。"
    ]
    assert first.scored_on is None
    assert second.errors == [] and second.scored_on == today


def test_a_typed_date_is_recorded_on_the_scorecards(ctx, specs):
    result = _import(ctx, _sheet(specs, [_row(ctx.customers.auto, [6] * 8, when="2025年3月5日")]))
    assert result.written
    assert set(Scorecard.objects.values_list("scored_on", flat=True)) == {date(2025, 3, 5)}


# --- 4. the 评估人 column ---------------------------------------------------------------------------
def _named(user, first, last=""):
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.mark.parametrize(
    "who", ["segmgr", " SEGMGR ", "张经理（汽车制造业）", "张经理(汽车制造业)", "张经理", ""]
)
def test_the_evaluator_named_in_the_column_by_username_or_name_is_accepted(ctx, specs, who):
    _named(ctx.segmgr, "张经理（汽车制造业）")
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [6] * 8, who=who)]))
    assert row.errors == []


@pytest.mark.parametrize("who", ["am1", "张三", "buvp"])
def test_someone_else_in_the_evaluator_column_is_a_row_error(ctx, specs, who):
    _named(ctx.segmgr, "张经理（汽车制造业）")
    sheet = _sheet(specs, [_row(ctx.customers.auto, [6] * 8, who=who), _row(ctx.customers.owned, [6] * 8)])
    result = _import(ctx, sheet)
    assert result.errors == [(2, f"K2（评估人）：“{who}”不是本次导入的评估人 segmgr。")]
    assert not result.written and not Scorecard.objects.exists()


def test_a_full_name_is_accepted_in_either_order(ctx, specs):
    _named(ctx.segmgr, "伟", "王")
    rows = [_row(ctx.customers.auto, [6] * 8, who="王伟"), _row(ctx.customers.owned, [6] * 8, who="伟 王")]
    assert [r.errors for r in _read(ctx, _sheet(specs, rows))] == [[], []]


def test_for_an_evaluator_without_a_name_on_record_another_users_name_is_refused(ctx, specs):
    """Without a name on record only the username can be checked: a value naming another user is an
    error, a name (which may be the evaluator's) is not."""
    _named(ctx.am, "陈客户经理")
    rows = [
        _row(ctx.customers.auto, [6] * 8, who="am1"),
        _row(ctx.customers.owned, [6] * 8, who="陈客户经理"),
    ]
    first, second = _read(ctx, _sheet(specs, rows))
    assert first.errors == ["K2（评估人）：“am1”不是本次导入的评估人 segmgr。"]
    assert second.errors == ["K3（评估人）：“陈客户经理”不是本次导入的评估人 segmgr。"]
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [6] * 8, who="段经理")]))
    assert row.errors == []


def test_the_evaluator_column_is_checked_against_the_evaluator_not_the_importer(ctx, specs):
    _named(ctx.segmgr, "张经理")
    sheet = _sheet(specs, [_row(ctx.customers.auto, [6] * 8, who="张经理")])
    result = _import(ctx, sheet, actor=ctx.admin, evaluator=ctx.segmgr)
    assert result.written and result.errors == []
    sheet = _sheet(specs, [_row(ctx.customers.auto, [6] * 8, who="root")])
    result = _import(ctx, sheet, actor=ctx.admin, evaluator=ctx.segmgr, dry_run=True)
    assert result.errors == [(2, "K2（评估人）：“root”不是本次导入的评估人 segmgr。")]


# --- 5. Excel float noise ----------------------------------------------------------------------------
def test_float_noise_around_a_tenth_is_that_tenth(ctx, specs):
    noisy = [7.2 - 0.1, 0.1 + 0.2 + 6.7, 5.8 - 0.1, 9.999999999999998, 1.0000000000000002, 6, 6, 6]
    assert noisy[0] == 7.1000000000000005
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, noisy)]))
    assert row.errors == []
    assert [row.scores[s.key] for s in specs[:5]] == [D("7.1"), D("7.0"), D("5.7"), D("10.0"), D("1.0")]


def test_a_real_second_decimal_stays_an_error_shown_as_excel_shows_it(ctx, specs):
    values = [7.25, 8.2 - 0.05, 6.999999999, 10.000000001, 6, 6, 6, 6]
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, values)]))
    assert row.errors == [
        BAD_SCORE.format(name=specs[0].name, value="7.25"),
        BAD_SCORE.format(name=specs[1].name, value="8.15"),  # stored as 8.149999999999999
        BAD_SCORE.format(name=specs[2].name, value="6.999999999"),
        BAD_SCORE.format(name=specs[3].name, value="10.000000001"),
    ]


# --- 6. unknown and repeated columns ----------------------------------------------------------------
def _headers(specs, extra_at=None, extra=None):
    headers = ["客户编号", "公司名称", *[s.name for s in specs], "评估人", "评估日期"]
    if extra is not None:
        headers.insert(extra_at, extra)
    return headers


def test_an_unknown_column_is_ignored_and_reported(ctx, specs):
    headers = _headers(specs, 10, "品牌影响力")  # column K, between the criteria and 评估人
    c = ctx.customers.auto
    sheet = _sheet(specs, [[c.number, c.name, *[6] * 8, 9, "segmgr", "2025-03-05"]], headers=headers)
    result = _import(ctx, sheet)
    assert result.warnings == ["以下列无法识别，已忽略：K「品牌影响力」"]
    assert result.written and result.errors == []
    assert set(_stored(ctx.segmgr, c).values()) == {60}
    assert set(Scorecard.objects.values_list("scored_on", flat=True)) == {date(2025, 3, 5)}


def test_the_command_prints_a_warning_line_for_unknown_columns(ctx, specs, tmp_path):
    headers = [*_headers(specs), "备注", "品牌影响力"]
    c = ctx.customers.auto
    sheet = _sheet(specs, [[c.number, c.name, *[6] * 8, None, None, "好", 9]], headers=headers)
    path = _save_path(tmp_path, sheet)
    code, lines = _command("import_scores", path, "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr")
    assert code == 0
    assert lines == ["warning: 以下列无法识别，已忽略：M「备注」、N「品牌影响力」", "scored=1 errors=0"]


def test_a_criterion_column_twice_makes_the_file_unusable_naming_both_columns(ctx, specs, tmp_path):
    headers = _headers(specs)
    headers[11] = specs[0].name  # 评估日期 (L) renamed to the first criterion (C)
    c = ctx.customers.auto
    sheet = _sheet(specs, [[c.number, c.name, *[7] * 8, None, 2]], headers=headers)
    with pytest.raises(UnusableFile) as err:
        _read(ctx, sheet)
    assert err.value.messages == [f"「{specs[0].name}」列出现了两次（C 列和 L 列）。"]
    path = _save_path(tmp_path, sheet)
    code, lines = _command("import_scores", path, "--bu", "MFG", "--year", str(YEAR), "--evaluator", "segmgr")
    assert code == 2 and "C 列和 L 列" in lines[-1]
    assert not Scorecard.objects.exists()


def test_a_customer_column_twice_is_unusable_too(ctx, specs):
    headers = [*_headers(specs), " 公司\n名称 "]
    sheet = _sheet(specs, [], headers=headers)
    with pytest.raises(UnusableFile, match="「公司名称」列出现了两次（B 列和 M 列）"):
        _read(ctx, sheet)


# --- 7. 客户编号 and 公司名称 disagreeing -------------------------------------------------------------
def test_a_number_belonging_to_another_company_than_the_name_is_a_row_error(ctx, specs):
    auto, owned = ctx.customers.auto, ctx.customers.owned
    rows = [
        _row(auto, [6] * 8, name=owned.name),  # 中国一汽's number, 上海大众's name
        _row(owned, [6] * 8, name=" 上海　大众 "),  # the same name as normalised: fine
    ]
    result = _import(ctx, _sheet(specs, rows))
    assert result.errors == [
        (2, f"客户编号 {auto.number} 属于另一家公司“中国一汽”，与公司名称“上海大众”不符。")
    ]
    assert result.rows[0].customer is None and result.rows[1].customer == owned
    assert not result.written and not Scorecard.objects.exists()


# --- smaller ----------------------------------------------------------------------------------------
def test_a_row_of_whitespace_only_cells_is_skipped_as_blank(ctx, specs):
    rows = [
        _row(ctx.customers.auto, [6] * 8),
        [" ", "\u3000", None, " ", "\u00a0"],
        ["", "  ", *[" "] * 8, " ", None],
    ]
    [row] = _read(ctx, _sheet(specs, rows))
    assert row.row == 2 and row.errors == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7,5", D("7.5")), ("7，5", D("7.5")), ("10,0", D("10.0")), (" 7,5 ", D("7.5")), ("７，５", D("7.5"))],
)
def test_a_comma_is_a_decimal_separator(ctx, specs, typed, expected):
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [typed, *[6] * 7])]))
    assert row.errors == [] and row.scores[specs[0].key] == expected


@pytest.mark.parametrize("typed", ["1,000", "1，000", "7,5,1", "7,55", ","])
def test_a_comma_that_is_no_decimal_separator_of_a_score_stays_an_error(ctx, specs, typed):
    [row] = _read(ctx, _sheet(specs, [_row(ctx.customers.auto, [typed, *[6] * 7])]))
    assert row.errors == [BAD_SCORE.format(name=specs[0].name, value=typed)]


def test_the_customer_number_is_matched_after_nfkc_and_upper_case(ctx, specs):
    auto, owned = ctx.customers.auto, ctx.customers.owned
    rows = [
        _row(auto, [6] * 8, number=auto.number.lower()),
        _row(owned, [6] * 8, number=_full_width(owned.number)),
    ]
    first, second = _read(ctx, _sheet(specs, rows))
    assert (first.customer, first.errors) == (auto, [])
    assert (second.customer, second.errors) == (owned, [])


# --- the tier list ---------------------------------------------------------------------------------
def test_tier_list_scores_have_the_two_decimal_number_format(ctx, score_all):
    score_all(
        ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": D("7.5"), "feasibility": D("4")}
    )
    out = io.BytesIO()
    tiers_write(out, actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)
    out.seek(0)
    ws = load_workbook(out)[TIER_SHEET]
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == "中国一汽")
    assert (row[3].value, row[4].value) == (7.5, 4)
    assert (row[3].number_format, row[4].number_format) == ("0.00", "0.00")


def test_an_unwritable_tier_list_path_leaves_no_stray_traceback(ctx, tmp_path, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def write():
        with pytest.raises(OSError):
            tiers_write(str(tmp_path / "missing" / "t.xlsx"), actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)

    write()
    gc.collect()
    assert unraisable == []


@pytest.mark.parametrize("target", ["missing/t.xlsx", "."])
@pytest.mark.parametrize("command", ["export_tiers", "export_scoresheet"])
def test_exports_to_an_unwritable_path_exit_2(ctx, tmp_path, target, command):
    out = str(tmp_path / target)
    code, lines = _command(command, out, "--bu", "MFG", "--year", str(YEAR), "--segment", "AUTO")
    assert code == 2 and lines[-1].startswith(f"CommandError: cannot write {out}")


def test_export_tiers_refuses_a_segment_out_of_scope_as_the_score_sheet_does(ctx, tmp_path):
    out = str(tmp_path / "t.xlsx")
    code, lines = _command(
        "export_tiers", out, "--bu", "MFG", "--year", str(YEAR), "--segment", "ELEC", "--as", "segmgr"
    )
    assert code == 2 and lines[-1] == "CommandError: segmgr may not see ELEC"
    code, _lines = _command(
        "export_scoresheet", out, "--bu", "MFG", "--year", str(YEAR), "--segment", "ELEC", "--as", "segmgr"
    )
    assert code == 2
    with pytest.raises(PermissionDenied):
        tiers_write(io.BytesIO(), actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR, segment=ctx.org.elec)
    # their own segment, and the whole BU (scoped to what they see), still export
    code, lines = _command(
        "export_tiers", out, "--bu", "MFG", "--year", str(YEAR), "--segment", "AUTO", "--as", "segmgr"
    )
    assert (code, lines[-1]) == (0, "exported=2")
    code, lines = _command("export_tiers", out, "--bu", "MFG", "--year", str(YEAR), "--as", "segmgr")
    assert (code, lines[-1]) == (0, "exported=2")
