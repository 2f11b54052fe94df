"""rule_describe: a quantitative rule in words for business users (pure, no database)."""

from django.utils import translation

from criteria.rules import RuleError, rule_describe, rule_validate


def test_bands_read_as_sentences_with_field_and_unit_once():
    rule = {
        "field": "it_spend",
        "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7}],
        "default": 3,
    }
    assert rule_describe(rule) == "IT支出 ≥ 5000 万元 → 10 分；≥ 2000 → 7 分；其他 → 3 分"


def test_upper_bounds_and_fields_without_money_unit():
    rule = {"field": "brand_rank", "bands": [{"max": 10, "score": 10}, {"max": "50", "score": "6.5"}]}
    assert rule_describe(rule) == "品牌排名 ≤ 10 名 → 10 分；≤ 50 → 6.5 分"
    growth = {"field": "revenue_growth", "bands": [{"min": "20.0", "score": 9}]}
    assert rule_describe(growth) == "营业额增长率 ≥ 20 % → 9 分"


def test_choices_use_labels_whatever_the_stored_keys():
    rule = {"field": "attitude", "map": {"高": 9, "medium": 6, "低": 3}}
    assert rule_describe(rule) == "管理层态度为高 → 9 分；中 → 6 分；低 → 3 分"
    ownership = {"field": "ownership", "map": {"state": 8, "外资": 5}, "default": 2}
    assert rule_describe(ownership) == "所有权结构为国有 → 8 分；外资 → 5 分；其他 → 2 分"


def test_keywords():
    rule = {"field": "location", "keywords": [{"text": "北京", "score": 10}, {"text": "上海", "score": 8}]}
    assert rule_describe(rule) == "公司地点包含“北京” → 10 分；包含“上海” → 8 分"


def test_no_rule_and_broken_rule():
    assert rule_describe(None) == ""
    assert rule_describe({}) == ""
    assert rule_describe({"field": "salary", "bands": []}) == "（无效的规则）"


def test_english():
    rule = {
        "field": "it_spend",
        "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7}],
        "default": 3,
    }
    with translation.override("en"):
        text = rule_describe(rule)
        attitude = rule_describe({"field": "attitude", "map": {"high": 9, "low": 3}})
    assert text == "IT spend ≥ 5000 10k RMB → 10 pts; ≥ 2000 → 7 pts; otherwise → 3 pts"
    assert attitude == "Management attitude is high → 9 pts; low → 3 pts"


def test_validation_messages_are_chinese_and_name_the_problem():
    cases = [
        ({"field": "salary", "bands": []}, "未知字段 “salary”"),
        ({"field": "it_spend", "bands": []}, "请至少填写一个分段"),
        ({"field": "it_spend", "bands": [{"min": "abc", "score": 5}]}, "分段界限 “abc” 不是数字"),
        ({"field": "it_spend", "bands": [{"min": 1, "score": 11}]}, "分数 “11” 不是 1–10"),
        ({"field": "attitude", "map": {"很高": 9}}, "“很高” 不是管理层态度的选项"),
        ({"field": "attitude", "bands": [{"min": 1, "score": 5}]}, "分段规则需要数值字段，管理层态度 不是"),
    ]
    for rule, message in cases:
        try:
            rule_validate(rule)
        except RuleError as exc:
            assert message in str(exc), (rule, str(exc))
        else:
            raise AssertionError(f"{rule} was accepted")
