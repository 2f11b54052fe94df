"""Two versions side by side (used by the annual review): criteria and weights, settings,
principles and target segments, each row marked when the two differ."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from criteria.excel import SETTINGS_ROWS
from criteria.models import CriteriaVersion, Dimension
from prioritization.tiers import Tier


def _row(label, left, right):
    return {"label": label, "left": left, "right": right, "differs": left != right}


def compare_versions(left: CriteriaVersion, right: CriteriaVersion) -> list[dict]:
    sections = []
    for dimension in Dimension:
        lcrit = {c.name: c for c in left.criteria.all() if c.dimension == dimension}
        rcrit = {c.name: c for c in right.criteria.all() if c.dimension == dimension}
        names = list(lcrit) + [n for n in rcrit if n not in lcrit]
        rows = []
        for name in names:
            lw = f"{lcrit[name].weight}%" if name in lcrit else "—"
            rw = f"{rcrit[name].weight}%" if name in rcrit else "—"
            row = _row(name, lw, rw)
            lrule = lcrit[name].rule if name in lcrit else None
            rrule = rcrit[name].rule if name in rcrit else None
            row["differs"] = row["differs"] or lrule != rrule
            row["rule_differs"] = lrule != rrule and name in lcrit and name in rcrit
            rows.append(row)
        sections.append(
            {"title": _("%(dimension)s：标准和权重") % {"dimension": dimension.label}, "rows": rows}
        )
    labels = {
        "attractiveness_threshold": _("吸引力阈值"),
        "feasibility_threshold": _("可行性阈值"),
        "capacity_tier1": _("一级客户容量"),
        "capacity_tier2": _("二级客户容量"),
        "capacity_tier3": _("三级客户容量"),
        "large_min": _("大型客户营业额下限（万元）"),
        "medium_min": _("中型客户营业额下限（万元）"),
    }
    sections.append(
        {
            "title": _("阈值、容量和规模划分"),
            "rows": [
                _row(labels[f], getattr(left, f) if getattr(left, f) is not None else "—",
                     getattr(right, f) if getattr(right, f) is not None else "—")
                for f, _label in SETTINGS_ROWS
            ],
        }
    )  # fmt: skip
    lp = {p.tier: p for p in left.principles.all()}
    rp = {p.tier: p for p in right.principles.all()}
    rows = []
    for tier in Tier:
        for attr, label in (
            ("name", _("名称")),
            ("service_principle", _("服务原则")),
            ("contact_cadence_days", _("联系频率（天）")),
            ("expected_actions", _("预期行动")),
        ):
            lv = getattr(lp[tier], attr) if tier in lp else "—"
            rv = getattr(rp[tier], attr) if tier in rp else "—"
            rows.append(
                _row(
                    f"{tier.label} · {label}",
                    lv if lv not in (None, "") else "—",
                    rv if rv not in (None, "") else "—",
                )
            )
    sections.append({"title": _("分级客户管理原则"), "rows": rows})
    lt = {t.segment: t for t in left.target_segments.all()}
    rt = {t.segment: t for t in right.target_segments.all()}
    segments = list(lt) + [s for s in rt if s not in lt]

    def quotas(t):
        return f"{t.quota_large} / {t.quota_medium} / {t.quota_small}" if t else "—"

    sections.append(
        {
            "title": _("重点细分市场（大型 / 中型 / 小型配额）"),
            "rows": [_row(str(s), quotas(lt.get(s)), quotas(rt.get(s))) for s in segments],
        }
    )
    return sections
