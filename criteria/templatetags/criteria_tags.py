from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.rules import CHOICE_FIELDS, RuleError, rule_validate

register = template.Library()

FIELD_LABELS = {
    "revenue": gettext_lazy("营业额（万元）"),
    "profit": gettext_lazy("利润（万元）"),
    "it_spend": gettext_lazy("IT支出（万元）"),
    "purchases_from_us": gettext_lazy("购买我司产品金额（万元）"),
    "revenue_growth": gettext_lazy("营业额增长率（%）"),
    "brand_rank": gettext_lazy("品牌排名"),
    "employees": gettext_lazy("员工人数"),
    "it_staff": gettext_lazy("IT部门人数"),
    "attitude": gettext_lazy("管理层态度"),
    "ownership": gettext_lazy("所有权结构"),
    "location": gettext_lazy("公司地点"),
    "competitors": gettext_lazy("竞争对手信息"),
}


@register.filter
def rule_summary(rule) -> str:
    """A rule in words: "IT支出（万元） ≥ 5000 → 10；≥ 2000 → 7；其他 → 1"."""
    if not rule:
        return ""
    try:
        rule = rule_validate(rule)
    except RuleError:
        return _("（无效的规则）")
    parts = []
    if "bands" in rule:
        for band in rule["bands"]:
            op, bound = ("≥", band["min"]) if "min" in band else ("≤", band["max"])
            parts.append(f"{op} {bound} → {band['score']}")
    elif "map" in rule:
        labels = {code: label for label, code in CHOICE_FIELDS[rule["field"]].items()}
        parts = [f"{labels.get(code, code)} → {score}" for code, score in rule["map"].items()]
    else:
        parts = [f"“{k['text']}” → {k['score']}" for k in rule["keywords"]]
    if "default" in rule:
        parts.append(_("其他 → %(score)s") % {"score": rule["default"]})
    return f"{FIELD_LABELS[rule['field']]}：" + "；".join(parts)
