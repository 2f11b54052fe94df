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


def _score(value) -> Decimal:
    score = _decimal(value)
    if score is None or not (MIN_SCORE <= score <= MAX_SCORE) or score != score.quantize(Decimal("0.1")):
        raise RuleError(f"score {value!r} is not a number from 1 to 10 with at most one decimal")
    return score


def _text(number: Decimal) -> str:
    """A canonical text of a number: "9", "7.5", "5000" (never "9.0" or "1E+1")."""
    return format(number.normalize(), "f")


def rule_validate(rule) -> dict | None:
    """The rule in canonical form (choice keys as codes, numbers as strings), or RuleError."""
    if rule in (None, "", {}):
        return None
    if not isinstance(rule, dict):
        raise RuleError("a rule must be a JSON object")
    field = rule.get("field")
    if field not in RULE_FIELDS:
        raise RuleError(f"unknown field {field!r}; allowed: {', '.join(RULE_FIELDS)}")
    clean: dict = {"field": field}
    kinds = [k for k in ("bands", "map", "keywords") if k in rule]
    if len(kinds) != 1:
        raise RuleError("a rule needs exactly one of bands, map, keywords")
    kind = kinds[0]
    if kind == "bands":
        if field not in NUMERIC_FIELDS:
            raise RuleError(f"bands need a numeric field, not {field!r}")
        bands = rule["bands"]
        if not isinstance(bands, list) or not bands:
            raise RuleError("bands must be a non-empty list")
        clean_bands = []
        for band in bands:
            if not isinstance(band, dict) or len({"min", "max"} & band.keys()) != 1 or "score" not in band:
                raise RuleError("each band is {min: X, score: S} or {max: X, score: S}")
            bound = "min" if "min" in band else "max"
            limit = _decimal(band[bound])
            if limit is None:
                raise RuleError(f"band bound {band[bound]!r} is not a number")
            clean_bands.append({bound: _text(limit), "score": _text(_score(band["score"]))})
        clean["bands"] = clean_bands
    elif kind == "map":
        if field not in CHOICE_FIELDS:
            raise RuleError(f"map needs a choice field ({', '.join(CHOICE_FIELDS)}), not {field!r}")
        aliases = CHOICE_FIELDS[field]
        codes = set(aliases.values())
        mapping = rule["map"]
        if not isinstance(mapping, dict) or not mapping:
            raise RuleError("map must be a non-empty object")
        clean_map = {}
        for key, score in mapping.items():
            code = aliases.get(str(key).strip(), str(key).strip())
            if code not in codes:
                raise RuleError(f"{key!r} is not a value of {field}")
            clean_map[code] = _text(_score(score))
        clean["map"] = clean_map
    else:
        if field not in TEXT_FIELDS:
            raise RuleError(f"keywords need a text field ({', '.join(TEXT_FIELDS)}), not {field!r}")
        keywords = rule["keywords"]
        if not isinstance(keywords, list) or not keywords:
            raise RuleError("keywords must be a non-empty list")
        clean_keywords = []
        for item in keywords:
            if not isinstance(item, dict) or not str(item.get("text", "")).strip() or "score" not in item:
                raise RuleError("each keyword is {text: T, score: S}")
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
