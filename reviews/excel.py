"""The review as an xlsx workbook: the computed sections, the summaries, comments and proposed
changes. Every text cell is written as text (a value starting with = + - @ or a tab never becomes a
formula)."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

_FORMULA_STARTS = ("=", "+", "-", "@", "\t")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _put(sheet, row: int, col: int, value):
    if value is not None and not isinstance(value, (int, float, str)):
        value = str(value) if not hasattr(value, "as_tuple") else float(value)
    cell = sheet.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _table(sheet, start_row: int, headers: list[str], rows: list[list]) -> int:
    for col, text in enumerate(headers, 1):
        cell = _put(sheet, start_row, col, text)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for r, values in enumerate(rows, start_row + 1):
        for col, value in enumerate(values, 1):
            _put(sheet, r, col, value)
    for col in range(1, len(headers) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = 16
    return start_row + len(rows) + 2


def _quality_trend(sheet, trend: dict | None, start_row: int = 9) -> None:
    """The monthly series below the year-end figures, with a native line chart of it."""
    from openpyxl.chart import LineChart, Reference

    if not trend or not trend["months"]:
        _put(sheet, start_row, 1, _("尚无数据质量快照：趋势将从第一次快照起显示。"))
        return
    months = trend["months"]
    end = _table(
        sheet, start_row, [_("月份"), _("名单客户数"), _("平均资料完整度（%）"), _("数据过期占比（%）"), _("来源")],
        [[m["month"], m["listed"], m["complete_avg"], m["stale_pct"],
          _("由客户变更历史回推") if m["from_history"] else _("快照")] for m in months],
    )  # fmt: skip
    if trend["since"]:
        _put(sheet, end - 1, 1, _("每日快照自 %(date)s 起") % {"date": trend["since"].isoformat()})
    chart = LineChart()
    chart.title = _("数据质量趋势（按月）")
    chart.y_axis.title = "%"
    chart.add_data(
        Reference(sheet, min_col=3, max_col=4, min_row=start_row, max_row=start_row + len(months)),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=start_row + 1, max_row=start_row + len(months)))
    sheet.add_chart(chart, f"G{start_row}")


def _group_headers(first: str) -> list[str]:
    return [
        first, _("客户数"), _("有进展"), _("前进步数"), _("已发项目建议"), _("项目结束"), _("应接触"),
        _("已接触"), _("接触频率达成率（%）"), _("推广计划"), _("已完成"), _("有结果"), _("转化率（%）"),
    ]  # fmt: skip


def _group_values(label, g) -> list:
    return [
        label, g["customers"], g["moved"], g["steps"], g["proposals"], g["closed"], g["contacts_due"],
        g["contacts_made"], g["cadence_kept"], g["plans"], g["plans_done"], g["plans_with_result"], g["conversion"],
    ]  # fmt: skip


def review_workbook(review, report: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("年度评估")
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 80
    info = [
        (_("业务单元"), str(review.unit)),
        (_("评估年度"), review.year),
        (_("状态"), review.get_status_display()),
        (_("提交人"), str(review.submitted_by or "")),
        (_("确认人"), str(review.confirmed_by or "")),
        (_("下一年度业务单元目标"), review.next_strategic_goal),
        (_("下一年度客户发展目标"), review.next_development_goals),
        (_("下一年度客户服务目标"), review.next_customer_service_goal),
    ]
    for r, (label, value) in enumerate(info, 1):
        _put(sheet, r, 1, label).font = Font(bold=True)
        _put(sheet, r, 2, value)
    row = len(info) + 2
    row = _table(
        sheet, row, [_("总结类型"), _("细分市场"), _("撰写人"), _("总结")],
        [[s.get_kind_display(), str(s.segment or ""), str(s.author), s.text] for s in review.summaries.all()],
    )  # fmt: skip
    _table(
        sheet, row, [_("业务群意见"), _("评论人"), _("退回修改"), _("时间")],
        [[c.text, str(c.author), _("是") if c.returned else "", c.created_at.strftime("%Y-%m-%d %H:%M")] for c in review.comments.all()],
    )  # fmt: skip

    key = report["key_customers"]
    sheet = book.create_sheet(_("重点客户"))
    row = _table(sheet, 1, _group_headers(_("级别")), [_group_values(t["label"], t) for t in key["by_tier"]])
    row = _table(
        sheet, row, _group_headers(_("细分市场")), [_group_values(s["segment"], s) for s in key["by_segment"]]
    )
    row = _table(
        sheet,
        row,
        _group_headers(_("日常关系负责人")),
        [_group_values(o["owner"] or _("未指定"), o) for o in key["by_owner"]],
    )
    _table(
        sheet,
        row,
        [_("发展状态"), _("达到该阶段的目标客户数")],
        [[f["label"], f["count"]] for f in key["funnel"]],
    )

    sheet = book.create_sheet(_("客户明细"))
    _table(
        sheet, 1,
        [_("客户编号"), _("公司名称"), _("细分市场"), _("级别"), _("日常关系负责人"), _("年初状态"), _("年末状态"),
         _("前进步数"), _("已发项目建议"), _("项目结束"), _("应接触"), _("已接触"), _("推广计划"), _("已完成"),
         _("资料完整度（%）"), _("年末数据过期")],
        [[r.number, r.name, r.segment, r.tier, r.owner, r.start_status, r.end_status, r.progress,
          _("是") if r.proposal_sent else "", _("是") if r.closed else "", r.contacts_due, r.contacts_made,
          r.plans, r.plans_done, r.completeness, _("是") if r.stale_at_year_end else ""] for r in report["rows"]],
    )  # fmt: skip

    ca = report["criteria"]
    sheet = book.create_sheet(_("评估标准分析"))
    row = _table(
        sheet, 1, [_("评估标准"), _("维度"), _("已评分客户"), _("平均得分"), _("等级相关系数"), _("未能区分客户")],
        [[c["criterion"].name, c["criterion"].get_dimension_display(), c["scored"], c["mean_score"], c["rho"],
          _("是") if c["separated_nothing"] else ""] for c in ca["criteria"]],
    )  # fmt: skip
    row = _table(
        sheet, row, [_("级别"), _("转化率（%）")], [[c["label"], c["rate"]] for c in ca["conversion"]]
    )
    row = _table(
        sheet,
        row,
        [_("说“不”后成为项目的客户")],
        [[f"{r.number} {r.name}"] for r in ca["say_no_became_projects"]],
    )
    _table(
        sheet, row, [_("全年无进展的一级客户")], [[f"{r.number} {r.name}"] for r in ca["tier1_no_progress"]]
    )

    dq = report["data_quality"]
    sheet = book.create_sheet(_("数据质量"))
    _table(
        sheet, 1, [_("指标"), _("数值")],
        [[_("客户数"), dq["customers"]], [_("平均资料完整度（%）"), dq["mean_completeness"]],
         [_("资料完整的客户"), dq["complete"]], [_("年末数据过期的客户"), dq["stale"]],
         [_("年内核实过的客户"), dq["verified_in_year"]]],
    )  # fmt: skip
    _quality_trend(sheet, report.get("quality_trend"))

    inquiries = report.get("inquiries")
    if inquiries:
        sheet = book.create_sheet(_("查询统计"))
        row = _table(
            sheet, 1, [_("指标"), _("数值")], [[r["label"], r["value"]] for r in inquiries["totals"]]
        )
        row = _table(
            sheet, row, [_("时限"), _("有截止时间"), _("按时完成"), _("达成率（%）")],
            [[c["label"], c["due"], c["on_time"], c["pct"]] for c in inquiries["by_clock"]],
        )  # fmt: skip
        _table(
            sheet, row, [_("人员"), _("时限"), _("有截止时间"), _("按时完成"), _("达成率（%）")],
            [[p["person"], p["label"], p["due"], p["on_time"], p["pct"]] for p in inquiries["by_person"]],
        )  # fmt: skip

    sheet = book.create_sheet(_("建议修订"))
    _table(
        sheet, 1, [_("类型"), _("对象"), _("当前值"), _("建议值"), _("建议内容"), _("理由")],
        [[c.get_kind_display(), c.subject, c.current_value, c.proposed_value, c.proposed_text, c.reason]
         for c in review.changes.all()],
    )  # fmt: skip
    out = BytesIO()
    book.save(out)
    return out.getvalue()
