"""The columns of the basic-info table (INTERFACES.md "Workbooks"), in their order, and how a header
found in a user's file is matched to them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from prospects.text import strip_invisible

SHEET_NAME = "客户基本信息表"
INSTRUCTIONS_SHEET = "填写说明"
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    key: str  # Customer field, or CustomerFinancials field for amounts, or "segment"/"number"
    header: str  # exact header; "{year}" is the year before the planning year
    kind: str  # text | amount | integer | choice | segment
    required: bool = False
    max_length: int | None = None
    min_value: int = 0
    pattern: str = ""  # regex over the normalised header; group "year" when the header has one

    def title(self, year: int | None) -> str:
        return self.header.format(year=year) if "{year}" in self.header else self.header


def normalize_header(text) -> str:
    """Full-width → half-width (NFKC: （）→ ()), every white space and line break removed, case folded."""
    text = unicodedata.normalize("NFKC", strip_invisible("" if text is None else str(text)))
    return "".join(text.split()).casefold()


_YEAR = r"(?:\((?P<year>\d{4})(?:年)?\))?"
_CHOICES = r"(?:\([^()]*/[^()]*\))?"  # "(高/中/低)", "(国有/合资/民营/外资…)" as in the source's template

COLUMNS: tuple[Column, ...] = (
    Column("number", "客户编号", "text", max_length=30),
    Column("name", "公司名称", "text", required=True, max_length=200),
    Column("segment", "细分市场", "segment"),
    Column("size_class", "规模", "choice", pattern=r"规模" + _CHOICES),
    Column("revenue", "公司营业额({year})", "amount", pattern=r"公司营业额" + _YEAR + r"(?:\(万元\))?"),
    Column("location", "公司地点", "text", max_length=200),
    Column(
        "it_spend",
        "IT产品/服务支出({year})(或预算)",
        "amount",
        pattern=r"it产品/服务支出" + _YEAR + r"(?:\(或预算\))?(?:\(万元\))?",
    ),
    Column(
        "purchases_from_us",
        "购买我司产品金额({year})",
        "amount",
        pattern=r"购买我司产品金额" + _YEAR + r"(?:\(万元\))?",
    ),
    Column("competitors", "竞争对手信息", "text", max_length=5000),
    Column(
        "attitude",
        "管理层对我司IT服务的积极态度",
        "choice",
        pattern=r"管理层对我司it服务的积极态度" + _CHOICES,
    ),
    Column("brand_rank", "公司品牌排名", "integer", min_value=1),
    Column("ownership", "所有权结构", "choice", pattern=r"所有权结构" + _CHOICES),
    Column("employees", "员工人数", "integer"),
    Column("disclosures", "公司重大相关信息披露", "text", max_length=5000),
    Column("it_staff", "IT部门人数", "integer"),
    Column("source", "信息来源", "text", max_length=300),
)
BY_KEY = {c.key: c for c in COLUMNS}
AMOUNT_KEYS = tuple(c.key for c in COLUMNS if c.kind == "amount")
CUSTOMER_KEYS = tuple(c.key for c in COLUMNS if c.kind in ("text", "integer", "choice") and c.key != "number")

_MATCHERS = [
    (column, re.compile(column.pattern or re.escape(normalize_header(column.header)))) for column in COLUMNS
]


def match_header(text) -> tuple[Column, int | None] | None:
    """The column a header cell names, with the year written in it (None when it has none)."""
    key = normalize_header(text)
    if not key:
        return None
    for column, regex in _MATCHERS:
        found = regex.fullmatch(key)
        if found:
            year = found.groupdict().get("year")
            return column, int(year) if year else None
    return None


# Choice labels in the workbook (Chinese, as the template's dropdowns) → stored values. Codes and
# English labels are accepted too, so that an English-speaking user's file reads the same.
CHOICES = {
    "size_class": {"大型": "large", "中型": "medium", "小型": "small"},
    "attitude": {"高": "high", "中": "medium", "低": "low"},
    "ownership": {"国有": "state", "合资": "jv", "民营": "private", "外资": "foreign", "其他": "other"},
}
_ENGLISH = {
    "size_class": {"large": "large", "medium": "medium", "small": "small"},
    "attitude": {"high": "high", "medium": "medium", "low": "low"},
    "ownership": {
        "state": "state", "state-owned": "state", "jv": "jv", "joint venture": "jv", "private": "private",
        "foreign": "foreign", "foreign-owned": "foreign", "other": "other",
    },
}  # fmt: skip
CHOICE_INPUTS = {
    key: {
        **{normalize_header(k): v for k, v in labels.items()},
        **{normalize_header(k): v for k, v in _ENGLISH[key].items()},
    }
    for key, labels in CHOICES.items()
}
CHOICE_LABELS = {key: {v: k for k, v in labels.items()} for key, labels in CHOICES.items()}
