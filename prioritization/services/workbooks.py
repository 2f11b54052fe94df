"""The workbooks of stage 2.3.3 (INTERFACES.md "Workbooks"): the score sheet `评分表` (export, and
import with dry run) and the tier/owner list `目标客户分级名单`. Reading, validating and writing are
separate steps; the import applies all rows or, with `partial`, the valid ones."""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
    warnings: list = field(default_factory=list)  # e.g. the unknown columns that were ignored

    @property
    def errors(self) -> list:
        return [(r.row, e) for r in self.rows for e in r.errors]


@dataclass
class _Sheet:
    rows: list
    mark: ExportMark | None
    warnings: list


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


def _columns(header_row, keys, known: dict[str, str]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Header key → column index of the known columns; (letter, text) of the unknown ones. A known
    header twice makes the file unusable: which of the two columns holds the scores is a guess."""
    col, unknown = {}, []
    for index, key in enumerate(keys):
        if not key:
            continue
        if key not in known:
            unknown.append((get_column_letter(index + 1), str(header_row[index]).strip()))
        elif key in col:
            raise UnusableFile(
                _("「%(header)s」列出现了两次（%(first)s 列和 %(second)s 列）。")
                % {
                    "header": known[key],
                    "first": get_column_letter(col[key] + 1),
                    "second": get_column_letter(index + 1),
                }
            )
        else:
            col[key] = index
    return col, unknown


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# 评估日期 as typed: 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日 (full-width digits too, after NFKC),
# optionally followed by a time of day.
_DATE_TEXT = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:\s*[T ]\s*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (serials from 61 on)
# A plain number in the date column is read as an Excel date serial (a date cell whose format was
# lost) only from 2000-01-01 on: a small number there (a score typed one column too far) is no date.
SERIAL_FIRST = (date(2000, 1, 1) - EXCEL_EPOCH).days
SERIAL_LAST = (date(9999, 12, 31) - EXCEL_EPOCH).days
INVALID = "invalid"


def _parse_date(value):
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return INVALID
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value) or not SERIAL_FIRST <= value < SERIAL_LAST + 1:
            return INVALID
        return EXCEL_EPOCH + timedelta(days=int(value))
    match = _DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", str(value)).strip())
    if match is None:
        return INVALID
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return INVALID


_DECIMAL_COMMA = re.compile(r"\s*\+?[0-9]{1,2},[0-9]{1,2}\s*")


def _parse_score(value) -> Decimal:
    """`scoring.parse_score` of a cell as Excel holds it: a float within 1e-9 of a tenth is that
    tenth (=7.2-0.1 is stored as 7.1000000000000005, and Excel shows 7.1); a comma (half- or
    full-width) is a decimal separator (scores have no thousands: "1,000" stays an error)."""
    if isinstance(value, float) and math.isfinite(value):
        tenth = round(value, 1)
        if abs(value - tenth) <= 1e-9:
            value = repr(tenth)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value)
        if "," in text:
            if not _DECIMAL_COMMA.fullmatch(text):
                raise scoring.ScoreError(value)
            value = text.replace(",", ".")
    return scoring.parse_score(value)


def _shown(value) -> str:
    """A cell value as the user sees it in Excel (a float with at most 15 significant digits)."""
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def _number_key(value) -> str:
    """客户编号 matched after NFKC (full-width → half-width), without white space, upper case."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


def _names_of(user) -> set[str]:
    """What may stand in the 评估人 column for `user` (compared as company names are: NFKC, no
    white space, case folded): the username, the full name either way round, the display name, and
    the full name without a bracketed addition ("张经理" for "张经理（汽车制造业）")."""
    first, last = user.first_name or "", user.last_name or ""
    names = {user.get_username(), user.get_full_name(), _person(user), first + last, last + first}
    names |= {re.sub(r"\([^()]*\)", "", unicodedata.normalize("NFKC", n)) for n in set(names)}
    return {normalize_name(n) for n in names if n and n.strip()}


class _EvaluatorColumn:
    """Whether the 评估人 of a row is the evaluator the sheet is imported for. An evaluator with a
    name on record must be named by it (or the username); for one without (only a username), a
    name cannot be checked, so only a value naming another user is refused."""

    def __init__(self, evaluator):
        self.evaluator = evaluator
        self.names = _names_of(evaluator)
        self.named = bool(f"{evaluator.first_name or ''}{evaluator.last_name or ''}".strip())
        self._others = None

    def others(self) -> set[str]:
        if self._others is None:
            from django.contrib.auth import get_user_model

            self._others = set()
            for user in (
                get_user_model()
                .objects.exclude(pk=self.evaluator.pk)
                .only("username", "first_name", "last_name")
            ):
                self._others |= _names_of(user)
        return self._others

    def accepts(self, value) -> bool:
        key = normalize_name(str(value))
        if key in self.names:
            return True
        return not self.named and key not in self.others()


def scoresheet_read(file, *, actor, unit, version, evaluator=None) -> list[ScoreRow]:
    """Validate a filled score sheet: customers of the BU the actor (and the evaluator, default the
    actor) may score, scores 1–10 with at most one decimal, empty = not scored."""
    return _scoresheet_read(file, actor=actor, unit=unit, version=version, evaluator=evaluator).rows


def _scoresheet_read(file, *, actor, unit, version, evaluator=None) -> _Sheet:
    evaluator = evaluator or actor
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
    known = {"客户编号": "客户编号", "公司名称": "公司名称", "评估人": "评估人", "评估日期": "评估日期"}
    known.update({header_key(s.name): s.name for s in specs})
    col, unknown = _columns(rows[start], keys, known)
    warnings = []
    if unknown:
        warnings.append(
            _("以下列无法识别，已忽略：%(columns)s")
            % {"columns": "、".join(f"{letter}「{text}」" for letter, text in unknown)}
        )
    data = rows[start + 1 :]
    if len(data) > MAX_ROWS:
        raise UnusableFile(_("超过 %(n)s 行的上限。") % {"n": MAX_ROWS})
    scorable = listed_customers(user=actor, unit=unit, year=version.year, action=Action.SCORE)
    by_number = {_number_key(c.number): c for c in scorable}
    by_name = {c.name_key: c for c in by_number.values()}
    # scorecard_record refuses to record a score for an evaluator who may not score the customer:
    # checked here too, so a dry run reports it and --partial writes the other rows.
    allowed = None
    if evaluator.pk != actor.pk:
        allowed = set(
            listed_customers(user=evaluator, unit=unit, year=version.year, action=Action.SCORE).values_list(
                "pk", flat=True
            )
        )
    evaluator_column = _EvaluatorColumn(evaluator)
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    identity = [col["客户编号"], col["公司名称"], *[col[header_key(s.name)] for s in specs]]
    seen = {}
    result = []
    for offset, raw in enumerate(data):
        row_no = start + 2 + offset
        raw = list(raw) + [None] * (len(keys) - len(raw))
        if all(_blank(raw[i]) for i in identity):
            continue
        number = str(raw[col["客户编号"]] if raw[col["客户编号"]] is not None else "").strip()
        name = str(raw[col["公司名称"]] if raw[col["公司名称"]] is not None else "").strip()
        customer = by_number.get(_number_key(number)) if number else by_name.get(normalize_name(name))
        item = ScoreRow(row_no, customer)
        if customer is None:
            item.errors.append(_("找不到该客户，或不在您可评分的 %(year)s 年度名单上：%(who)s") % {
                "year": version.year, "who": number or name})  # fmt: skip
        elif number and name and normalize_name(name) != normalize_name(customer.name):
            item.customer = None
            item.errors.append(
                _("客户编号 %(number)s 属于另一家公司“%(company)s”，与公司名称“%(name)s”不符。")
                % {"number": customer.number, "company": customer.name, "name": name}
            )
        elif customer.pk in seen:
            item.errors.append(_("与第 %(row)s 行是同一客户。") % {"row": seen[customer.pk]})
        else:
            seen[customer.pk] = row_no
        refused_at = (
            len(item.errors) if allowed is not None and customer and customer.pk not in allowed else None
        )
        for spec in specs:
            index = col[header_key(spec.name)]
            value = raw[index]
            if _blank(value):
                continue
            try:
                item.scores[spec.key] = _parse_score(value)
                item.columns[spec.key] = get_column_letter(index + 1)
            except scoring.ScoreError:
                item.errors.append(
                    _("%(name)s：“%(value)s”不是 1 到 10 之间、最多一位小数的数字。")
                    % {"name": spec.name, "value": _shown(value)}
                )
        if refused_at is not None and item.scores:  # a row without scores writes nothing: no error
            item.errors.insert(
                refused_at,
                _("评估人 %(user)s 无权为该客户评分：%(customer)s")
                % {"user": evaluator.get_username(), "customer": f"{customer.number} {customer.name}"},
            )
        if "评估人" in col:
            who = raw[col["评估人"]]
            if not _blank(who) and not evaluator_column.accepts(who):
                item.errors.append(
                    _("%(cell)s（评估人）：“%(value)s”不是本次导入的评估人 %(evaluator)s。")
                    % {
                        "cell": f"{get_column_letter(col['评估人'] + 1)}{row_no}",
                        "value": str(who).strip(),
                        "evaluator": evaluator.get_username(),
                    }
                )
        if "评估日期" in col:
            parsed = _parse_date(raw[col["评估日期"]])
            if parsed == INVALID:
                item.errors.append(_("评估日期无效（请用 YYYY-MM-DD）。"))
            elif parsed is not None and parsed > today:
                item.errors.append(
                    _("%(cell)s（评估日期）：%(date)s 晚于今天（%(today)s），评估日期不能是将来的日期。")
                    % {
                        "cell": f"{get_column_letter(col['评估日期'] + 1)}{row_no}",
                        "date": parsed.isoformat(),
                        "today": today.isoformat(),
                    }
                )
            else:
                item.scored_on = parsed
        result.append(item)
    return _Sheet(result, mark, warnings)


def _mark_conflicts(rows: list[ScoreRow], *, evaluator, mark: ExportMark, specs) -> None:
    """Add an error, with its Excel cell, for every score of the sheet that would overwrite a score
    of `evaluator` changed after the sheet was exported by someone else to a different value. The
    evaluator's own later changes (an earlier import of this sheet, their edits in the grid) are
    not conflicts: the sheet is theirs. What counts is the latest change of each score: someone
    else's change that the evaluator changed again afterwards is no longer theirs to lose."""
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
            if change is None or change.history_user_id == evaluator.pk or now == int(value * 10):
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


class _Refused(Exception):
    """Rolls the import back: a row was refused while writing and the import is not partial."""


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
    sheet = _scoresheet_read(file, actor=actor, unit=unit, version=version, evaluator=evaluator)
    rows, mark = sheet.rows, sheet.mark
    try:
        return _scores_apply(
            actor=actor,
            evaluator=evaluator,
            unit=unit,
            year=year,
            version=version,
            sheet=sheet,
            dry_run=dry_run,
            partial=partial,
        )
    except _Refused:  # a row refused while writing, without `partial`: nothing was written
        return ImportResult(rows=rows, as_of=mark, warnings=sheet.warnings)


def _scores_apply(*, actor, evaluator, unit, year, version, sheet, dry_run, partial) -> ImportResult:
    rows, mark = sheet.rows, sheet.mark
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
        result = ImportResult(rows=rows, as_of=mark, warnings=sheet.warnings)
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
            try:  # scorecard_record is atomic: a refused row leaves nothing of itself behind
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
            except (ValidationError, PermissionDenied) as exc:
                # Checked while reading already; this is a change in between (e.g. a membership).
                item.errors.extend(
                    exc.messages
                    if isinstance(exc, ValidationError)
                    else [_("%(user)s 无权为该客户评分。") % {"user": actor}]
                )
                if not partial:
                    raise _Refused from exc
                continue
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


def _discard(ws) -> None:
    """Close a write-only sheet whose workbook could not be saved (e.g. an unwritable path) and
    remove its temporary file: left to the garbage collector, its row writer reports "I/O
    operation on closed file" on stderr."""
    with contextlib.suppress(Exception):
        if not ws.closed:
            ws.close()
    with contextlib.suppress(Exception):
        ws._writer.cleanup()


def tiers_write(out, *, actor, unit, year: int, segment=None) -> int:
    """The tiered target list and owner list of the BU-year (scoped to the actor). A segment the
    actor may not see is refused (as the score sheet is), not answered with an empty list."""
    scope = scope_for(actor)
    if segment is not None:
        allowed = scope.can_in(Action.VIEW, unit=unit, segment=segment)
    else:
        allowed = (
            scope.can_in(Action.VIEW, unit=unit) or scope.segments(Action.VIEW).filter(unit=unit).exists()
        )
    if not allowed:
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

    def score(value):
        cell = WriteOnlyCell(ws, value=_number(value))
        cell.number_format = "0.00"
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
                score(target.attractiveness if target else None),
                score(target.feasibility if target else None),
                target.rank if target else None,
                text(str(labels.get(target.proposed_tier, "")) if target else ""),
                text(str(labels.get(target.tier, "")) if target else ""),
                text(_person(customer.overall_owner)),
                text(_person(customer.daily_owner)),
                text(str(status)),
            ]
        )
    try:
        wb.save(out)
    except BaseException:
        _discard(ws)
        raise
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
