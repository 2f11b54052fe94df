from django import template
from django.utils.translation import gettext as _

from criteria.rules import (
    CHOICE_FIELDS,
    CHOICE_LABELS,
    FIELD_LABELS,
    FIELD_UNITS,
    NUMERIC_FIELDS,
    RULE_FIELDS,
    rule_describe,
)

register = template.Library()


@register.filter
def rule_summary(rule) -> str:
    """A rule in words (see `criteria.rules.rule_describe`)."""
    return rule_describe(rule)


@register.simple_tag
def rule_editor_config() -> dict:
    """What rule_editor.js needs (pass it through json_script): each rule field with its kind,
    label and unit in the active language, and the choices of choice fields as (code, label)."""
    fields = []
    for code in RULE_FIELDS:
        kind = "number" if code in NUMERIC_FIELDS else "choice" if code in CHOICE_FIELDS else "text"
        entry = {
            "code": code,
            "kind": kind,
            "label": str(FIELD_LABELS[code]),
            "unit": str(FIELD_UNITS.get(code, "")),
        }
        if kind == "choice":
            entry["choices"] = [[value, str(label)] for value, label in CHOICE_LABELS[code].items()]
        fields.append(entry)
    return {
        "fields": fields,
        "text": {
            "rule": _("评分规则"),
            "none": _("不设规则（评估人自行打分）"),
            "higher": _("数值越大分越高（≥）"),
            "lower": _("数值越小分越高（≤）"),
            "add": _("添加分段"),
            "addKeyword": _("添加关键词"),
            "remove": _("删除此行"),
            "points": _("分"),
            "contains": _("包含"),
            "other": _("其他情况"),
            "otherHint": _("可不填：不填则不给建议分"),
            "choiceHint": _("不填的选项不给建议分"),
            "showJson": _("显示 JSON"),
            "hideJson": _("隐藏 JSON"),
            "unparsable": _("此规则无法在编辑器中显示，请直接修改 JSON。"),
        },
    }
