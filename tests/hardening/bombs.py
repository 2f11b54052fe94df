"""Hostile workbooks built in the test: billion laughs (nested XML entities) and zip bombs (a small
file whose members inflate, or claim to inflate, to gigabytes)."""

from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook

LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>\n"
)


def _base(headers, rows, sheet) -> dict[str, bytes]:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def billion_laughs(headers, rows, sheet="Sheet") -> bytes:
    """The first sheet's XML declares nine levels of nested entities and uses the deepest one in a
    cell (10^9 "lol"s, about 3 GB, if a parser expanded it)."""
    members = _base(headers, rows, sheet)
    xml = members["xl/worksheets/sheet1.xml"].decode()
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    body = body.replace(
        "</sheetData>", '<row r="900"><c r="A900" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
    )
    members["xl/worksheets/sheet1.xml"] = (LAUGHS + body).encode()
    return _zip(members)


def inflating_bomb(headers, rows, sheet="Sheet", megabytes=400) -> bytes:
    """A real zip bomb: the first sheet holds one inline string of `megabytes` MB of "A"s in a
    data row, the whole deflated to well under 1 MB."""
    members = _base(headers, rows, sheet)
    xml = members.pop("xl/worksheets/sheet1.xml").decode()
    head, tail = xml.split("</sheetData>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            handle.write(head.encode() + b'<row r="900"><c r="B900" t="inlineStr"><is><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(megabytes):
                handle.write(chunk)
            handle.write(b"</t></is></c></row></sheetData>" + tail.encode())
    return out.getvalue()


def declared_bomb(headers, rows, sheet="Sheet") -> bytes:
    """A small file whose first sheet's headers claim ~4 GB uncompressed (the declared size lies)."""
    data = bytearray(_zip(_base(headers, rows, sheet)))
    target = b"xl/worksheets/sheet1.xml"
    huge = 0xFFFFFFF0
    # local file header: signature, ..., uncompressed size at offset 22, name at 30
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) != -1:
        name_len = struct.unpack_from("<H", data, pos + 26)[0]
        if bytes(data[pos + 30 : pos + 30 + name_len]) == target:
            struct.pack_into("<I", data, pos + 22, huge)
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:  # central directory: size at 24, name at 46
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == target:
            struct.pack_into("<I", data, pos + 24, huge)
        pos += 4
    return bytes(data)


def far_cell(headers, rows, sheet="Sheet") -> bytes:
    """A 5 KB file whose sheet spans 1,048,576 rows: one value in the very last row of column P
    (a reader building the dense grid would allocate half a gigabyte)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    ws.cell(row=1048576, column=16, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
