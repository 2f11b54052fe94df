"""Demo scores, tiers and owners for `load_demo` (idempotent): the example automotive companies get
one scorecard each from the AUTO segment manager, proposals are accepted, owners named."""

from decimal import Decimal

from criteria.selectors import active_version_for
from prioritization.models import Scorecard, Target
from prioritization.services.scoring import ScoreInput, criterion_specs, scorecard_record, scores_recompute
from prioritization.services.targets import owners_assign, tiers_accept_proposals
from prospects.models import ListEntry

# company → (attractiveness scores in criteria order, feasibility scores in criteria order)
DEMO_SCORES = {
    "上海大众": ([9, 9, 8, 8], [8, 7, 9, 8]),
    "中国一汽": ([9, 10, 9, 5], [8, 5, 6, 7]),
    "东风汽车": ([8, 9, 8, 5], [5, 4, 6, 6]),
    "一汽大众": ([8, 8, 8, 5], [4, 5, 9, 6]),
    "一汽金杯": ([4, 4, 5, 4], [4, 5, 3, 5]),
    "上海通用": ([9, 9, 9, 8], [2, 3, 6, 5]),
    "长安汽车": ([6, 6, 5, 4], [7, 6, 9, 7]),
    "广州本田": ([7, 7, 8, 4], [1, 3, 3, 4]),
    "中国轻骑": ([3, 2, 4, 4], [4, 6, 6, 5]),
    "跃进汽车": ([4, 3, 4, 6], [6, 6, 3, 6]),
}


def load(org, *, customers=0):
    segmgr = org.users["segmgr"]
    for version in {active_version_for(unit=org.unit, year=y) for y in _years(org)} - {None}:
        specs = criterion_specs(version)
        listed = ListEntry.objects.filter(year=version.year, customer__unit=org.unit).select_related(
            "customer"
        )
        for entry in listed:
            customer = entry.customer
            values = DEMO_SCORES.get(customer.name)
            if (
                values is None
                or Scorecard.objects.filter(customer=customer, criterion__version=version).exists()
            ):
                continue
            scores = [*values[0], *values[1]]
            scorecard_record(
                actor=segmgr,
                customer=customer,
                version=version,
                entries=[
                    ScoreInput(s.key, Decimal(v), override_reason="演示数据：评估人判断")
                    for s, v in zip(specs, scores, strict=True)
                ],
                recompute=False,
            )
            if customer.overall_owner_id is None:
                owners_assign(
                    actor=org.admin, customer=customer, overall_owner=segmgr, daily_owner=customer.daily_owner
                )
        scores_recompute(unit=org.unit, year=version.year, version=version)
        if not Target.objects.filter(year=version.year, customer__unit=org.unit).exclude(tier="").exists():
            tiers_accept_proposals(actor=segmgr, unit=org.unit, year=version.year)
    org.summary["scored"] = Target.objects.filter(customer__unit=org.unit, incomplete=False).count()


def _years(org):
    return set(ListEntry.objects.filter(customer__unit=org.unit).values_list("year", flat=True))
