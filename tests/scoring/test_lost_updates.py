"""No lost update in the scoring grid and the offline score sheet: a save over scores someone changed
after the page or sheet was produced is refused, naming who, when and what, and nothing is
overwritten. A sheet without the export mark (older, hand-made) still imports."""

import io
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from prioritization.models import Scorecard
from prioritization.services.scoring import ScoreInput, scorecard_record
from prioritization.services.workbooks import INFO_SHEET, scores_import, scoresheet_write
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
GRID = reverse("prioritization:scoring_grid") + f"?bu=MFG&year={YEAR}&segment=AUTO"


def _save(actor, customer, version, values, evaluator=None):
    """values: criterion spec → score, for a few criteria."""
    scorecard_record(
        actor=actor,
        customer=customer,
        version=version,
        evaluator=evaluator,
        entries=[ScoreInput(spec.key, D(str(v)), override_reason="面谈后调整") for spec, v in values.items()],
    )


def _stored(evaluator, customer):
    return dict(
        Scorecard.objects.filter(evaluator=evaluator, customer=customer).values_list(
            "criterion_id", "score_tenths"
        )
    )


def _revision_in(html, customer):
    form = re.search(rf'id="row-{customer.pk}".*?</form>', html, re.S).group(0)
    return re.search(r'name="revision" value="(\d*)"', form).group(1)


# --- the grid ------------------------------------------------------------------------------------
def test_grid_rows_carry_the_revision_and_consecutive_saves_of_a_row_work(ctx, client, specs):
    client.force_login(ctx.segmgr)
    customer = ctx.customers.auto
    revision = _revision_in(client.get(GRID).content.decode(), customer)
    assert revision == "0"
    url = reverse("prioritization:scoring_grid_row", args=[customer.pk])
    first = client.post(
        url, {"year": YEAR, "revision": revision, f"score_{specs[0].key}": "6"}
    ).content.decode()
    assert 'data-testid="row-saved"' in first
    # the answer replaces the form's hidden fields: the next change of the row carries the new revision
    revision = re.search(r'name="revision" value="(\d+)"', first).group(1)
    second = client.post(
        url, {"year": YEAR, "revision": revision, f"score_{specs[0].key}": "6", f"score_{specs[1].key}": "7"}
    ).content.decode()
    assert 'data-testid="row-saved"' in second
    assert _stored(ctx.segmgr, customer) == {specs[0].key: 60, specs[1].key: 70}


def test_a_grid_save_over_a_newer_save_is_refused_naming_who_when_and_what(ctx, client, specs):
    customer = ctx.customers.auto
    client.force_login(ctx.segmgr)
    revision = _revision_in(client.get(GRID).content.decode(), customer)
    # meanwhile the BU VP enters the segment manager's scores from a paper sheet
    _save(ctx.buvp, customer, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    url = reverse("prioritization:scoring_grid_row", args=[customer.pk])
    page = client.post(
        url, {"year": YEAR, "revision": revision, f"score_{specs[0].key}": "3"}
    ).content.decode()
    assert 'data-testid="row-conflict"' in page and 'data-testid="row-reload"' in page
    assert ctx.buvp.username in page and "已在您打开之后修改了" in page
    assert f"{specs[0].name} — → 8.0" in page  # what changed
    assert _stored(ctx.segmgr, customer) == {specs[0].key: 80}  # nothing overwritten
    # the row keeps the stale revision: a further change of it is refused too, until reloaded
    assert f'name="revision" value="{revision}"' in page
    again = client.post(
        url, {"year": YEAR, "revision": revision, f"score_{specs[1].key}": "5"}
    ).content.decode()
    assert 'data-testid="row-conflict"' in again and _stored(ctx.segmgr, customer) == {specs[0].key: 80}
    fresh = _revision_in(client.get(GRID).content.decode(), customer)
    saved = client.post(url, {"year": YEAR, "revision": fresh, f"score_{specs[0].key}": "3"}).content.decode()
    assert 'data-testid="row-saved"' in saved and _stored(ctx.segmgr, customer) == {specs[0].key: 30}


def test_the_same_grid_in_two_tabs(ctx, client, specs):
    customer = ctx.customers.auto
    client.force_login(ctx.segmgr)
    tab1 = _revision_in(client.get(GRID).content.decode(), customer)
    tab2 = _revision_in(client.get(GRID).content.decode(), customer)
    url = reverse("prioritization:scoring_grid_row", args=[customer.pk])
    assert (
        "row-saved"
        in client.post(url, {"year": YEAR, "revision": tab1, f"score_{specs[0].key}": "9"}).content.decode()
    )
    page = client.post(url, {"year": YEAR, "revision": tab2, f"score_{specs[0].key}": "2"}).content.decode()
    assert "row-conflict" in page and ctx.segmgr.username in page
    assert _stored(ctx.segmgr, customer) == {specs[0].key: 90}


def test_a_forged_grid_revision_is_refused_not_a_500(ctx, client, specs):
    client.force_login(ctx.segmgr)
    url = reverse("prioritization:scoring_grid_row", args=[ctx.customers.auto.pk])
    for forged in ("9" * 40, "abc", "-1"):
        response = client.post(url, {"year": YEAR, "revision": forged, f"score_{specs[0].key}": "5"})
        assert response.status_code == 200 and "row-conflict" in response.content.decode()
    assert not Scorecard.objects.exists()


# --- the offline score sheet ---------------------------------------------------------------------
def _export(actor, org):
    out = io.BytesIO()
    scoresheet_write(out, actor=actor, unit=org.unit, segment=org.auto, year=YEAR)
    out.seek(0)
    return out


def _fill(sheet, rows):
    wb = load_workbook(sheet)
    ws = wb["评分表"]
    for r in range(2, ws.max_row + 1):
        for i, value in enumerate(rows.get(ws.cell(row=r, column=2).value, [])):
            ws.cell(row=r, column=3 + i, value=value)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _row_of(sheet, name):
    ws = load_workbook(sheet)["评分表"]
    sheet.seek(0)
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=2).value == name)


def test_the_export_keeps_the_visible_layout_and_adds_a_hidden_mark(ctx, specs):
    wb = load_workbook(_export(ctx.segmgr, ctx.org))
    assert wb.sheetnames[0] == "评分表" and wb[INFO_SHEET].sheet_state == "hidden"
    headers = [c.value for c in wb["评分表"][1]]
    assert headers == ["客户编号", "公司名称", *[s.name for s in specs], "评估人", "评估日期"]


def test_a_sheet_cell_changed_by_someone_after_the_export_is_an_error_at_its_cell(ctx, specs):
    sheet = _export(ctx.segmgr, ctx.org)
    # after the export the BU VP records the segment manager's first attractiveness score of 一汽
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    filled = _fill(sheet, {ctx.customers.auto.name: [6] * 8, ctx.customers.owned.name: [7] * 8})
    row = _row_of(filled, ctx.customers.auto.name)
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled, dry_run=True
    )
    [(error_row, message)] = result.errors
    assert error_row == row and message.startswith(f"C{row}（{specs[0].name}）")
    assert ctx.buvp.username in message and "8.0" in message and "未覆盖" in message
    assert result.scored == 1  # the other customer's row is fine
    # applying: nothing written (an invalid row and no --partial)
    filled.seek(0)
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled)
    assert not result.written and _stored(ctx.segmgr, ctx.customers.auto) == {specs[0].key: 80}
    assert _stored(ctx.segmgr, ctx.customers.owned) == {}
    # partial: the valid row is written, the conflicting one is not
    filled.seek(0)
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled, partial=True
    )
    assert result.written and result.scored == 1
    assert _stored(ctx.segmgr, ctx.customers.auto) == {specs[0].key: 80}
    assert len(_stored(ctx.segmgr, ctx.customers.owned)) == 8


def test_a_sheet_agreeing_with_the_newer_score_or_leaving_it_empty_imports(ctx, specs):
    sheet = _export(ctx.segmgr, ctx.org)
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    filled = _fill(sheet, {ctx.customers.auto.name: [8, 6, 6, 6, 6, 6, 6, 6]})
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled)
    assert result.written and not result.errors
    assert _stored(ctx.segmgr, ctx.customers.auto)[specs[0].key] == 80


def test_other_evaluators_changes_do_not_block_an_evaluators_sheet(ctx, specs):
    sheet = _export(ctx.segmgr, ctx.org)
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8})  # the BU VP's own scorecard
    filled = _fill(sheet, {ctx.customers.auto.name: [6] * 8})
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled)
    assert result.written and not result.errors


def test_a_sheet_without_the_mark_still_imports(ctx, specs):
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(["客户编号", "公司名称", *[s.name for s in specs]])
    ws.append([ctx.customers.auto.number, ctx.customers.auto.name, *[6] * 8])
    handmade = io.BytesIO()
    wb.save(handmade)
    handmade.seek(0)
    result = scores_import(
        actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=handmade
    )
    assert result.written and result.as_of is None
    assert _stored(ctx.segmgr, ctx.customers.auto)[specs[0].key] == 60


def test_a_damaged_mark_counts_as_no_mark(ctx, specs):
    wb = load_workbook(_export(ctx.segmgr, ctx.org))
    wb[INFO_SHEET]["B2"] = "=1+1"
    out = io.BytesIO()
    wb.save(out)
    filled = _fill(out, {ctx.customers.auto.name: [6] * 8})
    result = scores_import(actor=ctx.segmgr, evaluator=ctx.segmgr, unit=ctx.org.unit, year=YEAR, file=filled)
    assert result.written and result.as_of is None


def test_the_import_page_shows_the_conflicting_cell_in_the_dry_run(ctx, client, specs):
    client.force_login(ctx.segmgr)
    sheet = client.get(reverse("prioritization:scoresheet_export") + f"?bu=MFG&year={YEAR}&segment=AUTO")
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    filled = _fill(io.BytesIO(sheet.content), {ctx.customers.auto.name: [6] * 8})
    row = _row_of(filled, ctx.customers.auto.name)
    url = reverse("prioritization:scoresheet_import") + f"?bu=MFG&year={YEAR}"
    upload = SimpleUploadedFile("sheet.xlsx", filled.getvalue())
    page = client.post(url, {"file": upload, "apply": "0", "bu": "MFG", "year": YEAR}).content.decode()
    assert f"第 {row} 行" in page and f"C{row}（{specs[0].name}）" in page and ctx.buvp.username in page
    assert 'data-testid="sheet-as-of"' in page and ctx.segmgr.username in page
    upload = SimpleUploadedFile("sheet.xlsx", filled.getvalue())
    response = client.post(url, {"file": upload, "apply": "1", "bu": "MFG", "year": YEAR})
    assert response.status_code == 200  # not written: shown again with the error
    assert _stored(ctx.segmgr, ctx.customers.auto) == {specs[0].key: 80}


def test_the_import_command_prints_the_cell_and_exits_1(ctx, specs, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "sheet.xlsx"
    path.write_bytes(_export(ctx.segmgr, ctx.org).getvalue())
    _save(ctx.buvp, ctx.customers.auto, ctx.version, {specs[0]: 8}, evaluator=ctx.segmgr)
    path.write_bytes(_fill(io.BytesIO(path.read_bytes()), {ctx.customers.auto.name: [6] * 8}).getvalue())
    out = io.StringIO()
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
            "--dry-run",
            stdout=out,
        )
    assert exit_info.value.code == 1
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "scored=0 errors=1" and f"（{specs[0].name}）" in lines[0] and "buvp" in lines[0]
