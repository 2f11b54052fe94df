"""The quantitative rules are pure: no database."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from criteria.defaults import DEFAULT_CRITERIA
from criteria.rules import RULE_FIELDS, RuleError, rule_validate, rule_values, suggest_score

IT_SPEND = {
    "field": "it_spend",
    "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7}, {"min": 500, "score": 4}],
    "default": 1,
}


@pytest.mark.parametrize(
    ("spend", "expected"),
    [(9000, "10"), (5000, "10"), ("4999.99", "7"), (2000, "7"), (500, "4"), (499, "1"), (0, "1")],
)
def test_it_spend_bands_give_the_first_band_met(spend, expected):
    assert suggest_score(IT_SPEND, {"it_spend": spend}) == Decimal(expected)


def test_missing_value_gives_no_suggestion():
    assert suggest_score(IT_SPEND, {"it_spend": None}) is None
    assert suggest_score(IT_SPEND, {}) is None


def test_no_rule_gives_no_suggestion():
    assert suggest_score(None, {"it_spend": 100}) is None


def test_attitude_map_accepts_codes_and_chinese_labels():
    by_label = {"field": "attitude", "map": {"高": 9, "中": 6, "低": 3}}
    assert suggest_score(by_label, {"attitude": "high"}) == Decimal("9")
    assert suggest_score(by_label, {"attitude": "低"}) == Decimal("3")
    assert rule_validate(by_label)["map"] == {"high": "9", "medium": "6", "low": "3"}


def test_max_bands_score_a_low_brand_rank_high():
    rule = {"field": "brand_rank", "bands": [{"max": 10, "score": 10}, {"max": 50, "score": 6}], "default": 2}
    assert suggest_score(rule, {"brand_rank": 3}) == Decimal("10")
    assert suggest_score(rule, {"brand_rank": 30}) == Decimal("6")
    assert suggest_score(rule, {"brand_rank": 300}) == Decimal("2")


def test_band_without_default_and_no_match_gives_none():
    rule = {"field": "employees", "bands": [{"min": 1000, "score": 8}]}
    assert suggest_score(rule, {"employees": 10}) is None
    assert suggest_score(rule, {"employees": 0}) is None


def test_keywords_on_location():
    rule = {"field": "location", "keywords": [{"text": "北京", "score": 10}], "default": 4}
    assert suggest_score(rule, {"location": "北京市海淀区"}) == Decimal("10")
    assert suggest_score(rule, {"location": "长春"}) == Decimal("4")


@pytest.mark.parametrize(
    "rule",
    [
        {"field": "salary", "bands": [{"min": 1, "score": 5}]},
        {"field": "it_spend", "bands": [{"min": 1, "score": 11}]},
        {"field": "it_spend", "bands": [{"min": 1, "score": "7.25"}]},
        {"field": "it_spend", "bands": []},
        {"field": "it_spend", "map": {"high": 5}},
        {"field": "attitude", "map": {"很高": 5}},
        {"field": "attitude", "bands": [{"min": 1, "score": 5}]},
        {"field": "it_spend"},
        {"field": "it_spend", "bands": [{"min": "x", "score": 5}]},
        "not a dict",
    ],
)
def test_unusable_rules_are_refused_with_a_reason(rule):
    with pytest.raises(RuleError):
        rule_validate(rule)
    assert suggest_score(rule, {"it_spend": 10, "attitude": "high"}) is None


def test_rule_values_reads_last_year_financials_and_growth():
    customer = SimpleNamespace(
        attitude="high",
        ownership="",
        brand_rank=5,
        employees=0,
        it_staff=None,
        location="上海",
        competitors="",
    )
    current = SimpleNamespace(
        revenue=Decimal("1200"), profit=None, it_spend=Decimal("300"), purchases_from_us=None
    )
    previous = SimpleNamespace(revenue=Decimal("1000"))
    values = rule_values(customer, {"current": current, "previous": previous})
    assert set(values) == set(RULE_FIELDS)
    assert values["revenue_growth"] == Decimal("20.0")
    assert values["employees"] == 0
    assert values["ownership"] is None
    assert values["it_spend"] == Decimal("300")


def test_every_shipped_default_rule_is_valid():
    for *_head, rule in DEFAULT_CRITERIA:
        if rule is not None:
            assert rule_validate(rule)["field"] in RULE_FIELDS
