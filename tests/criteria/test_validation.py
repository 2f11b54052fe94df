"""The weight rules are pure: every message names its dimension."""

from criteria.validation import criteria_errors


def rows(attractiveness, feasibility):
    return [{"dimension": "attractiveness", "name": n, "weight": w} for n, w in attractiveness] + [
        {"dimension": "feasibility", "name": n, "weight": w} for n, w in feasibility
    ]


def test_the_default_weights_are_valid():
    assert (
        criteria_errors(
            rows([("a", 40), ("b", 30), ("c", 20), ("d", 10)], [("e", 30), ("f", 30), ("g", 30), ("h", 10)])
        )
        == []
    )


def test_sum_not_100_names_the_dimension():
    assert criteria_errors(rows([("a", 60), ("b", 30)], [("e", 100)])) == [
        "吸引力：权重合计为 90%，应为 100%。"
    ]


def test_empty_dimension_is_refused():
    assert criteria_errors(rows([("a", 100)], [])) == ["可行性：至少需要一项评估标准。"]


def test_duplicate_names_across_dimensions_are_refused():
    errors = criteria_errors(rows([("IT支出", 100)], [("it支出", 100)]))
    assert errors == ["可行性：评估标准名称“it支出”重复（同一版本内名称必须唯一）。"]


def test_zero_and_negative_weights_are_refused():
    errors = criteria_errors(rows([("a", 0), ("b", 100)], [("e", -10), ("f", 110)]))
    assert "吸引力：“a”的权重必须大于 0。" in errors
    assert "可行性：“e”的权重必须大于 0。" in errors


def test_missing_or_fractional_weight_is_refused():
    errors = criteria_errors(rows([("a", None), ("b", 100)], [("e", 100)]))
    assert errors == ["吸引力：“a”的权重必须是整数百分比。"]
