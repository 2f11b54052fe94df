"""Writes basic-info workbooks (template, export, rejected rows) in openpyxl's streaming mode.
Template and export use the standard layout (COLUMNS order, planning-year headers); the rejected rows
of an import keep the user's own layout (write_rows_as_given).

Every text cell is written as text: openpyxl would turn a string starting with "=" into a formula
(and "#N/A"-like strings into errors), so those get an explicit string cell. Strings starting with
"+", "-", "@" or a tab are stored as string cells as well — an .xlsx string cell is never evaluated."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from prospects.excel.columns import CHOICES, COLUMNS, INSTRUCTIONS_SHEET, SHEET_NAME
from prospects.excel.reader import column_letter

AMOUNT_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"
LAST_ROW = 1048576
_WIDTHS = {"text": 18, "amount": 18, "integer": 12, "choice": 12, "segment": 16}


def basic_info_headers(planning_year: int, extra: Iterable[str] = ()) -> list[str]:
    return [c.title(planning_year - 1) for c in COLUMNS] + list(extra)


def safe_value(sheet, value):
    """A value openpyxl will not turn into a formula or an error cell. Characters a worksheet cannot
    hold (control characters of a rejected row) are shown as U+FFFD so that the row can be fixed."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if isinstance(value, str) and value and (value[0] == "=" or value in ERROR_CODES):
        cell = WriteOnlyCell(sheet, value=None)
        cell._value = value
        cell.data_type = "s"
        return cell
    return value


class _NotPlain(Exception):
    """A row holding something else than text, whole numbers and decimals: openpyxl writes it."""


def _row_xml(row, row_idx: int, letters: list[str]) -> str:
    """The <row> element openpyxl would write for plain values, built as text: strings become inline
    string cells (never a formula; characters a sheet cannot hold shown as U+FFFD), numbers number
    cells formatted by openpyxl's own safe_string."""
    r = str(row_idx)
    parts = [f'<row r="{r}">']
    append = parts.append
    illegal = ILLEGAL_CHARACTERS_RE.search
    for letter, value in zip(letters, row, strict=False):
        cls = value.__class__
        if value is None:
            continue
        if cls is str:
            if not value:  # an empty cell, as openpyxl writes it
                append(f'<c r="{letter}{r}" t="inlineStr"/>')
                continue
            if illegal(value):
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and stripped != value else ""
            if "&" in value or "<" in value or ">" in value:
                value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{value}</t></is></c>')
        elif cls is int or cls is Decimal or cls is float:
            append(f'<c r="{letter}{r}" t="n"><v>{safe_string(value)}</v></c>')
        else:
            raise _NotPlain
    append("</row>")
    return "".join(parts)


def _stream_plain_rows(sheet, width: int) -> bool:
    """Let the write-only `sheet` write rows of plain values (str, int, Decimal, float) as XML text
    instead of building an openpyxl cell and an XML element per value — the per-cell work that makes a
    bare openpyxl dump slow. Any other row (a prepared cell, a date) still goes through openpyxl. Only
    with openpyxl's standard-library XML writer (et_xmlfile), whose output function it needs; returns
    whether it is in place (call after the first row, which creates the sheet's writer)."""
    writer = getattr(sheet, "_writer", None)
    if writer is None or not callable(getattr(writer, "write_row", None)):
        return False
    original_write_row = writer.write_row
    original_values_to_row = sheet._values_to_row
    letters = [column_letter(i) for i in range(width)]

    def write_row(xf, row, row_idx):
        out = getattr(xf, "_file", None)
        if out is not None and isinstance(row, list) and len(row) <= width:
            try:
                out(_row_xml(row, row_idx, letters))
                return
            except _NotPlain:
                pass
        cells = original_values_to_row([safe_value(sheet, v) for v in row], row_idx)
        original_write_row(xf, cells, row_idx)

    sheet._values_to_row = lambda values, row_idx: values
    writer.write_row = write_row
    return True


def _header_cells(sheet, headers):
    cells = []
    for text in headers:
        value = safe_value(sheet, text)  # a header "=…" or "#N/A" (the user's own) stays text
        cell = value if isinstance(value, Cell) else WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _instructions(book, planning_year: int, segment_labels: list[str]):
    sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 110
    year = planning_year - 1
    lines = [
        _("客户基本信息表 · 填写说明（规划年度 %(planning)s，财务数据为 %(year)s 年）")
        % {"planning": planning_year, "year": year},
        "",
        _(
            "1. 每行一家公司。「公司名称」必填；「客户编号」由系统分配，新客户请留空，更新已有客户时保留编号。"
        ),
        _(
            "2. 有客户编号时按编号匹配；没有时按公司名称（忽略空格、全角/半角）在本业务单元内匹配。同一文件中两行指向同一客户会报错。"
        ),
        _(
            "3. 金额单位为万元，不能为负数，最多两位小数；可以带千位分隔符（1,234.5）或全角数字。「1.234」这类有歧义的写法会被拒绝。"
        ),
        _("4. 规模、积极态度、所有权结构请从下拉列表选择；规模留空时按营业额自动划分。"),
        _("5. 空白单元格不会清除已有数据；如需清除，请在客户详情页编辑。"),
        _(
            "6. 表头年份应为规划年度的上一年（%(year)s）；表头写了其他年份时，该列数值按表头年份保存并给出提示。"
        )
        % {"year": year},
        _("7. 未知的列会被忽略并在预览中列出。请先预览，确认无误后再导入。"),
        "",
        _("可填写的细分市场：%(segments)s") % {"segments": "、".join(segment_labels) or "—"},
    ]
    for line in lines:
        sheet.append([safe_value(sheet, line)])


def write_basic_info(
    target,
    rows: Iterable[list],
    *,
    planning_year: int,
    segment_labels: list[str],
    extra_headers: Iterable[str] = (),
) -> int:
    """Write the basic-info sheet (headers, dropdowns, number formats), `rows` (lists in COLUMNS
    order, plus any extra columns), and the instructions sheet. Returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    extra_headers = list(extra_headers)
    headers = basic_info_headers(planning_year, extra_headers)
    _format_columns(sheet, {column.key: index for index, column in enumerate(COLUMNS)}, segment_labels)
    for index, _text in enumerate(extra_headers):
        sheet.column_dimensions[column_letter(len(COLUMNS) + index)].width = 50
    sheet.freeze_panes = "C2"
    sheet.append(_header_cells(sheet, headers))
    count = _write_rows(sheet, rows, len(headers))
    _instructions(book, planning_year, segment_labels)
    book.save(target)
    return count


def write_rows_as_given(
    target,
    headers: list,
    rows: Iterable[list],
    *,
    planning_year: int,
    segment_labels: list[str],
    positions: dict[str, int],
    note_columns: Iterable[int] = (),
) -> int:
    """Write the basic-info sheet in the user's own layout: `headers` is the header row exactly as the
    user wrote it (any order, unknown columns included, None for an empty cell) and `rows` their rows
    as given, both starting at column A. `positions` maps the recognised column keys to their 0-based
    column (dropdowns and number formats go there); `note_columns` are wide columns for a note such as
    the error reason. Text is never written as a formula. Returns the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_NAME)
    _format_columns(sheet, positions, segment_labels)
    for index in note_columns:
        sheet.column_dimensions[column_letter(index)].width = 50
    if "name" in positions:
        sheet.freeze_panes = f"{column_letter(positions['name'] + 1)}2"
    width = len(headers)
    sheet.append(_header_cells(sheet, headers))
    count = _write_rows(sheet, (row[:width] for row in rows), width)
    _instructions(book, planning_year, segment_labels)
    book.save(target)
    return count


def _format_columns(sheet, positions: dict[str, int], segment_labels: list[str]) -> None:
    """Widths, number formats and dropdowns of the recognised columns at their 0-based `positions`."""
    for column in COLUMNS:
        index = positions.get(column.key)
        if index is None:
            continue
        letter = column_letter(index)
        sheet.column_dimensions[letter].width = 30 if column.key == "name" else _WIDTHS[column.kind]
        if column.kind == "amount":
            sheet.column_dimensions[letter].number_format = AMOUNT_FORMAT
        choices = list(CHOICES.get(column.key, ())) or (segment_labels if column.kind == "segment" else [])
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(c.replace('"', "") for c in choices) + '"',
                allow_blank=True,
                showErrorMessage=column.kind != "segment",
                errorTitle=_("无效的值"),
                error=_("请从下拉列表中选择"),
            )
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.data_validations.append(validation)


def _write_rows(sheet, rows: Iterable[list], width: int) -> int:
    count = 0
    # Amount columns carry the number format at column level (Excel applies it to what people type);
    # exported values are written as plain numbers, as text XML (see _stream_plain_rows).
    if _stream_plain_rows(sheet, width):
        append = sheet.append
        for row in rows:
            append(row if row.__class__ is list else list(row))
            count += 1
    else:  # openpyxl with lxml: every value through openpyxl, text cells protected one by one
        illegal = ILLEGAL_CHARACTERS_RE.search
        for row in rows:
            sheet.append(
                [
                    safe_value(sheet, v)
                    if isinstance(v, str) and v and (v[0] == "=" or v in ERROR_CODES or illegal(v))
                    else v
                    for v in row
                ]
            )
            count += 1
    return count
