"""Demo criteria (INTERFACES.md): MFG versions with the default template for planning year 2002 and
for the current year, active, target segments AUTO/ELEC/PHARMA with the default quotas, and the
example goals of PROCESS.md. Idempotent: a BU-year that already has a version is left alone."""

from django.db import transaction
from django.utils import timezone

from criteria.models import BusinessGroupGoals, BusinessUnitGoals, CriteriaVersion
from criteria.services.goals import group_goals_save, unit_goals_save
from criteria.services.versions import version_activate, version_create, version_target_segments_set

GROUP_GOALS = {
    "mission": "成为本地中型制造企业横向应用的主要供应商。",
    "strategic_goal": "为少数能带来持久价值的客户服务，注重客户关系。",
    "development_goals": "每个业务单元确定 1–3 个重点细分市场，集中资源发展一级客户。",
}
UNIT_GOALS = {
    "strategic_goal": "发展少数小型制造企业作为平台，积累经验。",
    "development_goals": "汽车、电子、医药三个细分市场各形成一份经评估的分级目标客户名单。",
    "customer_service_goal": "一级客户每月与决策者联系；所有目标客户每 6 个月至少更新一次信息。",
}


@transaction.atomic
def load(org, customers: int = 0):
    buvp, bgvp = org.users["buvp"], org.users["bgvp"]
    created = 0
    for year in sorted({2002, timezone.localdate().year}):
        if not BusinessGroupGoals.objects.filter(group=org.group, year=year).exists():
            group_goals_save(actor=bgvp, group=org.group, year=year, **GROUP_GOALS)
        if not BusinessUnitGoals.objects.filter(unit=org.unit, year=year).exists():
            unit_goals_save(actor=buvp, unit=org.unit, year=year, **UNIT_GOALS)
        if CriteriaVersion.objects.filter(unit=org.unit, year=year).exists():
            continue
        version = version_create(actor=buvp, unit=org.unit, year=year)
        version_target_segments_set(
            actor=buvp,
            version=version,
            rows=[{"segment": org.segments[code]} for code in ("AUTO", "ELEC", "PHARMA")],
        )
        version_activate(actor=buvp, version=version)
        created += 1
    org.summary["criteria_versions"] = CriteriaVersion.objects.filter(unit=org.unit).count()
    return created
