"""Build small basic-info workbooks for tests."""

from openpyxl import Workbook

HEADERS_2001 = [
    "客户编号", "公司名称", "细分市场", "规模", "公司营业额(2001)", "公司地点", "IT产品/服务支出(2001)(或预算)",
    "购买我司产品金额(2001)", "竞争对手信息", "管理层对我司IT服务的积极态度", "公司品牌排名", "所有权结构",
    "员工人数", "公司重大相关信息披露", "IT部门人数", "信息来源",
]  # fmt: skip


def workbook(path, rows, *, headers=None, title_rows=(), sheet="客户基本信息表"):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for title in title_rows:
        ws.append(list(title))
    ws.append(list(headers or HEADERS_2001))
    for row in rows:
        ws.append(list(row))
    for line in ws.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a text cell, as a person typing '=IBM+HP would get
    book.save(path)
    return path


def row(name, *, number=None, segment=None, size=None, revenue=None, location=None, it_spend=None,
        purchases=None, competitors=None, attitude=None, rank=None, ownership=None, employees=None,
        disclosures=None, it_staff=None, source=None):  # fmt: skip
    return [number, name, segment, size, revenue, location, it_spend, purchases, competitors, attitude, rank,
            ownership, employees, disclosures, it_staff, source]  # fmt: skip
