"""Pure: one raw row of the basic-info table → clean values, or a list of (column, message) errors in
the user's language. No database: what the row needs to know (segments, size bands, the year of each
amount column) comes in a RowContext of plain values.

Numbers are read as people type them: real numbers, or text with thousands separators ("1,234.5")
and/or full-width digits ("１２３４"). Anything that could mean two things ("1.234" — one point
two three four, or one thousand two hundred thirty-four?) is an error, never a guess."""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from prospects.excel.columns import (
    AMOUNT_KEYS,
    BY_KEY,
    CHOICE_INPUTS,
    CHOICES,
    COLUMNS,
    Column,
    normalize_header,
)
from prospects.excel.reader import CellProblem, ErrorValue
from prospects.text import clean_name, clean_text, strip_invisible

AMOUNT_PLACES = 2
AMOUNT_MAX = Decimal("99999999999999.99")  # 16 digits, 2 decimals (CustomerFinancials)
INTEGER_MAX = 2_147_483_647
_PLAIN = re.compile(r"\d+(\.\d+)?")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_SPACED = re.compile(r"\d{1,3}( \d{3})+(\.\d+)?")
# Invisible control characters other than tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class CellError(ValueError):
    pass


@dataclass(frozen=True)
class RowContext:
    planning_year: int
    segments: dict[str, int]  # normalised segment name or code → segment id
    segment_labels: tuple[str, ...]  # for the error message
    default_segment_id: int | None
    size_bands: tuple[Decimal, Decimal]  # (large_min, medium_min) of revenue in 万元
    amount_years: dict[str, int]  # amount key → the year its figures belong to
    headers: dict[str, str] = field(default_factory=dict)  # key → header as written in the file


@dataclass
class CleanRow:
    row: int
    number: str
    name: str
    name_key: str
    segment_id: int | None  # None: the row names none (and there is no default)
    segment_given: bool
    fields: dict[str, object]  # Customer fields with a value in the row (empty cells are left alone)
    amounts: dict[tuple[int, str], Decimal]  # (year, financials field) → value
    size_derived: bool = False


def normalize_name(name: str) -> str:
    # Same rule as prospects.models.normalize_name, kept here so the validator imports no models.
    text = unicodedata.normalize("NFKC", strip_invisible(name or ""))
    return "".join(text.split()).casefold()


def problem_message(value: CellProblem) -> str:
    if isinstance(value, ErrorValue):
        return _("单元格是错误值 %(value)s（公式出错），请改为正确的值或留空") % {"value": value}
    return _(
        "公式 %(formula)s 没有计算结果（文件未经 Excel 计算保存）：请用 Excel 打开并保存后重新导入，或把公式改为值"
    ) % {"formula": value[:60]}


def is_blank(value) -> bool:
    """None, or text of white space and invisible characters only (a pasted zero-width space)."""
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return not text or (not text.isprintable() and not strip_invisible(text).strip())


def _decimal_from_number(value) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("不是数字"))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(_("不是有效数字"))
        # A float from Excel carries binary noise (0.30000000000000004): 9 significant decimals
        # are more than any amount typed by a person.
        return Decimal(repr(round(value, 9)))
    number = Decimal(value)
    if not number.is_finite():  # Decimal("NaN") / Decimal("Infinity") compare by raising
        raise CellError(_("不是有效数字"))
    return number


def parse_number(value, *, places: int) -> Decimal | None:
    """A number ≥ 0 with at most `places` decimals, or None for an empty cell."""
    if is_blank(value):
        return None
    if type(value) is int or (type(value) is float and value.is_integer() and abs(value) < 2**53):
        # The common cell (a whole number): exact as it is, no decimals to count.
        if value < 0:
            raise CellError(_("不能为负数"))
        return Decimal(int(value))
    if isinstance(value, int | float | Decimal):
        number = _decimal_from_number(value)
        text = None
    elif isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise CellError(_("是日期，不是数字"))
    else:
        text = unicodedata.normalize("NFKC", strip_invisible(str(value))).strip()
        if _SPACED.fullmatch(text):  # "1 234 567" (spaces as thousands separators)
            text = text.replace(" ", "")
        negative = text.startswith("-")
        body = text[1:] if negative else text
        if _GROUPED.fullmatch(body):
            body = body.replace(",", "")
        elif not _PLAIN.fullmatch(body):
            raise CellError(_("无法识别的数字「%(value)s」") % {"value": str(value).strip()[:40]})
        try:
            number = Decimal(body)
        except InvalidOperation as exc:
            raise CellError(_("无法识别的数字「%(value)s」") % {"value": str(value).strip()[:40]}) from exc
        if negative:
            number = -number
    if number < 0:
        raise CellError(_("不能为负数"))
    if text is not None:  # as written: "1.500" has three decimals even though it equals 1.5
        decimals = len(text.split(".")[1]) if "." in text else 0
    else:
        exponent = number.normalize().as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > places:
        if text is not None and "," not in text and decimals == 3:
            raise CellError(
                _("「%(value)s」有歧义（小数点还是千位分隔符？）：千位分隔请用逗号") % {"value": text}
            )
        if places == 0:
            raise CellError(_("必须是整数"))
        raise CellError(_("最多 %(n)s 位小数") % {"n": places})
    return number


def parse_amount(value) -> Decimal | None:
    number = parse_number(value, places=AMOUNT_PLACES)
    if number is not None and number > AMOUNT_MAX:
        raise CellError(_("数值过大"))
    return number


def parse_integer(value, *, min_value: int = 0) -> int | None:
    number = parse_number(value, places=0)
    if number is None:
        return None
    if number < min_value:
        raise CellError(_("不能小于 %(n)s") % {"n": min_value})
    if number > INTEGER_MAX:
        raise CellError(_("数值过大"))
    return int(number)


def parse_text(value, *, max_length: int | None) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime.datetime):
        text = value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    text = clean_text(text)
    if _CONTROL.search(text):
        # Invisible control characters (NUL and the like) corrupt exports and PostgreSQL refuses NUL.
        raise CellError(_("含有不可见的控制字符，请删除后重新导入"))
    if max_length and len(text) > max_length:
        raise CellError(
            _("太长（%(length)s 字，上限 %(limit)s 字）") % {"length": len(text), "limit": max_length}
        )
    return text


def parse_choice(key: str, value) -> str:
    if is_blank(value):
        return ""
    found = CHOICE_INPUTS[key].get(normalize_header(value))
    if found is None:
        raise CellError(
            _("「%(value)s」不是可选值，请填写：%(choices)s")
            % {"value": str(value).strip()[:40], "choices": "/".join(CHOICES[key])}
        )
    return found


def size_class_for(revenue: Decimal, bands: tuple[Decimal, Decimal]) -> str:
    large_min, medium_min = bands
    if revenue >= large_min:
        return "large"
    return "medium" if revenue >= medium_min else "small"


def resolve_amount_years(
    found: dict[str, int | None], planning_year: int
) -> tuple[dict[str, int], list[str]]:
    """Which year each amount column's figures belong to, and warnings for the user.

    The table of planning year Y carries the figures of Y-1. A header without a year is read as
    Y-1 (warned). A header naming another year is taken at its word: its figures are stored for
    THAT year (warned) — never silently moved to Y-1, never dropped."""
    expected = planning_year - 1
    years, warnings = {}, []
    for key, year in found.items():
        title = BY_KEY[key].title("YYYY")
        if year is None:
            years[key] = expected
            warnings.append(
                _("「%(column)s」列的表头没有年份，按 %(year)s 年（规划年度的上一年）的数据导入。")
                % {"column": title, "year": expected}
            )
        else:
            years[key] = year
            if year != expected:
                warnings.append(
                    _("「%(column)s」列的表头年份是 %(found)s 年，而规划年度 %(planning)s 应填 %(year)s 年的数据；"
                      "该列数值按表头所写的 %(found)s 年保存。")
                    % {"column": title, "found": year, "planning": planning_year, "year": expected}
                )  # fmt: skip
    return years, warnings


def validate_row(
    row: int, raw: dict[str, object], ctx: RowContext
) -> tuple[CleanRow | None, list[tuple[str, str]]]:
    """Clean values of one row, or (None, [(column header, message), …])."""
    errors: list[tuple[str, str]] = []
    fields: dict[str, object] = {}
    amounts: dict[tuple[int, str], Decimal] = {}

    def header(column: Column) -> str:
        return ctx.headers.get(column.key) or column.title(ctx.planning_year - 1)

    number = name = ""
    segment_id, segment_given = ctx.default_segment_id, False
    for column in COLUMNS:
        if column.key not in raw:
            continue
        value = raw[column.key]
        try:
            if isinstance(value, CellProblem):
                raise CellError(problem_message(value))
            if column.key == "number":
                number = parse_text(value, max_length=column.max_length).upper()
                number = unicodedata.normalize("NFKC", number)
            elif column.key == "name":
                # As written (full-width brackets stay: "（中国）"); only the matching key folds them.
                name = clean_name(parse_text(value, max_length=column.max_length))
                if not name:
                    raise CellError(_("公司名称必填"))
            elif column.kind == "segment":
                if not is_blank(value):
                    key = normalize_header(value)
                    if key not in ctx.segments:
                        raise CellError(
                            _("「%(value)s」不是本业务单元的细分市场（可填：%(choices)s）")
                            % {"value": str(value).strip()[:40], "choices": "、".join(ctx.segment_labels)}
                        )
                    segment_id, segment_given = ctx.segments[key], True
            elif column.kind == "amount":
                amount = parse_amount(value)
                if amount is not None:
                    amounts[(ctx.amount_years[column.key], column.key)] = amount
            elif column.kind == "integer":
                number_value = parse_integer(value, min_value=column.min_value)
                if number_value is not None:
                    fields[column.key] = number_value
            elif column.kind == "choice":
                choice = parse_choice(column.key, value)
                if choice:
                    fields[column.key] = choice
            else:
                text = parse_text(value, max_length=column.max_length)
                if text:
                    fields[column.key] = text
        except CellError as exc:
            errors.append((header(column), str(exc)))
    if "name" not in raw:
        errors.append((BY_KEY["name"].header, _("公司名称必填")))
    if errors:
        return None, errors
    derived = False
    revenue = amounts.get((ctx.planning_year - 1, "revenue"))
    if revenue is None:  # a file whose revenue column names another year still sizes the customer
        revenue = next((v for (_y, k), v in sorted(amounts.items(), reverse=True) if k == "revenue"), None)
    if "size_class" not in fields and revenue is not None:
        fields["size_class"] = size_class_for(revenue, ctx.size_bands)
        derived = True
    return (
        CleanRow(
            row=row,
            number=number,
            name=name,
            name_key=normalize_name(name),
            segment_id=segment_id,
            segment_given=segment_given,
            fields=fields,
            amounts=amounts,
            size_derived=derived,
        ),
        [],
    )


__all__ = [
    "AMOUNT_KEYS",
    "CellError",
    "CleanRow",
    "RowContext",
    "parse_amount",
    "parse_integer",
    "resolve_amount_years",
    "size_class_for",
    "validate_row",
]
