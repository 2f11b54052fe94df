"""Reads of the year's criteria set-up that other stages rely on.

These signatures are a contract between stages (prospects use the size bands and quotas, scoring uses
the active version). The criteria stage owns the implementation."""

from decimal import Decimal

# INTERFACES.md: 大型 revenue ≥ 200000 万元; 中型 ≥ 10000 万元; 小型 below. Configurable per BU-year.
DEFAULT_SIZE_BANDS = (Decimal("200000"), Decimal("10000"))
DEFAULT_QUOTAS = {"large": 30, "medium": 50, "small": 20}


def size_bands_for(*, unit, year: int) -> tuple[Decimal, Decimal]:
    """(large_min, medium_min) in 万元 of revenue for the BU's planning year."""
    return DEFAULT_SIZE_BANDS


def target_segments_for(*, unit, year: int) -> list[dict]:
    """The BU's target segments for the year: [{"segment": Segment, "quotas": {"large": n, …}}]."""
    return [{"segment": s, "quotas": dict(DEFAULT_QUOTAS)} for s in unit.segments.filter(is_active=True)]


def active_version_for(*, unit, year: int):
    """The active criteria version of (BU, year), or None."""
    return None
