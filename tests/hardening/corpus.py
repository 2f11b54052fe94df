"""A generated corpus of broken basic-info workbooks (openpyxl, plus zip/XML edits where openpyxl
cannot write the defect). `corpus(numbers)` → [(label, build(path))]; `numbers` names existing
customers: {"auto": …, "elec": …, "foreign": …, "owned": …} and their names under "*_name"."""

from __future__ import annotations

import datetime
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests.prospects.workbooks import HEADERS_2001

WIDTH = len(HEADERS_2001)
SHEET = "客户基本信息表"


def base_rows(numbers):
    """Row 2: a new AUTO customer; row 3: the row the defect goes into; row 4: an update by number."""
    a = [None] * WIDTH
    a[1], a[2], a[4] = "甲新公司", "AUTO", 1200
    b = [None] * WIDTH
    b[1], b[2], b[5], b[4] = "乙新公司", "AUTO", "上海", 300
    c = [None] * WIDTH
    c[0], c[1], c[5] = numbers["auto"], numbers["auto_name"], "长春"
    return [a, b, c]


def build(rows, *, headers=HEADERS_2001, title_rows=(), sheet=SHEET, extra_sheets=(), after=None,
          xml=None, epoch=None):  # fmt: skip
    def write(path):
        book = Workbook()
        ws = book.active
        ws.title = sheet
        for name, content in extra_sheets:  # (name, rows); a negative name order puts it first
            other = book.create_sheet(name, 0)
            for line in content:
                other.append(list(line))
        if epoch:
            book.epoch = epoch
        for title in title_rows:
            ws.append(list(title))
        if headers is not None:
            ws.append(list(headers))
        for line in rows:
            ws.append(list(line))
        if after:
            after(ws)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
        if xml:
            data = _edit(data, book.sheetnames.index(sheet) + 1, xml)
        path.write_bytes(data)
        return path

    return write


def _edit(data: bytes, index: int, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{index}.xml":
                content = change(content.decode()).encode()
            target.writestr(item.filename, content)
    return out.getvalue()


def _set(rows, column, value, row=1):
    rows = [list(r) for r in rows]
    rows[row][column] = value
    return rows


def _inline(text):
    """An XML edit: the name cell of the defect row (B3) becomes an inline string with raw `text`."""

    def change(xml):
        cell = f'<c r="B3" t="inlineStr"><is><t>{text}</t></is></c>'
        return re.sub(r'<c r="B3"[^>]*?(/>|>.*?</c>)', cell, xml, count=1)

    return change


def corpus(numbers) -> list[tuple[str, object]]:
    rows = base_rows(numbers)
    files: list[tuple[str, object]] = []

    def add(label, builder):
        files.append((label, builder))

    # wrong sheet
    add("sheet-named-Sheet1", build(rows, sheet="Sheet1"))
    add("sheet-junk-first-then-right-name", build(rows, extra_sheets=[("说明", [["请填写下表"]])]))
    add("sheet-junk-first-wrong-name", build(rows, sheet="Sheet2", extra_sheets=[("说明", [["请填写下表"]])]))
    add("sheet-name-trailing-space", build(rows, sheet=SHEET + " "))
    add("sheet-empty", build([], headers=None))
    add("sheet-only-headers", build([]))
    add("sheet-headers-twice", build([*rows, HEADERS_2001, *rows]))
    # missing and duplicated headers
    for i, header in enumerate(HEADERS_2001):
        headers = [h for j, h in enumerate(HEADERS_2001) if j != i]
        add(
            f"missing-{header}",
            build([[v for j, v in enumerate(r) if j != i] for r in rows], headers=headers),
        )
        twice = [*HEADERS_2001, header if i % 2 else header.upper() + " "]
        add(f"duplicated-{header}", build([[*r, r[i]] for r in rows], headers=twice))
    # title rows
    for n in range(11):
        add(
            f"title-rows-{n}",
            build(rows, title_rows=[[f"客户基本信息表（第 {k} 行标题）"] for k in range(n)]),
        )
    add(
        "title-row-merged",
        build(rows, title_rows=[["2002 年客户名单"]], after=lambda ws: ws.merge_cells("A1:P1")),
    )
    add(
        "header-split-over-two-rows",
        build(rows, title_rows=[HEADERS_2001[:8]], headers=[None] * 8 + HEADERS_2001[8:]),
    )
    # merged cells
    add("merged-name-rows-3-4", build(rows, after=lambda ws: ws.merge_cells("B3:B4")))
    add("merged-segment-rows-2-4", build(rows, after=lambda ws: ws.merge_cells("C2:C4")))
    add("merged-header-A-B", build(rows, after=lambda ws: ws.merge_cells("A1:B1")))
    add("merged-whole-row-3", build(rows, after=lambda ws: ws.merge_cells("A3:P3")))
    # dates as serials (real date cells) and as text, in every column; 1904 epoch
    for i, header in enumerate(HEADERS_2001):
        add(f"date-cell-{header}", build(_set(rows, i, datetime.datetime(2024, 1, 5))))
        add(f"date-text-{header}", build(_set(rows, i, "2024/01/05")))
    for i in (4, 10, 12):
        add(
            f"epoch-1904-{HEADERS_2001[i]}",
            build(_set(rows, i, datetime.date(1904, 1, 2)), epoch=CALENDAR_MAC_1904),
        )
    add("epoch-1904-plain", build(rows, epoch=CALENDAR_MAC_1904))

    def date_formatted(ws):
        ws["K3"].number_format = "yyyy-mm-dd"
        ws["K3"].value = 45296

    add("number-formatted-as-date", build(rows, after=date_formatted))
    # formulas (no cached value: openpyxl writes none) in every column, and a string formula
    for i, header in enumerate(HEADERS_2001):
        add(f"formula-{header}", build(_set(rows, i, "=1+1")))
    add("formula-concat-name", build(_set(rows, 1, '=A1&"x"')))
    add("formula-with-cached-value", build(rows, xml=lambda x: x.replace('<c r="E3" t="n"><v>300</v></c>', '<c r="E3"><f>100*3</f><v>300</v></c>')))  # fmt: skip
    # 1,048,576 declared rows with 4 real ones
    add("dimension-ref-to-1048576", build(rows, xml=lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:P1048576"', x)))  # fmt: skip
    add("far-cell-P1048576", build(rows, after=lambda ws: ws.cell(row=1048576, column=16, value="x")))
    add("far-cell-A1048576", build(rows, after=lambda ws: ws.cell(row=1048576, column=1, value="x")))
    add("far-empty-row-1048576", build(rows, xml=lambda x: x.replace("</sheetData>", '<row r="1048576"/></sheetData>')))  # fmt: skip
    add("far-column-XFD3", build(rows, after=lambda ws: ws.cell(row=3, column=16384, value="x")))
    # huge strings
    for i in (0, 1, 5, 8, 13, 15):
        add(f"huge-32767-{HEADERS_2001[i]}", build(_set(rows, i, "长" * 32767)))
    add("huge-1M-name", build(_set(rows, 1, "名" * 1_000_000)))
    add("huge-5001-competitors", build(_set(rows, 8, "x" * 5001)))
    # control characters
    for label, text in [("tab", "乙\t公司"), ("crlf", "乙\r\n公司"), ("zwsp", "乙\u200b公司"), ("bom", "\ufeff乙公司"),
                        ("rlo", "乙\u202e公司"), ("del", "乙\x7f公司"), ("escaped", "乙_x0001_公司"),
                        ("only-spaces", "\u3000 \t"), ("nbsp", "\xa0乙公司\xa0")]:  # fmt: skip
        add(f"control-name-{label}", build(_set(rows, 1, text)))
        add(f"control-location-{label}", build(_set(rows, 5, text)))
    add("control-xml-char-ref-1", build(rows, xml=_inline("乙&#1;公司")))
    add("control-xml-raw-nul", build(rows, xml=_inline("乙\x00公司")))
    add("control-xml-bad-entity", build(rows, xml=_inline("乙&nosuch;公司")))
    add("control-xml-truncated", build(rows, xml=lambda x: x[: len(x) // 2]))
    # wrong types in every column
    for i, header in enumerate(HEADERS_2001):
        for label, value in [("bool", True), ("negative", -5), ("huge-float", 1e308), ("word", "abc"),
                             ("ambiguous", "1.234"), ("fullwidth", "１,２３４"), ("fraction", 2.5)]:  # fmt: skip
            add(f"type-{header}-{label}", build(_set(rows, i, value)))
    # duplicate keys
    add("dup-name-rows-2-3", build(_set(rows, 1, "甲新公司")))
    add("dup-name-fullwidth-space", build(_set(rows, 1, "甲　新 公司")))
    add("dup-number-rows-3-4", build(_set(_set(rows, 0, numbers["auto"]), 1, numbers["auto_name"])))
    add("existing-name-as-new", build(_set(rows, 1, numbers["elec_name"])))
    add(
        "number-with-other-customers-name",
        build(_set(_set(rows, 0, numbers["auto"]), 1, numbers["elec_name"])),
    )
    add("number-lowercase", build(_set(_set(rows, 0, numbers["auto"].lower()), 1, numbers["auto_name"])))
    add("number-unknown", build(_set(rows, 0, "MFG-99999")))
    # out-of-scope customer numbers and places
    add("foreign-number", build(_set(rows, 0, numbers["foreign"])))
    add("foreign-number-and-name", build(_set(_set(rows, 0, numbers["foreign"]), 1, numbers["foreign_name"])))
    add("foreign-segment", build(_set(rows, 2, "OSEG")))
    add("other-segment-elec", build(_set(rows, 2, "ELEC")))
    add("elec-customer-by-number", build(_set(_set(rows, 0, numbers["elec"]), 1, numbers["elec_name"])))
    return files
