"""Data quality over the year: the beat's monthly snapshots, the backfill from the customers'
change history, and the trend in the review page and workbook."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from prospects.models import Customer, ListEntry
from reviews import tasks
from reviews.models import DataQualitySnapshot, Review, SnapshotSource
from reviews.selectors.quality import quality_trend
from tests.factories import CustomerFactory

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return time_machine.travel(datetime(y, m, d, h, tzinfo=TZ), tick=False)


@pytest.fixture
def year_2025(org):
    """Two AUTO customers and one ELEC customer on the 2025 list, created on 10 January (history
    kept by the model's save); on 10 February 甲 is completed and verified."""
    with at(2025, 1, 10):
        a = CustomerFactory(segment=org.auto, name="甲", completeness=40)
        b = CustomerFactory(
            segment=org.auto, name="乙", completeness=90, last_verified_at=datetime(2025, 1, 9, tzinfo=TZ)
        )
        c = CustomerFactory(segment=org.elec, name="丙", completeness=60)
        for customer in (a, b, c):
            ListEntry.objects.create(customer=customer, year=2025)
        CustomerFactory(segment=org.auto, name="名单外", completeness=0)  # not on the list
    with at(2025, 2, 10):
        a.completeness = 100
        a.last_verified_at = datetime(2025, 2, 10, tzinfo=TZ)
        a.save()
    return a, b, c


def rows(unit, year=2025):
    return {
        (f"{s.month:%Y-%m}", s.segment.code if s.segment else None): s
        for s in DataQualitySnapshot.objects.filter(unit=unit, year=year).select_related("segment")
    }


def test_the_beat_schedules_the_snapshot_task():
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-data-quality-snapshot"]
    assert entry["task"] == tasks.snapshot_data_quality.name == "reviews.snapshot_data_quality"


def test_first_snapshot_backfills_the_earlier_months_from_history(org, year_2025):
    with at(2025, 3, 15):
        tasks.snapshot_data_quality.delay()
    snaps = rows(org.unit)
    assert set(snaps) == {
        ("2025-01", "AUTO"), ("2025-01", "ELEC"), ("2025-02", "AUTO"), ("2025-02", "ELEC"),
        ("2025-03", "AUTO"), ("2025-03", "ELEC"),
    }  # fmt: skip
    jan, feb, mar = snaps[("2025-01", "AUTO")], snaps[("2025-02", "AUTO")], snaps[("2025-03", "AUTO")]
    assert (jan.source, feb.source, mar.source) == (
        SnapshotSource.HISTORY,
        SnapshotSource.HISTORY,
        "snapshot",
    )
    # January: 甲 40 never verified (stale), 乙 90 verified → 2 listed, sum 130, 1 complete, 1 stale.
    assert (jan.listed, jan.completeness_sum, jan.complete_count, jan.stale_count) == (2, 130, 1, 1)
    # February onwards 甲 is 100 and verified.
    assert (feb.listed, feb.completeness_sum, feb.complete_count, feb.stale_count) == (2, 190, 2, 0)
    assert (mar.completeness_sum, mar.stale_count, mar.taken_on) == (190, 0, date(2025, 3, 15))
    assert jan.taken_on == date(2025, 1, 31)


def test_snapshot_is_idempotent_and_a_past_month_keeps_its_last_state(org, year_2025):
    a, _b, _c = year_2025
    with at(2025, 3, 15):
        tasks.snapshot_data_quality.delay()
        tasks.snapshot_data_quality.delay()
    assert DataQualitySnapshot.objects.count() == 6
    with at(2025, 3, 31):
        Customer.objects.filter(pk=a.pk).update(completeness=50)
        tasks.snapshot_data_quality.delay()
    with at(2025, 4, 2):
        Customer.objects.filter(pk=a.pk).update(completeness=70)
        tasks.snapshot_data_quality.delay()
    snaps = rows(org.unit)
    assert snaps[("2025-03", "AUTO")].completeness_sum == 140  # 50 + 90: the state of 31 March
    assert snaps[("2025-04", "AUTO")].completeness_sum == 160  # 70 + 90
    assert snaps[("2025-01", "AUTO")].completeness_sum == 130  # no second backfill
    assert DataQualitySnapshot.objects.count() == 8


def test_without_history_the_series_starts_with_the_first_snapshot(org, buvp):
    with at(2025, 1, 5):
        Customer.objects.bulk_create(
            [Customer(unit=org.unit, segment=org.auto, number=f"B-{i}", name=f"批量{i}", name_key=f"批量{i}",
                      completeness=80) for i in range(3)]
        )  # fmt: skip
        ListEntry.objects.bulk_create([ListEntry(customer=c, year=2025) for c in Customer.objects.all()])
    with at(2025, 6, 20):
        tasks.snapshot_data_quality.delay()
        trend = quality_trend(user=buvp, unit=org.unit, year=2025)
    assert [m["month"] for m in trend["months"]] == ["2025-06"]
    assert trend["since"] == date(2025, 6, 20) and trend["backfilled"] is False
    assert trend["months"][0]["complete_avg"] == 80.0 and trend["months"][0]["stale_pct"] == 100.0


def test_snapshots_follow_the_planning_year_in_force(org, buvp, year_2025):
    """In November 2025 a BU whose 2026 version is already in force snapshots both years."""
    from criteria.services.versions import version_activate, version_create

    for year in (2025, 2026):
        version_activate(actor=buvp, version=version_create(actor=buvp, unit=org.unit, year=year))
    a, _b, _c = year_2025
    ListEntry.objects.create(customer=a, year=2026)
    with at(2025, 11, 20):
        tasks.snapshot_data_quality.delay()
    assert {(s.year, f"{s.month:%Y-%m}") for s in DataQualitySnapshot.objects.filter(year=2026)} == {
        (2026, "2025-11")
    }
    assert DataQualitySnapshot.objects.filter(year=2025, month=date(2025, 11, 1)).exists()


def test_trend_is_narrowed_to_the_viewers_segments(org, buvp, segmgr, year_2025):
    with at(2025, 3, 15):
        tasks.snapshot_data_quality.delay()
    whole = quality_trend(user=buvp, unit=org.unit, year=2025)
    auto = quality_trend(user=segmgr, unit=org.unit, year=2025)
    assert [m["listed"] for m in whole["months"]] == [3, 3, 3]
    assert [m["listed"] for m in auto["months"]] == [2, 2, 2]
    assert [m["complete_avg"] for m in auto["months"]] == [65.0, 95.0, 95.0]
    assert [m["stale_pct"] for m in auto["months"]] == [50.0, 0.0, 0.0]
    assert auto["backfilled"] is True and auto["since"] == date(2025, 3, 15)


def test_review_page_and_workbook_show_the_trend(client, org, buvp, year_2025, django_assert_max_num_queries):
    with at(2025, 3, 15):
        tasks.snapshot_data_quality.delay()
    review = Review.objects.create(unit=org.unit, year=2025)
    client.force_login(buvp)
    with at(2025, 3, 16):
        response = client.get(reverse("reviews:review_detail", args=[review.pk]))
    html = response.content.decode()
    assert 'id="chart-quality"' in html and 'data-testid="dq-trend-table"' in html
    assert "2025-03-15" in html  # "daily snapshots since …"
    charts = {c["id"]: c for c in response.context["charts"]}
    assert charts["chart-quality"]["labels"] == ["2025-01", "2025-02", "2025-03"]
    assert charts["chart-quality"]["series"][0]["values"] == [63.3, 83.3, 83.3]  # (40+90+60)/3, (100+90+60)/3
    export = reverse("reviews:review_export", args=[review.pk])
    with at(2025, 3, 16), django_assert_max_num_queries(60):
        book = load_workbook(BytesIO(client.get(export).content))
    sheet = book["数据质量"]
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=9, max_row=12, max_col=5)]
    assert values[0] == ["月份", "名单客户数", "平均资料完整度（%）", "数据过期占比（%）", "来源"]
    assert values[1][:4] == ["2025-01", 3, 63.3, 66.7]
    assert len(sheet._charts) == 1
