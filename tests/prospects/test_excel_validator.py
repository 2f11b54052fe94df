"""The pure row validator: no database."""

from decimal import Decimal

import pytest

from prospects.excel.columns import match_header, normalize_header
from prospects.excel.validator import (
    CellError,
    RowContext,
    parse_amount,
    parse_integer,
    resolve_amount_years,
    validate_row,
)

CTX = RowContext(
    planning_year=2002,
    segments={"auto": 1, "汽车制造业": 1, "elec": 2},
    segment_labels=("AUTO/汽车制造业", "ELEC/电子"),
    default_segment_id=1,
    size_bands=(Decimal("200000"), Decimal("10000")),
    amount_years={"revenue": 2001, "it_spend": 2001, "purchases_from_us": 2001},
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1234, Decimal("1234")),
        (1234.5, Decimal("1234.5")),
        (0.1 + 0.2, Decimal("0.3")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("１２３４", Decimal("1234")),
        ("１，２３４．５", Decimal("1234.5")),
        (" 12000000 ", Decimal("12000000")),
        ("1 234 567", Decimal("1234567")),
        ("", None),
        (None, None),
    ],
)
def test_amounts_are_read_as_people_type_them(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1.234", "1,23", "1.234,56", "12万", "-5", "abc", "12 34", "1.500", "1.2.3", True]
)
def test_ambiguous_or_invalid_amounts_are_errors_never_guesses(raw):
    with pytest.raises(CellError):
        parse_amount(raw)


def test_ambiguous_point_is_explained():
    with pytest.raises(CellError, match="歧义"):
        parse_amount("1.234")


def test_integers_refuse_fractions_and_respect_minimum():
    assert parse_integer("1,200") == 1200
    assert parse_integer(35.0) == 35
    with pytest.raises(CellError):
        parse_integer(12.5)
    with pytest.raises(CellError):
        parse_integer("0", min_value=1)


@pytest.mark.parametrize(
    "header",
    ["公司营业额(2001)", " 公司营业额（2001） ", "公司营业额\n(2001)", "公司营业额（2001年）"],
)
def test_headers_match_tolerantly(header):
    column, year = match_header(header)
    assert (column.key, year) == ("revenue", 2001)


def test_headers_with_choice_hints_and_full_width_it_match():
    assert match_header("管理层对我司IT服务的积极态度(高/中/低)")[0].key == "attitude"
    assert match_header("所有权结构（国有/合资/民营/外资…）")[0].key == "ownership"
    assert match_header("ＩＴ产品/服务支出（2001）（或预算）")[0].key == "it_spend"
    assert match_header("备注") is None
    assert normalize_header(" 公司\n名称 ") == "公司名称"


def test_header_without_year_or_with_another_year_is_warned_and_kept_at_its_word():
    years, warnings = resolve_amount_years(
        {"revenue": None, "it_spend": 2000, "purchases_from_us": 2001}, 2002
    )
    assert years == {"revenue": 2001, "it_spend": 2000, "purchases_from_us": 2001}
    assert len(warnings) == 2
    assert "2000" in warnings[1]


def test_valid_row_becomes_clean_values_and_size_is_derived_from_revenue():
    clean, errors = validate_row(
        5,
        {"name": " 上海　大众 ", "revenue": "12,000,000", "attitude": "高", "ownership": "合资", "employees": "5,000",
         "location": "上海", "segment": None},
        CTX,
    )  # fmt: skip
    assert errors == []
    assert clean.name == "上海 大众"
    assert clean.name_key == "上海大众"
    assert clean.segment_id == 1 and not clean.segment_given
    assert clean.fields == {
        "location": "上海",
        "attitude": "high",
        "ownership": "jv",
        "employees": 5000,
        "size_class": "large",
    }
    assert clean.size_derived
    assert clean.amounts == {(2001, "revenue"): Decimal("12000000")}


def test_explicit_size_is_kept_even_if_revenue_says_otherwise():
    clean, _ = validate_row(2, {"name": "X", "size_class": "小型", "revenue": 500000}, CTX)
    assert clean.fields["size_class"] == "small" and not clean.size_derived


def test_errors_name_the_column_in_the_users_language():
    clean, errors = validate_row(
        7,
        {
            "name": "",
            "attitude": "很高",
            "ownership": "国企",
            "brand_rank": 0,
            "segment": "PHARMA",
            "revenue": "1.234",
        },
        CTX,
    )
    assert clean is None
    columns = [column for column, _message in errors]
    assert columns == [
        "公司名称",
        "细分市场",
        "公司营业额(2001)",
        "管理层对我司IT服务的积极态度",
        "公司品牌排名",
        "所有权结构",
    ]
    assert "高/中/低" in dict(errors)["管理层对我司IT服务的积极态度"]


def test_segment_by_code_or_name_and_english_choices():
    clean, errors = validate_row(
        3, {"name": "X", "segment": "elec", "attitude": "High", "ownership": "Joint venture"}, CTX
    )
    assert errors == []
    assert clean.segment_id == 2 and clean.segment_given
    assert clean.fields == {"attitude": "high", "ownership": "jv"}


def test_text_too_long_is_an_error():
    _clean, errors = validate_row(3, {"name": "X" * 201}, CTX)
    assert errors and errors[0][0] == "公司名称"
