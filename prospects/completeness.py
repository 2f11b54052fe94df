"""Pure: how complete a customer's record is, over the fields the basic-info table and the default
criteria rules need (financial performance, IT spend, reputation, location, relationship with us,
competitors, attitude). Stored on Customer.completeness by every write service."""

from __future__ import annotations

from datetime import timedelta

# Customer fields of the basic-info table (客户编号 and 公司名称 are always there).
CUSTOMER_FIELDS = (
    "segment_id", "size_class", "location", "competitors", "attitude", "brand_rank", "ownership",
    "employees", "disclosures", "it_staff", "source",
)  # fmt: skip
# Figures of the latest year on record.
FINANCIAL_FIELDS = ("revenue", "it_spend", "purchases_from_us")
TOTAL = len(CUSTOMER_FIELDS) + len(FINANCIAL_FIELDS)

# A customer not verified or updated for this long is stale (2.3.4: at least every six months).
STALE_AFTER = timedelta(days=183)


def _filled(value) -> bool:
    return value is not None and value != ""


def completeness_percent(values: dict, financials: dict | None) -> int:
    """`values`: the customer's fields (by attribute name); `financials`: the latest year's figures."""
    filled = sum(_filled(values.get(name)) for name in CUSTOMER_FIELDS)
    if financials:
        filled += sum(_filled(financials.get(name)) for name in FINANCIAL_FIELDS)
    return round(100 * filled / TOTAL)


def missing_fields(values: dict, financials: dict | None) -> list[str]:
    missing = [name for name in CUSTOMER_FIELDS if not _filled(values.get(name))]
    missing += [name for name in FINANCIAL_FIELDS if not financials or not _filled(financials.get(name))]
    return missing


def is_stale(last_verified_at, now) -> bool:
    return last_verified_at is None or last_verified_at < now - STALE_AFTER
