"""A seeded planning year (2025) of the MFG BU with known answers for every figure of the review.

Customers on the 2025 list (AUTO unless noted), with the figures the tests expect:

| cust | tier  | start → end status          | progress | proposal | closed | cadence due/made | plans (done, with result) | completeness | verified     |
|------|-------|-----------------------------|----------|----------|--------|------------------|---------------------------|--------------|--------------|
| c1   | 一级  | first_contact → negotiating | 3        | yes      | no     | 12 / 2           | 2 (1, 1)                  | 90           | 2025-10-01   |
| c2   | 一级  | first_contact (no changes)  | 0        | no       | no     | 12 / 0           | 0                         | 50           | never        |
| c3   | 二级  | "" → closed                 | 5        | yes      | yes    | 4 / 2            | 1 (1, 0)                  | 80           | 2025-03-01   |
| c4   | 三级 ELEC | "" → first_contact      | 1        | no       | no     | 2 / 1            | 0                         | 100          | 2025-12-01   |
| c5   | 不考虑 | "" → negotiating           | 4        | yes      | no     | 0 / 0            | 0                         | 0            | 2024-12-01   |
| c6   | —     | "" (no changes)             | 0        | no       | no     | 0 / 0            | 0                         | 60           | never        |

Plus a MFG customer not on the 2025 list and a foreign customer on its own BU's 2025 list: neither
counts. Scores of 财务业绩: c1 7 (mean of 6 and 8), c2 2, c3 9, c4 4, c5 8 → ρ with progress = 1.0;
地理位置 5 for everyone → no variance → separated nothing."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from criteria.services.versions import version_activate, version_create
from prioritization.models import ContactLog, DevelopmentStatusChange, PromotionPlan, Scorecard, Target
from prospects.models import ListEntry
from tests.factories import CustomerFactory

YEAR = 2025
TZ = ZoneInfo("Asia/Shanghai")


def _at(y, m, d):
    return datetime(y, m, d, 12, tzinfo=TZ)


@pytest.fixture
def seeded(org, buvp, bgvp, segmgr, am, pr):
    version = version_create(actor=buvp, unit=org.unit, year=YEAR)
    version_activate(actor=buvp, version=version)
    criteria = {c.name: c for c in version.criteria.all()}

    def customer(
        name, segment, tier, *, status="", completeness=0, verified=None, owner=None, attr=None, feas=None
    ):
        c = CustomerFactory(
            segment=segment, name=name, development_status=status, completeness=completeness,
            last_verified_at=verified, daily_owner=owner,
        )  # fmt: skip
        ListEntry.objects.create(customer=c, year=YEAR)
        if tier is not None:
            Target.objects.create(
                customer=c, year=YEAR, tier=tier, proposed_tier=tier, incomplete=False,
                attractiveness=attr, feasibility=feas,
            )  # fmt: skip
        return c

    c1 = customer(
        "甲公司",
        org.auto,
        "tier1",
        status="negotiating",
        completeness=90,
        verified=_at(2025, 10, 1),
        owner=am,
        attr="7.00",
        feas="8.00",
    )
    c2 = customer(
        "乙公司",
        org.auto,
        "tier1",
        status="first_contact",
        completeness=50,
        owner=am,
        attr="6.00",
        feas="6.00",
    )
    c3 = customer(
        "丙公司",
        org.auto,
        "tier2",
        status="closed",
        completeness=80,
        verified=_at(2025, 3, 1),
        attr="4.00",
        feas="9.00",
    )
    c4 = customer(
        "丁公司",
        org.elec,
        "tier3",
        status="first_contact",
        completeness=100,
        verified=_at(2025, 12, 1),
        attr="8.00",
        feas="3.00",
    )
    c5 = customer(
        "戊公司",
        org.auto,
        "no",
        status="negotiating",
        completeness=0,
        verified=_at(2024, 12, 1),
        attr="3.00",
        feas="2.00",
    )
    c6 = customer("己公司", org.auto, None, completeness=60)
    off_list = CustomerFactory(segment=org.auto, name="名单外公司", completeness=100)
    foreign = CustomerFactory(segment=org.other_segment, name="外部公司", completeness=100)
    ListEntry.objects.create(customer=foreign, year=YEAR)

    def change(c, on, old, new):
        DevelopmentStatusChange.objects.create(customer=c, changed_on=on, from_status=old, to_status=new)

    change(c1, date(2024, 11, 1), "", "first_contact")
    change(c1, date(2025, 3, 1), "first_contact", "seminars")
    change(c1, date(2025, 6, 1), "seminars", "negotiating")
    change(c3, date(2025, 2, 1), "", "drafting")
    change(c3, date(2025, 9, 1), "drafting", "negotiating")
    change(c3, date(2025, 11, 1), "negotiating", "closed")
    change(c4, date(2025, 4, 1), "", "first_contact")
    change(c5, date(2025, 10, 1), "", "negotiating")
    change(off_list, date(2025, 5, 1), "", "closed")

    def contact(c, on):
        ContactLog.objects.create(customer=c, contacted_on=on, kind=ContactLog.Kind.VISIT)

    contact(c1, date(2025, 1, 10))
    contact(c1, date(2025, 1, 20))
    contact(c1, date(2025, 2, 15))
    contact(c1, date(2024, 12, 20))  # last year: does not count
    contact(c3, date(2025, 1, 5))
    contact(c3, date(2025, 5, 1))
    contact(c4, date(2025, 8, 1))
    contact(c5, date(2025, 8, 1))  # 不考虑: no cadence owed

    def plan(c, done, result=""):
        PromotionPlan.objects.create(
            customer=c,
            year=YEAR,
            objective="目标",
            decision_makers="CIO",
            format="seminar",
            done=done,
            result=result,
        )

    plan(c1, True, "签约意向")
    plan(c1, False)
    plan(c3, True)

    def score(c, name, value, evaluator=segmgr):
        Scorecard.objects.create(
            evaluator=evaluator, customer=c, criterion=criteria[name], year=YEAR,
            score_tenths=int(value * 10), scored_on=date(2025, 1, 15),
        )  # fmt: skip

    score(c1, "财务业绩", 6)
    score(c1, "财务业绩", 8, evaluator=buvp)
    for c, value in ((c2, 2), (c3, 9), (c4, 4), (c5, 8)):
        score(c, "财务业绩", value)
    for c in (c1, c2, c3, c4, c5):
        score(c, "地理位置", 5)

    return SimpleNamespace(
        org=org, version=version, criteria=criteria, c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6,
        off_list=off_list, foreign=foreign, buvp=buvp, bgvp=bgvp, segmgr=segmgr, am=am, pr=pr,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The home panels cache their aggregates for a minute; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
