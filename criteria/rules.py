"""Quantitative criterion rules: derive a suggested 1–10 score from a customer's basic-info fields.

Pure: plain dicts in, `Decimal | None` out; no database. Evaluators see the suggestion pre-filled
and may override it (with a reason).

Rule JSON format (stored in `Criterion.rule`, `null` = no rule):

Numeric bands — the first band whose bound the value meets wins, in the order written::

    {"field": "it_spend", "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7},
                                    {"min": 500, "score": 4}], "default": 1}

  A band is ``{"min": X, "score": S}`` (value ≥ X) or ``{"max": X, "score": S}`` (value ≤ X; e.g.
  brand rank 1–10 → 10). ``default`` (optional) is the score when the value is known but no band
  matches.

Choices — a map from the field's value to a score::

    {"field": "attitude", "map": {"high": 9, "medium": 6, "low": 3}}

  Keys may be the stored codes (high/medium/low, state/jv/private/foreign/other) or the Chinese
  labels (高/中/低, 国有/合资/民营/外资/其他); `rule_validate` stores codes.

Keywords — for free-text fields: the first keyword contained in the value wins::

    {"field": "location", "keywords": [{"text": "北京", "score": 10}, {"text": "上海", "score": 8}],
     "default": 4}

Scores must lie in 1–10 with at most one decimal. A value that is missing (None / empty) gives no
suggestion (None): a rule never invents data.

Fields a rule may read (RULE_FIELDS): from CustomerFinancials of the year before the planning year
(万元) ``revenue``, ``profit``, ``it_spend``, ``purchases_from_us``, and ``revenue_growth`` (% change
of revenue against the year before that); from Customer ``attitude``, ``ownership``, ``brand_rank``,
``employees``, ``it_staff``, ``location``, ``competitors``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

NUMERIC_FIELDS = (
    "revenue",
    "profit",
    "it_spend",
    "purchases_from_us",
    "revenue_growth",
    "brand_rank",
    "employees",
    "it_staff",
)
CHOICE_FIELDS = {
    "attitude": {"高": "high", "中": "medium", "低": "low"},
    "ownership": {"国有": "state", "合资": "jv", "民营": "private", "外资": "foreign", "其他": "other"},
}
TEXT_FIELDS = ("location", "competitors")
RULE_FIELDS = (*NUMERIC_FIELDS, *CHOICE_FIELDS, *TEXT_FIELDS)

# What business users read: the field's name, its unit, and the labels of choice codes.
FIELD_LABELS = {
    "revenue": gettext_lazy("营业额"),
    "profit": gettext_lazy("利润"),
    "it_spend": gettext_lazy("IT支出"),
    "purchases_from_us": gettext_lazy("购买我司产品金额"),
    "revenue_growth": gettext_lazy("营业额增长率"),
    "brand_rank": gettext_lazy("品牌排名"),
    "employees": gettext_lazy("员工人数"),
    "it_staff": gettext_lazy("IT部门人数"),
    "attitude": gettext_lazy("管理层态度"),
    "ownership": gettext_lazy("所有权结构"),
    "location": gettext_lazy("公司地点"),
    "competitors": gettext_lazy("竞争对手信息"),
}
FIELD_UNITS = {
    "revenue": gettext_lazy("万元"),
    "profit": gettext_lazy("万元"),
    "it_spend": gettext_lazy("万元"),
    "purchases_from_us": gettext_lazy("万元"),
    "revenue_growth": "%",
    "brand_rank": gettext_lazy("名"),
    "employees": gettext_lazy("人"),
    "it_staff": gettext_lazy("人"),
}
CHOICE_LABELS = {
    "attitude": {"high": gettext_lazy("高"), "medium": gettext_lazy("中"), "low": gettext_lazy("低")},
    "ownership": {
        "state": gettext_lazy("国有"),
        "jv": gettext_lazy("合资"),
        "private": gettext_lazy("民营"),
        "foreign": gettext_lazy("外资"),
        "other": gettext_lazy("其他"),
    },
}

MIN_SCORE = Decimal("1")
MAX_SCORE = Decimal("10")


class RuleError(ValueError):
    """A rule that cannot be used; the message says why (shown to the BU VP)."""


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _shown(value) -> str:
    """A user's value quoted for an error message, kept short."""
    text = "" if value is None else str(value)
    return f"“{text[:40]}”"


def _score(value) -> Decimal:
    score = _decimal(value)
    if score is None or not (MIN_SCORE <= score <= MAX_SCORE) or score != score.quantize(Decimal("0.1")):
        raise RuleError(_("分数 %(value)s 不是 1–10 之间、最多一位小数的数字") % {"value": _shown(value)})
    return score


def _text(number: Decimal) -> str:
    """A canonical text of a number: "9", "7.5", "5000" (never "9.0" or "1E+1")."""
    return format(number.normalize(), "f")


def rule_validate(rule) -> dict | None:
    """The rule in canonical form (choice keys as codes, numbers as strings), or RuleError."""
    if rule in (None, "", {}):
        return None
    if not isinstance(rule, dict):
        raise RuleError(_("规则必须是一个 JSON 对象"))
    field = rule.get("field")
    if field not in RULE_FIELDS:
        raise RuleError(
            _("未知字段 %(field)s；可用字段：%(fields)s")
            % {"field": _shown(field), "fields": ", ".join(RULE_FIELDS)}
        )
    clean: dict = {"field": field}
    kinds = [k for k in ("bands", "map", "keywords") if k in rule]
    if len(kinds) != 1:
        raise RuleError(_("规则必须且只能包含 bands、map、keywords 之一"))
    kind = kinds[0]
    if kind == "bands":
        if field not in NUMERIC_FIELDS:
            raise RuleError(_("分段规则需要数值字段，%(field)s 不是") % {"field": FIELD_LABELS[field]})
        bands = rule["bands"]
        if not isinstance(bands, list) or not bands:
            raise RuleError(_("请至少填写一个分段"))
        clean_bands = []
        for band in bands:
            if not isinstance(band, dict) or len({"min", "max"} & band.keys()) != 1 or "score" not in band:
                raise RuleError(_("每个分段须为 {min: X, score: S} 或 {max: X, score: S}"))
            bound = "min" if "min" in band else "max"
            limit = _decimal(band[bound])
            if limit is None:
                raise RuleError(_("分段界限 %(value)s 不是数字") % {"value": _shown(band[bound])})
            clean_bands.append({bound: _text(limit), "score": _text(_score(band["score"]))})
        clean["bands"] = clean_bands
    elif kind == "map":
        if field not in CHOICE_FIELDS:
            raise RuleError(
                _("选项规则需要选项字段（管理层态度、所有权结构），%(field)s 不是")
                % {"field": FIELD_LABELS[field]}
            )
        aliases = CHOICE_FIELDS[field]
        codes = set(aliases.values())
        mapping = rule["map"]
        if not isinstance(mapping, dict) or not mapping:
            raise RuleError(_("请至少为一个选项填写分数"))
        clean_map = {}
        for key, score in mapping.items():
            code = aliases.get(str(key).strip(), str(key).strip())
            if code not in codes:
                raise RuleError(
                    _("%(value)s 不是%(field)s的选项") % {"value": _shown(key), "field": FIELD_LABELS[field]}
                )
            clean_map[code] = _text(_score(score))
        clean["map"] = clean_map
    else:
        if field not in TEXT_FIELDS:
            raise RuleError(
                _("关键词规则需要文本字段（公司地点、竞争对手信息），%(field)s 不是")
                % {"field": FIELD_LABELS[field]}
            )
        keywords = rule["keywords"]
        if not isinstance(keywords, list) or not keywords:
            raise RuleError(_("请至少填写一个关键词"))
        clean_keywords = []
        for item in keywords:
            if not isinstance(item, dict) or not str(item.get("text", "")).strip() or "score" not in item:
                raise RuleError(_("每个关键词须为 {text: T, score: S}"))
            clean_keywords.append({"text": str(item["text"]).strip(), "score": _text(_score(item["score"]))})
        clean["keywords"] = clean_keywords
    if rule.get("default") not in (None, ""):
        clean["default"] = _text(_score(rule["default"]))
    return clean


def suggest_score(rule: dict | None, values: dict) -> Decimal | None:
    """The suggested 1–10 score for a customer whose basic-info `values` are given (RULE_FIELDS
    keys), or None when there is no rule, the rule is unusable or the value is missing."""
    if not rule:
        return None
    try:
        rule = rule_validate(rule)
    except RuleError:
        return None
    value = values.get(rule["field"])
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    default = Decimal(rule["default"]) if "default" in rule else None
    if "bands" in rule:
        number = _decimal(value)
        if number is None:
            return None
        for band in rule["bands"]:
            if "min" in band and number >= Decimal(band["min"]):
                return Decimal(band["score"])
            if "max" in band and number <= Decimal(band["max"]):
                return Decimal(band["score"])
        return default
    if "map" in rule:
        aliases = CHOICE_FIELDS[rule["field"]]
        code = aliases.get(str(value).strip(), str(value).strip())
        return Decimal(rule["map"][code]) if code in rule["map"] else default
    text = str(value)
    for item in rule["keywords"]:
        if item["text"] in text:
            return Decimal(item["score"])
    return default


def rule_values(customer, financials: dict) -> dict:
    """The RULE_FIELDS values of a customer. `financials` maps year → an object with revenue,
    profit, it_spend, purchases_from_us; pass the planning year's Y-1 (and Y-2 for growth) under
    the keys "current" and "previous". Plain attribute access only, so it works on model instances
    and on simple namespaces alike."""
    current = financials.get("current")
    previous = financials.get("previous")
    values = {}
    for name in ("attitude", "ownership", "brand_rank", "employees", "it_staff", "location", "competitors"):
        value = getattr(customer, name, None)
        values[name] = None if value == "" else value
    for name in ("revenue", "profit", "it_spend", "purchases_from_us"):
        values[name] = getattr(current, name, None) if current is not None else None
    values["revenue_growth"] = None
    this_year = values["revenue"]
    last_year = getattr(previous, "revenue", None) if previous is not None else None
    if this_year is not None and last_year:
        growth = (Decimal(this_year) - Decimal(last_year)) / Decimal(last_year) * 100
        values["revenue_growth"] = growth.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return values


def rule_describe(rule) -> str:
    """The rule in words for business users, in the active language, e.g.
    "IT支出 ≥ 5000 万元 → 10 分；≥ 2000 → 7 分；其他 → 3 分". "" for no rule."""
    if not rule:
        return ""
    try:
        rule = rule_validate(rule)
    except RuleError:
        return _("（无效的规则）")
    field = rule["field"]
    label = str(FIELD_LABELS[field])
    parts = []
    if "bands" in rule:
        unit = str(FIELD_UNITS.get(field, ""))
        for i, band in enumerate(rule["bands"]):
            op, bound = ("≥", band["min"]) if "min" in band else ("≤", band["max"])
            condition = f"{op} {bound}"
            if i == 0:  # the first band names the field and its unit; the others read on from it
                condition = f"{label} {condition}" + (f" {unit}" if unit else "")
            parts.append(_("%(condition)s → %(score)s 分") % {"condition": condition, "score": band["score"]})
    elif "map" in rule:
        labels = CHOICE_LABELS[field]
        # In the field's own choice order (PostgreSQL's jsonb does not keep the keys' order).
        for code, score in sorted(rule["map"].items(), key=lambda item: list(labels).index(item[0])):
            condition = str(labels[code])
            if not parts:
                condition = _("%(field)s为%(value)s") % {"field": label, "value": condition}
            parts.append(_("%(condition)s → %(score)s 分") % {"condition": condition, "score": score})
    else:
        for item in rule["keywords"]:
            condition = _("%(field)s包含“%(text)s”") % {"field": label, "text": item["text"]}
            if parts:
                condition = _("包含“%(text)s”") % {"text": item["text"]}
            parts.append(_("%(condition)s → %(score)s 分") % {"condition": condition, "score": item["score"]})
    if "default" in rule:
        parts.append(
            _("%(condition)s → %(score)s 分")
            % {"condition": pgettext("rule default", "其他"), "score": rule["default"]}
        )
    return _("；").join(parts)
