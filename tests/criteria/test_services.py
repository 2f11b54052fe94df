from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.models import CriteriaVersion, VersionStatus
from criteria.selectors import active_version_for, size_bands_for, target_segments_for
from criteria.services.versions import (
    VersionNotEditable,
    version_activate,
    version_copy_last_year,
    version_create,
    version_criteria_set,
    version_freeze,
    version_revise,
    version_settings_update,
    version_target_segments_set,
)

pytestmark = pytest.mark.django_db


def _rows(version):
    return [
        {
            f: getattr(c, f)
            for f in ("dimension", "name", "name_en", "description", "guidance", "weight", "rule")
        }
        | {"id": c.pk}
        for c in version.criteria.all()
    ]


def test_new_version_has_the_default_template_in_order(org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2002)
    names = [(c.dimension, c.name, c.weight) for c in version.criteria.order_by("dimension", "order")]
    assert names == [
        ("attractiveness", "财务业绩", 40),
        ("attractiveness", "IT支出", 30),
        ("attractiveness", "声誉和内部管理", 20),
        ("attractiveness", "地理位置", 10),
        ("feasibility", "与我司现有关系", 30),
        ("feasibility", "与竞争对手关系", 30),
        ("feasibility", "对我司IT服务的态度", 30),
        ("feasibility", "我司自身执行能力", 10),
    ]
    assert version.status == VersionStatus.DRAFT
    assert version.criteria.get(name="IT支出").name_en == "IT spend"
    cadences = dict(version.principles.values_list("tier", "contact_cadence_days"))
    assert cadences == {"tier1": 30, "tier2": 90, "tier3": 180, "no": None}


def test_only_the_bu_vp_of_the_unit_creates_versions(org, segmgr, outsider, bgvp):
    for user in (segmgr, outsider, bgvp):
        with pytest.raises(PermissionDenied):
            version_create(actor=user, unit=org.unit, year=2002)


def test_activate_then_freeze_then_no_more_edits(org, buvp):
    version = version_activate(actor=buvp, version=version_create(actor=buvp, unit=org.unit, year=2002))
    assert active_version_for(unit=org.unit, year=2002) == version
    frozen = version_freeze(version=version)
    assert frozen.status == VersionStatus.FROZEN
    assert version_freeze(version=version).frozen_at == frozen.frozen_at  # idempotent
    assert active_version_for(unit=org.unit, year=2002) == version
    with pytest.raises(VersionNotEditable):
        version_settings_update(actor=buvp, version=version, attractiveness_threshold=Decimal("6"))
    revised = version_revise(actor=buvp, version=version)
    assert revised.status == VersionStatus.DRAFT and revised.based_on == version and revised.number == 2
    version_activate(actor=buvp, version=revised)
    version.refresh_from_db()
    assert version.status == VersionStatus.RETIRED
    assert active_version_for(unit=org.unit, year=2002) == revised


def test_weights_not_summing_to_100_are_refused_naming_the_dimension(org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2002)
    rows = _rows(version)
    rows[0]["weight"] = 50
    with pytest.raises(ValidationError) as exc:
        version_criteria_set(actor=buvp, version=version, criteria=rows)
    assert any("吸引力" in m and "110" in m for m in exc.value.messages)
    assert version.criteria.get(name="财务业绩").weight == 40


def test_contract_selectors_follow_the_version_in_force(org, buvp):
    assert size_bands_for(unit=org.unit, year=2002) == (Decimal("200000"), Decimal("10000"))
    assert {t["segment"] for t in target_segments_for(unit=org.unit, year=2002)} == {org.auto, org.elec}
    version = version_create(actor=buvp, unit=org.unit, year=2002)
    version_settings_update(actor=buvp, version=version, large_min=Decimal("100000"))
    warnings = version_target_segments_set(
        actor=buvp, version=version, rows=[{"segment": org.auto, "quota_large": 5}]
    )
    assert warnings == []
    assert size_bands_for(unit=org.unit, year=2002) == (Decimal("200000"), Decimal("10000"))  # still draft
    version_activate(actor=buvp, version=version)
    assert size_bands_for(unit=org.unit, year=2002) == (Decimal("100000"), Decimal("10000"))
    assert target_segments_for(unit=org.unit, year=2002) == [
        {"segment": org.auto, "quotas": {"large": 5, "medium": 50, "small": 20}}
    ]


def test_copy_last_year_copies_everything(org, buvp):
    old = version_create(actor=buvp, unit=org.unit, year=2001)
    version_settings_update(actor=buvp, version=old, feasibility_threshold=Decimal("6.5"))
    version_target_segments_set(actor=buvp, version=old, rows=[{"segment": org.elec}])
    version_activate(actor=buvp, version=old)
    new = version_copy_last_year(actor=buvp, unit=org.unit, year=2002)
    assert new.year == 2002 and new.based_on == old and new.number == 1
    assert new.feasibility_threshold == Decimal("6.5")
    assert list(new.target_segments.values_list("segment", flat=True)) == [org.elec.pk]
    assert new.criteria.count() == 8 and new.principles.count() == 4
    assert CriteriaVersion.objects.filter(unit=org.unit).count() == 2
