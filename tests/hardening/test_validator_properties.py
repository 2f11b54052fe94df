"""Property-based tests of the basic-info row validator (prospects/excel/validator.py): any value
in any cell gives a clean row or (column, message) errors — never an exception; numbers written
with separators or full-width digits read back exactly."""

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prospects.excel.columns import CHOICES, COLUMNS
from prospects.excel.validator import (
    AMOUNT_MAX,
    INTEGER_MAX,
    CellError,
    RowContext,
    parse_amount,
    parse_integer,
    validate_row,
)

CTX = RowContext(
    planning_year=2002,
    segments={"auto": 1, "汽车制造业": 1, "elec": 2},
    segment_labels=("AUTO/汽车制造业", "ELEC/电子"),
    default_segment_id=None,
    size_bands=(Decimal(10000), Decimal(1000)),
    amount_years={"revenue": 2001, "it_spend": 2001, "purchases_from_us": 2001},
)
KEYS = [c.key for c in COLUMNS]
HEADERS = {c.title(2001) for c in COLUMNS} | {c.header for c in COLUMNS}
FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")

cell = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1)),
    st.dates(),
    st.times(),
    st.sampled_from(
        ["1,234", "1.234", "１２３４", "-0", "0.005", "1e5", "高", "国有", "AUTO", "  ", "\u3000"]
    ),
)
rows = st.dictionaries(st.sampled_from(KEYS), cell, min_size=0, max_size=len(KEYS))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=rows, row=st.integers(min_value=2, max_value=1_048_576))
def test_any_cells_give_a_clean_row_or_named_errors_never_an_exception(raw, row):
    clean, errors = validate_row(row, raw, CTX)
    if clean is None:
        assert errors
        for column, message in errors:
            assert column in HEADERS and isinstance(message, str) and message
        return
    assert errors == [] and clean.row == row and clean.name and len(clean.name) <= 200
    for key, value in clean.fields.items():
        column = next(c for c in COLUMNS if c.key == key)
        if column.kind == "integer":
            assert isinstance(value, int) and column.min_value <= value <= INTEGER_MAX
        elif column.kind == "choice":
            assert value in CHOICES_VALUES[key]
        else:
            assert isinstance(value, str) and value == value.strip() and len(value) <= column.max_length
    for (year, _key), amount in clean.amounts.items():
        assert year == 2001 and Decimal(0) <= amount <= AMOUNT_MAX


def _choice_values():
    from prospects.excel.columns import CHOICE_INPUTS

    return {key: set(CHOICE_INPUTS[key].values()) for key in CHOICES}


CHOICES_VALUES = _choice_values()
amounts = st.decimals(min_value=0, max_value=AMOUNT_MAX, places=2, allow_nan=False, allow_infinity=False)


def written(number: Decimal, style: str) -> str:
    text = f"{number:,.2f}" if style != "plain" else f"{number:.2f}"
    if style == "spaced":
        text = text.replace(",", " ")
    if style == "fullwidth":
        text = text.translate(FULL_WIDTH)
    return text


@settings(max_examples=400, deadline=None)
@given(
    number=amounts,
    style=st.sampled_from(["plain", "grouped", "spaced", "fullwidth"]),
    pad=st.sampled_from(["", " ", "\u3000"]),
)
def test_amounts_with_separators_and_full_width_digits_round_trip(number, style, pad):
    assert parse_amount(pad + written(number, style) + pad) == number
    assert parse_amount(float(number)) == number if abs(number) < 10**13 else True


@settings(max_examples=400, deadline=None)
@given(number=st.integers(min_value=0, max_value=INTEGER_MAX), fullwidth=st.booleans(), grouped=st.booleans())
def test_integers_with_separators_and_full_width_digits_round_trip(number, fullwidth, grouped):
    text = f"{number:,}" if grouped else str(number)
    if fullwidth:
        text = text.translate(FULL_WIDTH)
    assert parse_integer(text) == number
    assert parse_integer(number) == number and parse_integer(float(number)) == number


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=60), st.floats(), st.integers(min_value=-(10**30), max_value=10**30)))
def test_number_parsers_return_a_value_or_a_cell_error(value):
    for parse in (parse_amount, parse_integer):
        try:
            result = parse(value)
        except CellError as exc:
            assert str(exc)
        else:
            assert result is None or result >= 0
