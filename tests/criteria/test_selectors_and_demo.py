import pytest
from django.utils import timezone

from criteria import demo
from criteria.models import CriteriaVersion, VersionStatus
from criteria.selectors import active_version_for, version_list_visible
from criteria.services.versions import version_activate, version_create
from prioritization.services.demo import demo_org_load

pytestmark = pytest.mark.django_db


def test_active_version_comes_with_its_criteria_in_order(org, buvp, django_assert_num_queries):
    version_activate(actor=buvp, version=version_create(actor=buvp, unit=org.unit, year=2002))
    version_create(actor=buvp, unit=org.unit, year=2002)  # a later draft does not count
    with django_assert_num_queries(4):
        version = active_version_for(unit=org.unit, year=2002)
        names = [c.name for c in version.criteria.all()]
        tiers = {p.tier for p in version.principles.all()}
        list(version.target_segments.all())
    assert names[:4] == ["财务业绩", "IT支出", "声誉和内部管理", "地理位置"]
    assert tiers == {"tier1", "tier2", "tier3", "no"}
    assert active_version_for(unit=org.unit, year=2003) is None


def test_outsider_and_nobody_see_no_versions(org, buvp, outsider, nobody, pr):
    version_activate(actor=buvp, version=version_create(actor=buvp, unit=org.unit, year=2002))
    assert not version_list_visible(user=outsider).exists()
    assert not version_list_visible(user=nobody).exists()


def test_demo_versions_are_active_with_three_segments_and_idempotent(db):
    org = demo_org_load()
    demo.load(org)
    demo.load(org)
    years = sorted({2002, timezone.localdate().year})
    versions = CriteriaVersion.objects.filter(unit=org.unit).order_by("year")
    assert [v.year for v in versions] == years
    for version in versions:
        assert version.status == VersionStatus.ACTIVE
        assert sorted(version.target_segments.values_list("segment__code", flat=True)) == [
            "AUTO",
            "ELEC",
            "PHARMA",
        ]
        assert {t.quota_large for t in version.target_segments.all()} == {30}
        assert version.criteria.count() == 8
