"""Chart data of the review and the dashboards: plain dicts rendered by reviews/static/reviews/charts.js
(ECharts, vendored) from a json_script — never inline script."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _num(value):
    return None if value is None else float(value)


def bar(
    chart_id: str, title: str, labels: list, values: list, *, unit: str = "", horizontal: bool = False
) -> dict:
    return {
        "id": chart_id, "type": "bar", "title": title, "labels": [str(x) for x in labels],
        "values": [_num(v) for v in values], "unit": unit, "horizontal": horizontal,
    }  # fmt: skip


def line(chart_id: str, title: str, labels: list, values: list, *, unit: str = "") -> dict:
    return {
        "id": chart_id, "type": "line", "title": title, "labels": [str(x) for x in labels],
        "values": [_num(v) for v in values], "unit": unit,
    }  # fmt: skip


def lines(chart_id: str, title: str, labels: list, series: list[tuple[str, list]], *, unit: str = "") -> dict:
    """Several lines over the same labels: series = [(name, values)]."""
    return {
        "id": chart_id, "type": "line", "title": title, "labels": [str(x) for x in labels],
        "series": [{"name": str(name), "values": [_num(v) for v in values]} for name, values in series],
        "unit": unit,
    }  # fmt: skip


def quality_chart(trend: dict, chart_id: str = "chart-quality") -> dict | None:
    months = trend["months"]
    if not months:
        return None
    return lines(
        chart_id,
        _("数据质量趋势（按月）"),
        [m["month"] for m in months],
        [
            (_("平均资料完整度（%）"), [m["complete_avg"] for m in months]),
            (_("数据过期占比（%）"), [m["stale_pct"] for m in months]),
        ],
        unit="%",
    )


def scatter(chart_id: str, title: str, points: list[tuple], *, thresholds: tuple | None = None) -> dict:
    """points: (attractiveness, feasibility, label, tier)."""
    return {
        "id": chart_id, "type": "scatter", "title": title,
        "points": [[_num(a), _num(f), str(label), tier] for a, f, label, tier in points],
        "thresholds": [_num(t) for t in thresholds] if thresholds else None,
        "xName": _("吸引力"), "yName": _("可行性"),
    }  # fmt: skip


def review_charts(report: dict) -> list[dict]:
    key = report["key_customers"]
    charts = [
        bar("chart-funnel", _("目标客户发展漏斗（年末）"), [f["label"] for f in key["funnel"]], [f["count"] for f in key["funnel"]], horizontal=True),
        bar("chart-cadence", _("各级别接触频率达成率"), [t["label"] for t in key["by_tier"]], [t["cadence_kept"] for t in key["by_tier"]], unit="%"),
        bar(
            "chart-rho", _("各评估标准得分与发展进展的等级相关系数"),
            [c["criterion"].name for c in report["criteria"]["criteria"]],
            [c["rho"] for c in report["criteria"]["criteria"]],
        ),
    ]  # fmt: skip
    quality = quality_chart(report["quality_trend"]) if report.get("quality_trend") else None
    if quality:
        charts.append(quality)
    inquiries = report.get("inquiries")
    if inquiries and inquiries.get("by_month"):
        months = inquiries["by_month"]
        charts.append(
            line(
                "chart-sla",
                _("各月查询时限达成率"),
                [m["month"] for m in months],
                [m["on_time_pct"] for m in months],
                unit="%",
            )
        )
    return charts
