"""A criteria version as an xlsx workbook (for the management meeting) and back.

Writing: every text cell is text (a value beginning with = + - @ or a tab is never a formula).
Reading: `version_workbook_read` turns a workbook into plain rows, or a list of errors; the service
`version_import` applies them with the same validation as the browser form."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from decimal import Decimal, InvalidOperation
from itertools import islice

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from criteria.models import Dimension
from criteria.validation import CADENCE_DAYS_MAX, CADENCE_DAYS_MIN, QUOTA_MAX
from prioritization.tiers import Tier
from prospects.excel.reader import NotAWorkbook, WorkbookError, check_zip_members

CRITERIA_SHEET = "选择标准"
PRINCIPLES_SHEET = "分级客户管理原则"
SETTINGS_SHEET = "阈值与规模"
SEGMENTS_SHEET = "重点细分市场"

CRITERIA_HEADERS = ["维度", "顺序", "标准名称", "英文名称", "权重(%)", "说明", "评判方法", "量化规则"]
PRINCIPLE_HEADERS = ["级别", "名称", "服务原则", "联系频率(天)", "预期行动"]
SETTINGS_HEADERS = ["项目", "值"]
SEGMENT_HEADERS = ["细分市场代码", "细分市场", "大型配额", "中型配额", "小型配额"]

# (settings field, label in the workbook)
SETTINGS_ROWS = [
    ("attractiveness_threshold", "吸引力阈值"),
    ("feasibility_threshold", "可行性阈值"),
    ("capacity_tier1", "一级客户容量"),
    ("capacity_tier2", "二级客户容量"),
    ("capacity_tier3", "三级客户容量"),
    ("large_min", "大型客户营业额下限(万元)"),
    ("medium_min", "中型客户营业额下限(万元)"),
]
DIMENSION_LABELS = {"吸引力": Dimension.ATTRACTIVENESS, "可行性": Dimension.FEASIBILITY}
TIER_LABELS = {"一级": Tier.TIER1, "二级": Tier.TIER2, "三级": Tier.TIER3, "不考虑": Tier.NO}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 500

_FORMULA_STARTS = ("=", "+", "-", "@", "\t")


class WorkbookUnusable(ValueError):
    """Not an xlsx, or a required sheet/header is missing (exit code 2 for a command)."""


def _put(ws, row, col, value):
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        # openpyxl treats a string starting with "=" as a formula; force text for every string.
        cell.data_type = "s"
    return cell


def _sheet(wb, title, headers, rows):
    ws = wb.create_sheet(title)
    for col, header in enumerate(headers, 1):
        _put(ws, 1, col, header)
    for r, values in enumerate(rows, 2):
        for col, value in enumerate(values, 1):
            _put(ws, r, col, value)
    return ws


def version_workbook(version) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    dimension_label = {v: k for k, v in DIMENSION_LABELS.items()}
    criteria = sorted(version.criteria.all(), key=lambda c: (c.dimension != "attractiveness", c.order, c.pk))
    _sheet(
        wb,
        CRITERIA_SHEET,
        CRITERIA_HEADERS,
        [
            [
                dimension_label[c.dimension], c.order, c.name, c.name_en, c.weight, c.description,
                c.guidance, json.dumps(c.rule, ensure_ascii=False) if c.rule else "",
            ]
            for c in criteria
        ],
    )  # fmt: skip
    tier_label = {v: k for k, v in TIER_LABELS.items()}
    _sheet(
        wb,
        PRINCIPLES_SHEET,
        PRINCIPLE_HEADERS,
        [
            [tier_label[p.tier], p.name, p.service_principle, p.contact_cadence_days, p.expected_actions]
            for p in sorted(version.principles.all(), key=lambda p: list(Tier).index(p.tier))
        ],
    )
    _sheet(
        wb,
        SETTINGS_SHEET,
        SETTINGS_HEADERS,
        [[label, getattr(version, field)] for field, label in SETTINGS_ROWS],
    )
    _sheet(
        wb,
        SEGMENTS_SHEET,
        SEGMENT_HEADERS,
        [
            [t.segment.code, t.segment.name, t.quota_large, t.quota_medium, t.quota_small]
            for t in version.target_segments.all()
        ],
    )
    for ws in wb.worksheets:
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------------
def _norm_header(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split())


def _find_header(rows, headers, sheet):
    wanted = [_norm_header(h) for h in headers]
    for index, row in enumerate(rows[:10]):
        got = [_norm_header(v) for v in row]
        if all(w in got for w in wanted[:1]) and sum(w in got for w in wanted) >= len(wanted) - 2:
            missing = [h for h, w in zip(headers, wanted, strict=True) if w not in got]
            return index, {w: got.index(w) for w in wanted if w in got}, missing
    raise WorkbookUnusable(
        _("工作表 %(sheet)s 的前 10 行中找不到表头（%(headers)s）。")
        % {"sheet": sheet, "headers": " · ".join(headers)}
    )


def _percent_cell_value(cell):
    """A cell's value; a number shown as a percentage (Excel stores 40% as 0.4) as its percent."""
    value = cell.value
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and "%" in (getattr(cell, "number_format", None) or "")
    ):
        return Decimal(str(value)) * 100
    return value


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows_of(wb, sheet, headers, required=True, percent_headers=()):
    """(Excel row number, {header: value}) of the sheet's non-blank rows below its header row; the
    numbers of `percent_headers` columns shown as percentages are read as what they show."""
    if sheet not in wb.sheetnames:
        if required:
            raise WorkbookUnusable(_("缺少工作表 %(sheet)s。") % {"sheet": sheet})
        return None
    # at most one row past the limit is read: a far cell (P1048576) must not materialise a million rows
    cells = [list(r) for r in islice(wb[sheet].iter_rows(), MAX_ROWS + 1)]
    if len(cells) > MAX_ROWS:
        raise WorkbookUnusable(_("工作表 %(sheet)s 超过 %(max)s 行。") % {"sheet": sheet, "max": MAX_ROWS})
    rows = [[c.value for c in r] for r in cells]
    start, columns, missing = _find_header(rows, headers, sheet)
    if missing:
        raise WorkbookUnusable(
            _("工作表 %(sheet)s 缺少表头：%(headers)s。") % {"sheet": sheet, "headers": "、".join(missing)}
        )
    percent = {_norm_header(h) for h in percent_headers}
    out = []
    for number, row in enumerate(cells[start + 1 :], start + 2):
        values = {}
        for h in headers:
            key = _norm_header(h)
            cell = row[columns[key]] if columns[key] < len(row) else None
            if cell is None:
                values[h] = None
            else:
                values[h] = _percent_cell_value(cell) if key in percent else cell.value
        if all(_is_blank(v) for v in values.values()):
            continue
        out.append((number, values))
    return out


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int(value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():  # "NaN", "Infinity"
        raise ValueError(value)
    return number


def _weight(value):
    """A weight in whole percent: 40, "40", "40%" (text), or 0.4 (a percentage cell whose format the
    file lost, or a fraction typed as such: a weight below 1% cannot be meant)."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if text.endswith("%"):
            return _int(text[:-1])
    number = _decimal(value)
    if number is not None and 0 < number < 1 and (number * 100) == (number * 100).to_integral_value():
        return int(number * 100)
    return _int(value)


def _setting_limit_error(field, value) -> str:
    """The browser form's limits of a settings value, in words ("" when within them)."""
    if value is None:
        return ""
    if field.endswith("_threshold") and not (1 <= value <= 10 and value == value.quantize(Decimal("0.01"))):
        return _("阈值“%(value)s”必须是 1–10 之间、最多两位小数的数字") % {"value": value}
    if field.startswith("capacity") and value < 0:
        return _("容量“%(value)s”不能为负数") % {"value": value}
    if field.endswith("_min") and value < 0:
        return _("营业额下限“%(value)s”不能为负数") % {"value": value}
    return ""


def version_workbook_read(data: bytes):
    """(content, errors): content = {"criteria": [...], "principles": {tier: {...}} | None,
    "settings": {...} | None, "segments": [(code, quotas)] | None}; errors = ["sheet row n: …"]."""
    if len(data) > MAX_BYTES:
        raise WorkbookUnusable(_("文件过大（最大 2 MB）。"))
    try:  # a zip bomb is refused by its members' declared sizes before openpyxl inflates anything
        check_zip_members(data, max_bytes=MAX_BYTES)
    except NotAWorkbook:
        pass  # openpyxl below refuses it with this importer's own message
    except WorkbookError as exc:
        raise WorkbookUnusable(str(exc)) from exc
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise WorkbookUnusable(_("文件不是有效的 xlsx 工作簿。")) from exc
    errors: list[str] = []
    criteria = []
    for number, row in _rows_of(wb, CRITERIA_SHEET, CRITERIA_HEADERS, percent_headers=["权重(%)"]):
        where = _("%(sheet)s 第 %(row)s 行") % {"sheet": CRITERIA_SHEET, "row": number}
        dimension = DIMENSION_LABELS.get(_text(row["维度"])) or (
            _text(row["维度"]) if _text(row["维度"]) in Dimension.values else None
        )
        if dimension is None:
            errors.append(
                _("%(where)s：维度“%(value)s”应为 吸引力 或 可行性")
                % {"where": where, "value": _text(row["维度"])}
            )
            continue
        try:
            weight = _weight(row["权重(%)"])
        except ValueError:
            errors.append(
                _("%(where)s：权重“%(value)s”必须是整数百分比") % {"where": where, "value": row["权重(%)"]}
            )
            continue
        rule_text = _text(row["量化规则"])
        try:
            rule = json.loads(rule_text) if rule_text else None
        except json.JSONDecodeError:
            errors.append(_("%(where)s：量化规则不是有效的 JSON") % {"where": where})
            continue
        criteria.append(
            {
                "dimension": str(dimension),
                "name": _text(row["标准名称"]),
                "name_en": _text(row["英文名称"]),
                "weight": weight,
                "description": _text(row["说明"]),
                "guidance": _text(row["评判方法"]),
                "rule": rule,
                "_order": _int(row["顺序"]) if _text(row["顺序"]).isdigit() else number,
            }
        )
    criteria.sort(key=lambda r: (r["dimension"] != "attractiveness", r.pop("_order")))

    principles = None
    principle_rows = _rows_of(wb, PRINCIPLES_SHEET, PRINCIPLE_HEADERS, required=False)
    if principle_rows is not None:
        principles = {}
        for number, row in principle_rows:
            where = _("%(sheet)s 第 %(row)s 行") % {"sheet": PRINCIPLES_SHEET, "row": number}
            tier = TIER_LABELS.get(_text(row["级别"]))
            if tier is None:
                errors.append(_("%(where)s：级别应为 一级/二级/三级/不考虑") % {"where": where})
                continue
            try:
                cadence = _int(row["联系频率(天)"])
            except ValueError:
                errors.append(_("%(where)s：联系频率必须是整数天数") % {"where": where})
                continue
            if cadence is not None and not CADENCE_DAYS_MIN <= cadence <= CADENCE_DAYS_MAX:
                errors.append(
                    _("%(where)s：联系频率必须在 %(min)s–%(max)s 天之间")
                    % {"where": where, "min": CADENCE_DAYS_MIN, "max": CADENCE_DAYS_MAX}
                )
                continue
            principles[tier] = {
                "name": _text(row["名称"]),
                "service_principle": _text(row["服务原则"]),
                "contact_cadence_days": cadence,
                "expected_actions": _text(row["预期行动"]),
            }

    settings = None
    settings_rows = _rows_of(wb, SETTINGS_SHEET, SETTINGS_HEADERS, required=False)
    if settings_rows is not None:
        settings = {}
        by_label = {_norm_header(label): field for field, label in SETTINGS_ROWS}
        for number, row in settings_rows:
            field = by_label.get(_norm_header(row["项目"]))
            if field is None:
                continue
            try:
                value = _decimal(row["值"])
            except ValueError:
                errors.append(
                    _("%(sheet)s 第 %(row)s 行：“%(value)s”不是数字")
                    % {"sheet": SETTINGS_SHEET, "row": number, "value": row["值"]}
                )
                continue
            if field.startswith("capacity") and value is not None:
                try:
                    value = _int(value)
                except ValueError:
                    errors.append(
                        _("%(sheet)s 第 %(row)s 行：容量“%(value)s”须为整数")
                        % {"sheet": SETTINGS_SHEET, "row": number, "value": row["值"]}
                    )
                    continue
            if value is None and not field.startswith("capacity"):
                continue
            limit = _setting_limit_error(field, value)
            if limit:
                errors.append(
                    _("%(sheet)s 第 %(row)s 行：%(error)s")
                    % {"sheet": SETTINGS_SHEET, "row": number, "error": limit}
                )
                continue
            settings[field] = value

    segments = None
    segment_rows = _rows_of(wb, SEGMENTS_SHEET, SEGMENT_HEADERS, required=False)
    if segment_rows is not None:
        segments = []
        for number, row in segment_rows:
            try:
                quotas = {
                    "quota_large": _int(row["大型配额"]) or 0,
                    "quota_medium": _int(row["中型配额"]) or 0,
                    "quota_small": _int(row["小型配额"]) or 0,
                }
            except ValueError:
                errors.append(
                    _("%(sheet)s 第 %(row)s 行：配额必须是整数") % {"sheet": SEGMENTS_SHEET, "row": number}
                )
                continue
            if not all(0 <= q <= QUOTA_MAX for q in quotas.values()):
                errors.append(
                    _("%(sheet)s 第 %(row)s 行：配额必须在 0–%(max)s 之间")
                    % {"sheet": SEGMENTS_SHEET, "row": number, "max": QUOTA_MAX}
                )
                continue
            segments.append((number, _text(row["细分市场代码"]) or _text(row["细分市场"]), quotas))
    wb.close()
    return {
        "criteria": criteria,
        "principles": principles,
        "settings": settings,
        "segments": segments,
    }, errors
