"""Pure calculations of the annual review: plain values in, plain values out, no ORM.

The selectors gather the year's rows and hand them here; the tests check every figure on a seeded
year without a database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# The development pipeline of PROCESS.md §2.3.3 item 6, in order ("" = not started).
PIPELINE = ("", "first_contact", "seminars", "drafting", "negotiating", "closed")
PROPOSAL_SENT = PIPELINE.index("negotiating")
CLOSED = PIPELINE.index("closed")

# A criterion whose scores relate to the outcome less than this (|Spearman ρ|) separated nothing.
SEPARATION_MIN = 0.2
# Below this many scored customers a correlation says nothing.
CORRELATION_MIN_N = 3


def stage(status: str | None) -> int:
    """Position of a development status on the pipeline (0 = not started)."""
    try:
        return PIPELINE.index(status or "")
    except ValueError:
        return 0


def progress(start_status: str | None, end_status: str | None) -> int:
    """How many pipeline steps the customer moved over the year (negative when it fell back)."""
    return stage(end_status) - stage(start_status)


def percent(numerator: int | float, denominator: int | float, places: int = 1) -> Decimal | None:
    """numerator / denominator as a percentage rounded half-up; None when there is nothing to divide."""
    if not denominator:
        return None
    value = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def mean(values: Iterable[float | Decimal | int]) -> Decimal | None:
    values = [Decimal(str(v)) for v in values if v is not None]
    if not values:
        return None
    return (sum(values) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties sharing the average of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        average = (i + j) / 2 + 1
        for k in range(i, j + 1):
            result[order[k]] = average
        i = j + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation (Pearson on average ranks); None with fewer than
    CORRELATION_MIN_N pairs or when either side does not vary."""
    if len(xs) != len(ys):
        raise ValueError("xs and ys differ in length")
    if len(xs) < CORRELATION_MIN_N:
        return None
    rx, ry = ranks([float(x) for x in xs]), ranks([float(y) for y in ys])
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return round(sxy / math.sqrt(sxx * syy), 3)


def separated_nothing(rho: float | None) -> bool:
    """A criterion whose scores did not line up with the year's outcomes at all."""
    return rho is None or abs(rho) < SEPARATION_MIN


def cadence_kept(
    contacts: Iterable[date], *, start: date, end: date, cadence_days: int | None
) -> tuple[int, int]:
    """(due, made): the period [start, end] is cut into consecutive windows of `cadence_days`; each
    window that ended by `end` owed one contact, and counts as made when at least one contact fell
    in it. No cadence (不考虑) or an empty period owes nothing."""
    if not cadence_days or end < start:
        return 0, 0
    days = (end - start).days + 1
    due = days // cadence_days
    made = 0
    dates = sorted(d for d in contacts if start <= d <= end)
    for window in range(due):
        lo = start + timedelta(days=window * cadence_days)
        hi = lo + timedelta(days=cadence_days - 1)
        if any(lo <= d <= hi for d in dates):
            made += 1
    return due, made


def funnel(statuses: Iterable[str | None]) -> list[int]:
    """How many customers reached at least each stage of the pipeline (index = stage)."""
    counts = [0] * len(PIPELINE)
    for status in statuses:
        for i in range(stage(status) + 1):
            counts[i] += 1
    return counts


def funnel_from_counts(counts: dict[str | None, int]) -> list[int]:
    """`funnel` from {status: number of customers} (a SQL GROUP BY) instead of one status per customer."""
    result = [0] * len(PIPELINE)
    for status, n in counts.items():
        for i in range(stage(status) + 1):
            result[i] += n
    return result


def on_time(done_at, due_at) -> bool | None:
    """Whether a clock was met by its deadline; None when it had no deadline or is not met yet."""
    if due_at is None or done_at is None:
        return None
    return done_at <= due_at
