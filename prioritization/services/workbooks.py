"""The workbooks of stage 2.3.3 (INTERFACES.md "Workbooks"): the score sheet `评分表` (export, and
import with dry run) and the tier/owner list `目标客户分级名单`. Reading, validating and writing are
separate steps; the import applies all rows or, with `partial`, the valid ones."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from prioritization import scoring
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent
from prioritization.selectors.targets import listed_customers, target_rows
from prioritization.services.audit import audit_record
from prioritization.services.scoring import (
    ScoreInput,
    criterion_specs,
    scorecard_record,
    scores_recompute,
    suggestions_for,
    version_in_force,
)
from prioritization.tiers import Tier
from prospects.excel.reader import NotAWorkbook, WorkbookError, check_zip_members
from prospects.models import Customer, normalize_name

SCORE_SHEET = "评分表"
TIER_SHEET = "目标客户分级名单"
TIER_HEADERS = [
    "客户编号", "公司名称", "细分市场", "吸引力得分", "可行性得分", "综合排名", "建议级别", "级别",
    "总负责人", "日常关系负责人", "客户发展状态",
]  # fmt: skip
MAX_ROWS = 20000
MAX_BYTES = 20 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t")


class UnusableFile(ValidationError):
    """Missing file, not an xlsx, required headers missing, over the limits (exit code 2)."""


def header_key(value) -> str:
    """Headers match with surrounding spaces, line breaks and full- or half-width brackets."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"\s+", "", text)


def text_cell(cell, value):
    """Write text as text: a value that begins with = + - @ or a tab never becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
    return cell


def _person(user):
    if user is None:
        return ""
    return user.get_full_name() or user.username


# --- score sheet ---------------------------------------------------------------------------------


def scoresheet_write(out, *, actor, unit, segment, year: int) -> int:
    """One row per customer of the segment's list the actor may score; one column per criterion
    (attractiveness first, each in order), cells restricted to 1–10 with one decimal."""
    if not scope_for(actor).can_in(Action.SCORE, unit=unit, segment=segment):
        raise PermissionDenied
    version = version_in_force(unit=unit, year=year)
    specs = criterion_specs(version)
    customers = listed_customers(
        user=actor, unit=unit, year=year, segment=segment, action=Action.SCORE
    ).order_by("number")
    wb = Workbook()
    ws = wb.active
    ws.title = SCORE_SHEET
    headers = ["客户编号", "公司名称", *[s.name for s in specs], "评估人", "评估日期"]
    for col, header in enumerate(headers, start=1):
        text_cell(ws.cell(row=1, column=col), header).font = Font(bold=True)
    count = 0
    for count, customer in enumerate(customers, start=1):
        text_cell(ws.cell(row=count + 1, column=1), customer.number)
        text_cell(ws.cell(row=count + 1, column=2), customer.name)
    last_row = max(count + 1, 2)
    if specs:
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1="1",
            formula2="10",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("得分无效"),
            error=_("请输入 1 到 10 之间、最多一位小数的数字。"),
        )
        first_col = ws.cell(row=2, column=3).column_letter
        last_col = ws.cell(row=2, column=2 + len(specs)).column_letter
        validation.add(f"{first_col}2:{last_col}{max(last_row, 1000)}")
        ws.add_data_validation(validation)
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].width = 28
    _write_export_info(wb, actor=actor, unit=unit, year=year)
    wb.save(out)
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=actor,
        unit=unit,
        target=f"scoresheet {segment.code} {year}",
        detail={"rows": count},
    )
    return count


# A hidden sheet records when the score sheet was produced (the scorecard history's high-water
# mark): the import refuses a cell whose score someone changed after that, instead of overwriting
# it. A sheet without it (older, or made by hand) imports without that check.
INFO_SHEET = "导出信息"
INFO_MARK, INFO_AT, INFO_BY = "评分记录标记", "导出时间", "导出人"


@dataclass(frozen=True)
class ExportMark:
    revision: int
    exported_at: str = ""
    exported_by: str = ""


def _write_export_info(wb, *, actor, unit, year: int) -> None:
    from django.db.models import Max

    from prioritization.models import Scorecard

    mark = Scorecard.history.aggregate(latest=Max("history_id"))["latest"] or 0
    info = wb.create_sheet(INFO_SHEET)
    info.sheet_state = "hidden"
    rows = [
        (_("评分表导出信息：导入时用来发现导出之后别人修改过的评分，请勿修改。"), ""),
        (INFO_MARK, mark),
        (INFO_AT, timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (INFO_BY, actor.get_username()),
        ("业务单元", unit.code),
        ("年度", year),
    ]
    for number, (label, value) in enumerate(rows, start=1):
        text_cell(info.cell(row=number, column=1), label)
        text_cell(info.cell(row=number, column=2), value)


def _read_export_info(wb) -> ExportMark | None:
    if INFO_SHEET not in wb.sheetnames:
        return None
    values = {}
    for row in wb[INFO_SHEET].iter_rows(max_row=20, max_col=2, values_only=True):
        if row and row[0] is not None:
            values[header_key(row[0])] = row[1] if len(row) > 1 else None
    mark = values.get(INFO_MARK)
    raw = "" if mark is None else str(mark).strip()
    if not raw.isdigit() or len(raw) > 18:
        return None  # damaged: treated as a sheet without the mark
    return ExportMark(int(raw), str(values.get(INFO_AT) or ""), str(values.get(INFO_BY) or ""))


@dataclass
class ScoreRow:
    row: int
    customer: Customer | None
    scores: dict = field(default_factory=dict)  # criterion id → Decimal
    columns: dict = field(default_factory=dict)  # criterion id → Excel column letter
    scored_on: date | None = None
    errors: list = field(default_factory=list)


@dataclass
class ImportResult:
    scored: int = 0
    rows: list = field(default_factory=list)
    written: bool = False
    as_of: ExportMark | None = None  # the sheet's export mark; None: no lost-update check

    @property
    def errors(self) -> list:
        return [(r.row, e) for r in self.rows for e in r.errors]


def _open(file):
    if hasattr(file, "size") and file.size > MAX_BYTES:
        raise UnusableFile(_("文件超过 20 MB。"))
    try:  # a zip bomb is refused by its members' declared sizes before openpyxl inflates anything
        check_zip_members(file, max_bytes=MAX_BYTES)
    except NotAWorkbook:
        pass  # openpyxl below refuses it with this importer's own message
    except WorkbookError as exc:
        raise UnusableFile(str(exc)) from exc
    except FileNotFoundError as exc:
        raise UnusableFile(_("文件不存在。")) from exc
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise UnusableFile(_("文件不存在。")) from exc
    except Exception as exc:  # openpyxl raises several kinds for a non-xlsx file
        raise UnusableFile(_("文件不是有效的 xlsx 工作簿。")) from exc
    return wb


def _find_header(rows, wanted):
    for index, row in enumerate(rows[:10]):
        keys = [header_key(v) for v in row]
        if all(w in keys for w in wanted):
            return index, keys
    return None, None


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        return "invalid"


def scoresheet_read(file, *, actor, unit, version) -> list[ScoreRow]:
    """Validate a filled score sheet: customers of the BU the actor may score, scores 1–10 with at
    most one decimal, empty = not scored."""
    return _scoresheet_read(file, actor=actor, unit=unit, version=version)[0]


def _scoresheet_read(file, *, actor, unit, version) -> tuple[list[ScoreRow], ExportMark | None]:
    wb = _open(file)
    ws = wb[SCORE_SHEET] if SCORE_SHEET in wb.sheetnames else wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 11))
    mark = _read_export_info(wb)
    wb.close()
    if len(rows) > MAX_ROWS + 10:  # refused before anything else is looked up (the header is in rows 1–10)
        raise UnusableFile(_("超过 %(n)s 行的上限。") % {"n": MAX_ROWS})
    specs = criterion_specs(version)
    wanted = ["客户编号", "公司名称", *[header_key(s.name) for s in specs]]
    start, keys = _find_header(rows, wanted)
    if start is None:
        found = {header_key(v) for row in rows[:10] for v in row}
        missing = [w for w in wanted if w not in found]
        raise UnusableFile(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    data = rows[start + 1 :]
    if len(data) > MAX_ROWS:
        raise UnusableFile(_("超过 %(n)s 行的上限。") % {"n": MAX_ROWS})
    col = {k: i for i, k in reversed(list(enumerate(keys)))}
    scorable = listed_customers(user=actor, unit=unit, year=version.year, action=Action.SCORE)
    by_number = {c.number: c for c in scorable}
    by_name = {c.name_key: c for c in by_number.values()}
    seen = {}
    result = []
    for offset, raw in enumerate(data):
        row_no = start + 2 + offset
        raw = list(raw) + [None] * (len(keys) - len(raw))
        number = str(raw[col["客户编号"]] or "").strip()
        name = str(raw[col["公司名称"]] or "").strip()
        if not number and not name and all(raw[col[header_key(s.name)]] in (None, "") for s in specs):
            continue
        item = ScoreRow(row_no, by_number.get(number) if number else by_name.get(normalize_name(name)))
        if item.customer is None:
            item.errors.append(_("找不到该客户，或不在您可评分的 %(year)s 年度名单上：%(who)s") % {
                "year": version.year, "who": number or name})  # fmt: skip
        elif item.customer.pk in seen:
            item.errors.append(_("与第 %(row)s 行是同一客户。") % {"row": seen[item.customer.pk]})
        else:
            seen[item.customer.pk] = row_no
        for spec in specs:
            value = raw[col[header_key(spec.name)]]
            if value in (None, "") or (isinstance(value, str) and not value.strip()):
                continue
            try:
                item.scores[spec.key] = scoring.parse_score(value)
                item.columns[spec.key] = get_column_letter(col[header_key(spec.name)] + 1)
            except scoring.ScoreError:
                item.errors.append(
                    _("%(name)s：“%(value)s”不是 1 到 10 之间、最多一位小数的数字。")
                    % {"name": spec.name, "value": value}
                )
        if "评估日期" in col:
            parsed = _parse_date(raw[col["评估日期"]])
            if parsed == "invalid":
                item.errors.append(_("评估日期无效（请用 YYYY-MM-DD）。"))
            else:
                item.scored_on = parsed
        result.append(item)
    return result, mark


def _mark_conflicts(rows: list[ScoreRow], *, evaluator, mark: ExportMark, specs) -> None:
    """Add an error, with its Excel cell, for every score of the sheet that would overwrite a score
    of `evaluator` changed after the sheet was exported (by anyone) to a different value."""
    from prioritization.models import Scorecard

    ids = [r.customer.pk for r in rows if r.customer is not None and r.scores]
    if not ids:
        return
    latest = {}
    for change in (
        Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id__in=ids, history_id__gt=mark.revision)
        .select_related("history_user")
        .order_by("history_id")
    ):
        latest[(change.customer_id, change.criterion_id)] = change
    if not latest:
        return
    current = {
        (c, k): v
        for c, k, v in Scorecard.objects.filter(evaluator_id=evaluator.pk, customer_id__in=ids).values_list(
            "customer_id", "criterion_id", "score_tenths"
        )
    }
    names = {s.key: s.name for s in specs}
    for row in rows:
        if row.customer is None:
            continue
        for key, value in row.scores.items():
            change = latest.get((row.customer.pk, key))
            now = current.get((row.customer.pk, key))
            if change is None or now == int(value * 10):
                continue
            row.errors.append(
                _(
                    "%(cell)s（%(name)s）：评分表导出（%(exported)s）之后，%(who)s 于 %(when)s 已将%(evaluator)s的这项评分改为 %(now)s；表中为 %(value)s，未覆盖。请重新导出评分表，或清空该单元格后再导入。"
                )
                % {
                    "cell": f"{row.columns.get(key, '')}{row.row}",
                    "name": names.get(key, key),
                    "exported": mark.exported_at or "—",
                    "who": change.history_user or _("其他用户"),
                    "when": timezone.localtime(change.history_date).strftime("%Y-%m-%d %H:%M"),
                    "evaluator": _person(evaluator),
                    "now": "—" if now is None else scoring.from_tenths(now),
                    "value": value,
                }
            )


def scores_import(*, actor, evaluator, unit, year: int, file, dry_run=False, partial=False) -> ImportResult:
    """Record `evaluator`'s scorecards from a filled score sheet. Invalid rows: nothing is written
    unless `partial`. A score that departs from the rule's suggestion is recorded with the reason
    "offline score sheet" (the signed sheet is the evaluator's record)."""
    scope = scope_for(actor)
    if (
        not scope.can_in(Action.SCORE, unit=unit)
        and not scope.segments(Action.SCORE).filter(unit=unit).exists()
    ):
        raise PermissionDenied
    version = version_in_force(unit=unit, year=year)
    rows, mark = _scoresheet_read(file, actor=actor, unit=unit, version=version)
    with transaction.atomic():
        if mark is not None:
            if not dry_run:  # checked again under the customers' row locks, then written
                ids = sorted({r.customer.pk for r in rows if r.customer is not None})
                # as scorecard_record does (FOR NO KEY UPDATE: foreign-key checks are not blocked)
                list(
                    Customer.objects.select_for_update(no_key=True)
                    .filter(pk__in=ids)
                    .values_list("pk", flat=True)
                )
            _mark_conflicts(rows, evaluator=evaluator, mark=mark, specs=criterion_specs(version))
        result = ImportResult(rows=rows, as_of=mark)
        valid = [r for r in rows if not r.errors and r.scores]
        if (result.errors and not partial) or dry_run:
            result.scored = len(valid)
            return result
        suggestions = suggestions_for(customers=[r.customer for r in valid], version=version)
        reason = _("离线评分表导入（%(who)s）") % {"who": _person(evaluator)}
        for item in valid:
            entries = [
                ScoreInput(
                    criterion_id=key,
                    score=value,
                    override_reason=reason
                    if suggestions.get((item.customer.pk, key)) not in (None, value)
                    else "",
                )
                for key, value in item.scores.items()
            ]
            scorecard_record(
                actor=actor,
                customer=item.customer,
                version=version,
                entries=entries,
                evaluator=evaluator,
                scored_on=item.scored_on,
                suggestions=suggestions,
                recompute=False,
            )
            result.scored += 1
        if result.scored:
            scores_recompute(unit=unit, year=year, version=version)
    audit_record(
        kind=AuditEvent.Kind.IMPORT,
        actor=actor,
        unit=unit,
        target=f"scores {year}",
        detail={"scored": result.scored},
    )
    result.written = True
    return result


# --- tier list -----------------------------------------------------------------------------------


def _number(value: Decimal | None):
    return None if value is None else float(value)


def tiers_write(out, *, actor, unit, year: int, segment=None) -> int:
    """The tiered target list and owner list of the BU-year (scoped to the actor)."""
    if not scope_for(actor).can_in(Action.VIEW, unit=unit, segment=segment) and not (
        scope_for(actor).segments(Action.VIEW).filter(unit=unit).exists()
    ):
        raise PermissionDenied
    rows = target_rows(user=actor, unit=unit, year=year, segment=segment)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TIER_SHEET)
    from openpyxl.cell import WriteOnlyCell

    def text(value):
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value:
            cell.data_type = "s"
        return cell

    ws.append([text(h) for h in TIER_HEADERS])
    labels = dict(Tier.choices)
    for customer, target in rows:
        status = customer.get_development_status_display() if customer.development_status else ""
        if customer.development_status == "seminars":
            status = f"{status}（{customer.seminars_held}）"
        ws.append(
            [
                text(customer.number),
                text(customer.name),
                text(customer.segment.name if customer.segment else ""),
                _number(target.attractiveness) if target else None,
                _number(target.feasibility) if target else None,
                target.rank if target else None,
                text(str(labels.get(target.proposed_tier, "")) if target else ""),
                text(str(labels.get(target.tier, "")) if target else ""),
                text(_person(customer.overall_owner)),
                text(_person(customer.daily_owner)),
                text(str(status)),
            ]
        )
    wb.save(out)
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=actor,
        unit=unit,
        target=f"tiers {year}",
        detail={"rows": len(rows)},
    )
    return len(rows)


__all__ = [
    "FORMULA_START",
    "INFO_SHEET",
    "SCORE_SHEET",
    "TIER_HEADERS",
    "TIER_SHEET",
    "ImportResult",
    "UnusableFile",
    "scores_import",
    "scoresheet_read",
    "scoresheet_write",
    "tiers_write",
]
