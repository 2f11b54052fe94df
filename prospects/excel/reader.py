"""Reads a basic-info workbook: checks the file before parsing it (size, zip, inflated size, row
count), finds the header row among the first rows, matches headers tolerantly and yields each data
row as (Excel row number, {column key: raw cell value}). No database, no validation of values."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import unescape as xml_unescape

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from prospects.excel.columns import (
    COLUMNS,
    HEADER_SEARCH_ROWS,
    SHEET_NAME,
    Column,
    match_header,
    normalize_header,
)

# A workbook is a zip of XML. Its members may inflate to at most this many times the upload limit,
# and no member may claim a compression ratio above MAX_RATIO (a "zip bomb" claims thousands).
INFLATE_FACTOR = 25
MAX_RATIO = 200


class WorkbookError(Exception):
    """The file cannot be used at all (exit code 2 of the commands). The message is for the user."""


MAX_GRID_CELLS = 4_000_000  # rows × columns the sheet may span (calamine allocates the dense grid)
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# A cell with content: not self-closing (<c r="B2" s="3"/> is only formatting: pre-formatted empty
# rows down to row 150,000 are no data). Tags may carry a namespace prefix (<x:c …>).
_CONTENT_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?<!/)>')
_ELEMENT_START = re.compile(rb"<(?:\w+:)?(?:c|row)\b")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
# An error value saved by Excel (#N/A from a failed VLOOKUP, #DIV/0!…): calamine reads it as empty.
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*\bt="e")[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>.*?'
    rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>",
    re.S,
)
# A formula never calculated (written by a program, not saved by Excel): no value, or an empty one
# (<v/>) in a cell that is not of text type (an empty text result, t="str", is a real empty value).
_UNCALCULATED = re.compile(
    rb'<(?:\w+:)?c\b(?![^>]*\bt="str")[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*'
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
CHUNK_BYTES = 1 << 20


def _column_number(letters: bytes) -> int:
    """1-based column number of "A", "AB"…"""
    column = 0
    for ch in letters:
        column = column * 26 + ch - 64
    return column


class CellProblem(str):
    """A cell that shows something in Excel but holds no value the importer can read; the row gets
    an error naming it. Text (its error value or formula), so a rejected-rows file shows it."""


class ErrorValue(CellProblem):
    """An error value saved by Excel: "#N/A" (a failed VLOOKUP), "#DIV/0!"…"""


class UncalculatedFormula(CellProblem):
    """A formula with no saved result (written by a program, never calculated by Excel): "=B2*2"."""


@dataclass
class SheetScan:
    last_row: int = 0  # of the last cell with content (1-based)
    last_column: int = 0  # of the rightmost cell with content (1-based)
    problems: dict = field(default_factory=dict)  # (row 1-based, column 0-based) → CellProblem


def scan_sheet(path, sheet_name: str) -> SheetScan:
    """Streams the XML of `sheet_name` (no dense grid): the extent of the cells with content, and
    the cells that hold an error value or an uncalculated formula. An empty scan when the sheet's
    part cannot be found (calamine then reports it)."""
    scan = SheetScan()
    with zipfile.ZipFile(path) as archive:
        try:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, ElementTree.ParseError, DefusedXmlException):
            return scan
        rel_id = next(
            (e.get(_NS_REL) for e in book.iter() if e.tag.endswith("}sheet") and e.get("name") == sheet_name),
            None,
        )
        target = next((e.get("Target") for e in rels if e.get("Id") == rel_id), None)
        if not target:
            return scan
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if member not in archive.namelist():
            return scan
        letters_seen: set[bytes] = set()
        rows_seen = 0  # <row> elements: the extent of a file whose cells name no reference
        tail = b""
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                text = tail + chunk
                if chunk:
                    # Complete cells only: the last <c or <row may continue in the next chunk.
                    starts = [m.start() for m in _ELEMENT_START.finditer(text, max(0, len(text) - 65536))]
                    cut = starts[-1] if starts else len(text)
                    text, tail = text[:cut], text[cut:]
                rows_seen += text.count(b"<row") + text.count(b":row ")
                cells = _CONTENT_CELL.findall(text)
                if cells:
                    letters_seen.update(letters for letters, _digits in cells)
                    scan.last_row = max(scan.last_row, int(cells[-1][1]))  # rows come in order
                if b't="e"' in text:
                    for letters, digits, value in _ERROR_CELL.findall(text):
                        scan.problems[(int(digits), _column_number(letters) - 1)] = ErrorValue(
                            value.decode("utf-8", "replace").strip() or "#N/A"
                        )
                if _FORMULA.search(text):
                    for letters, digits, formula in _UNCALCULATED.findall(text):
                        scan.problems[(int(digits), _column_number(letters) - 1)] = UncalculatedFormula(
                            "=" + xml_unescape(formula.decode("utf-8", "replace"))
                        )
                if not chunk:
                    break
        scan.last_column = max((_column_number(letters) for letters in letters_seen), default=0)
        if not letters_seen:
            scan.last_row = rows_seen
    return scan


class NotAWorkbook(WorkbookError):
    """Not a zip, or a zip without xl/workbook.xml (callers may word this their own way)."""


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_workbook_file(path, *, max_bytes: int | None = None) -> None:
    """Refuse before parsing: missing, too large, not an xlsx, or a zip that inflates beyond bound."""
    max_bytes = max_bytes or settings.WORKBOOK_MAX_BYTES
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(_("找不到文件：%(path)s") % {"path": path})
    size = path.stat().st_size
    if size > max_bytes:
        raise WorkbookError(
            _("文件太大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": size / 1048576, "limit": max_bytes / 1048576}
        )
    if not zipfile.is_zipfile(path):
        raise WorkbookError(_("这不是 Excel 工作簿（.xlsx）文件。"))
    check_zip_members(path, max_bytes=max_bytes)


def check_zip_members(source, *, max_bytes: int | None = None) -> None:
    """Refuse a zip bomb before any parser sees it: `source` (a path, bytes or a seekable file) must
    be a zip with xl/workbook.xml whose members' DECLARED sizes stay within bound. (Python's zipfile
    never inflates a member beyond its declared size, so the declared sizes bound what openpyxl
    reads.) Raises WorkbookError; a file object is rewound."""
    max_bytes = max_bytes or settings.WORKBOOK_MAX_BYTES
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    position = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise NotAWorkbook(_("这不是 Excel 工作簿（.xlsx）文件。")) from exc
    finally:
        if position is not None:
            source.seek(position)
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise NotAWorkbook(_("这不是 Excel 工作簿（.xlsx）文件。"))
    total = sum(m.file_size for m in members)
    if total > max_bytes * INFLATE_FACTOR or any(
        m.compress_size and m.file_size / m.compress_size > MAX_RATIO and m.file_size > 1048576
        for m in members
    ):
        raise WorkbookError(_("工作簿解压后过大（可能是恶意构造的文件），已拒绝。"))


def _unreadable_as_workbook_error(rows):
    """calamine parses the sheet lazily: malformed XML further down (a billion-laughs entity in row
    900) surfaces while iterating. It must reach the user as an unusable file, never an exception."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise WorkbookError(_("无法读取该工作簿：%(error)s") % {"error": str(exc)[:200]}) from exc
        yield row


@dataclass
class HeaderMatch:
    index: int  # 0-based column index
    text: str  # the header as written
    column: Column
    year: int | None


@dataclass
class BasicInfoSheet:
    sheet_name: str
    header_row: int  # Excel row number (1-based)
    headers: list[str]  # every header cell as written, by column index
    matches: list[HeaderMatch]
    first_col: int  # 0-based index of the sheet's first used column (for column letters)
    unknown: list[tuple[str, str]]  # (column letter, header text) of columns the importer ignores
    data_rows: int  # rows below the header (an upper bound: blank rows are skipped later)
    _rows: Iterator = field(repr=False, default=None)
    problems: dict = field(default_factory=dict)  # (row, absolute 0-based column) → CellProblem
    merged: list = field(default_factory=list)  # ((row0, col0), (row1, col1)): calamine's 0-based ranges

    @property
    def keys(self) -> set[str]:
        return {m.column.key for m in self.matches}

    def header_of(self, key: str) -> str:
        for m in self.matches:
            if m.column.key == key:
                return m.text
        return key

    def rows(self) -> Iterator[tuple[int, dict[str, object], list]]:
        """(Excel row number, {key: raw value}, the raw row as a list); entirely blank rows skipped.
        A cell merged down over several data rows (细分市场 merged over rows 2–4) gives its value to
        each of them, as the user sees it; cells holding an error value or an uncalculated formula
        arrive as CellProblem (calamine reads them as empty)."""
        wanted = [(m.index, m.column.key) for m in self.matches]
        row_number = self.header_row
        raws = self._rows
        if self.problems or self.merged:
            raws = self._amended(raws)
        for raw in raws:
            row_number += 1
            if not any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            width = len(raw)
            yield row_number, {key: raw[i] if i < width else None for i, key in wanted}, raw

    def _amended(self, raws: Iterator[list]) -> Iterator[list]:
        """The data rows with merged values carried down and problem cells put in (rows past the
        end of calamine's range too: a last row of uncalculated formulas only)."""
        problems = defaultdict(dict)  # row → {index in the raw row: CellProblem}
        for (row, column), problem in self.problems.items():
            if row > self.header_row and column >= self.first_col:
                problems[row][column - self.first_col] = problem
        starts = defaultdict(list)  # first data row of a vertical merge → [(last row, index)]
        for (row0, col0), (row1, _col1) in self.merged:
            if row0 + 1 > self.header_row and row1 > row0 and col0 >= self.first_col:
                starts[row0 + 1].append((row1 + 1, col0 - self.first_col))
        carried = {}  # index → (last row, value)
        row_number = self.header_row
        for raw in raws:
            row_number += 1
            raw = list(raw)
            for last, index in starts.get(row_number, ()):
                if index < len(raw) and raw[index] not in (None, ""):
                    carried[index] = (last, raw[index])
            for index, (last, value) in list(carried.items()):
                if row_number > last:
                    del carried[index]
                elif index < len(raw) and raw[index] in (None, ""):
                    raw[index] = value
            for index, problem in problems.pop(row_number, {}).items():
                raw.extend([""] * (index + 1 - len(raw)))
                raw[index] = problem
            yield raw
        for row in sorted(problems):  # beyond the range calamine read
            while row_number + 1 < row:
                row_number += 1
                yield []
            row_number += 1
            raw = []
            for index, problem in problems[row].items():
                raw.extend([""] * (index + 1 - len(raw)))
                raw[index] = problem
            yield raw


def open_basic_info(path, *, max_rows: int | None = None, max_bytes: int | None = None) -> BasicInfoSheet:
    """Open the workbook and find its basic-info header row. Raises WorkbookError."""
    max_rows = max_rows or settings.WORKBOOK_MAX_ROWS
    check_workbook_file(path, max_bytes=max_bytes)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every corrupt file
        raise WorkbookError(_("无法读取该工作簿：%(error)s") % {"error": str(exc)[:200]}) from exc
    names = book.sheet_names
    if not names:
        raise WorkbookError(_("工作簿中没有工作表。"))
    wanted = normalize_header(SHEET_NAME)  # "客户基本信息表 " (a trailing space) is the same sheet
    sheet_name = next((n for n in names if normalize_header(n) == wanted), names[0])
    # calamine builds the sheet as a dense grid: one far cell (P1048576) in a 5 KB file would cost
    # half a gigabyte. Measure the extent the cells with content claim before loading it (formatting
    # alone, e.g. borders down to row 150,000, is not content).
    scan = scan_sheet(path, sheet_name)
    rows_claimed, columns_claimed = scan.last_row, scan.last_column
    if rows_claimed > max_rows + HEADER_SEARCH_ROWS:
        raise WorkbookError(
            _("工作表有 %(rows)s 行数据，超过上限 %(limit)s 行。请拆分后分批导入。")
            % {"rows": rows_claimed - 1, "limit": max_rows}
        )
    if rows_claimed * columns_claimed > MAX_GRID_CELLS:
        raise WorkbookError(
            _("工作表的使用范围过大（%(rows)s 行 × %(columns)s 列）。请删除表格右侧和下方多余的单元格。")
            % {"rows": rows_claimed, "columns": columns_claimed}
        )
    try:
        sheet = book.get_sheet_by_name(sheet_name)
        rows = _unreadable_as_workbook_error(sheet.iter_rows())
    except Exception as exc:  # malformed XML (e.g. entity declarations) in the sheet
        raise WorkbookError(_("无法读取该工作簿：%(error)s") % {"error": str(exc)[:200]}) from exc
    head = []
    for _i in range(HEADER_SEARCH_ROWS):
        try:
            head.append(next(rows))
        except StopIteration:
            break
    header_index = None
    for i, row in enumerate(head):
        found = [match_header(v) for v in row]
        if any(m and m[0].key == "name" for m in found):
            header_index = i
            break
    if header_index is None:
        raise WorkbookError(
            _("在工作表「%(sheet)s」的前 %(n)s 行中找不到表头（必须有「公司名称」列）。")
            % {"sheet": sheet_name, "n": HEADER_SEARCH_ROWS}
        )
    header_cells = head[header_index]
    # calamine yields rows from row 1 but columns from the first used column.
    first_row, first_col = sheet.start if sheet.start else (0, 0)
    matches, unknown, seen = [], [], {}
    headers = ["" if v is None else str(v) for v in header_cells]
    for index, text in enumerate(headers):
        hit = match_header(text)
        if hit is None:
            if text.strip():
                unknown.append((column_letter(first_col + index), text.strip()))
            continue
        column, year = hit
        if column.key in seen:
            raise WorkbookError(
                _("「%(header)s」列出现了两次（%(first)s 列和 %(second)s 列）。")
                % {"header": column.header.format(year="YYYY"), "first": column_letter(first_col + seen[column.key]),
                   "second": column_letter(first_col + index)}
            )  # fmt: skip
        seen[column.key] = index
        # One line in messages: "公司营业额（2025）\n（万元）" is quoted as "公司营业额（2025） （万元）".
        matches.append(HeaderMatch(index=index, text=" ".join(text.split()), column=column, year=year))
    missing = [c.header for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        raise WorkbookError(_("缺少必需的列：%(columns)s") % {"columns": "、".join(missing)})
    header_row = header_index + 1
    data_rows = max(0, first_row + (sheet.height or 0) - header_row)
    if data_rows > max_rows:
        raise WorkbookError(
            _("工作表有 %(rows)s 行数据，超过上限 %(limit)s 行。请拆分后分批导入。")
            % {"rows": data_rows, "limit": max_rows}
        )

    def remaining():
        yield from head[header_index + 1 :]
        yield from rows

    try:
        merged = list(sheet.merged_cell_ranges or ())
    except Exception:  # an unreadable merge list only loses the carrying down
        merged = []
    return BasicInfoSheet(
        sheet_name=sheet_name,
        header_row=header_row,
        headers=headers,
        matches=matches,
        first_col=first_col,
        unknown=unknown,
        data_rows=data_rows,
        _rows=remaining(),
        problems=scan.problems,
        merged=merged,
    )
