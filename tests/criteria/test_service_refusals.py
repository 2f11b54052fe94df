"""Criteria-version settings, tier principles and target segments: what the services refuse and
what a repeated save leaves alone."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from criteria.models import TargetSegment, TierPrinciple
from criteria.services.versions import (
    version_create,
    version_principles_set,
    version_settings_update,
    version_target_segments_set,
)
from prioritization.tiers import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org, buvp):
    return version_create(actor=buvp, unit=org.unit, year=2002)


def test_size_bands_must_be_ordered_and_settings_named(draft, buvp):
    with pytest.raises(TypeError):
        version_settings_update(actor=buvp, version=draft, colour="blue")
    with pytest.raises(ValidationError) as bands:
        version_settings_update(actor=buvp, version=draft, large_min=Decimal(100), medium_min=Decimal(100))
    assert "medium_min" in bands.value.message_dict
    draft.refresh_from_db()
    assert draft.medium_min < draft.large_min  # unchanged


def test_a_tier_principle_needs_a_name_and_changes_only_what_is_given(draft, buvp):
    with pytest.raises(ValidationError):
        version_principles_set(actor=buvp, version=draft, principles={Tier.TIER1: {"name": "  "}})
    before = TierPrinciple.objects.get(version=draft, tier=Tier.TIER2)
    version_principles_set(
        actor=buvp, version=draft, principles={Tier.TIER2: {"name": before.name, "contact_cadence_days": 45}}
    )
    after = TierPrinciple.objects.get(version=draft, tier=Tier.TIER2)
    assert (after.contact_cadence_days, after.name, after.service_principle) == (
        45,
        before.name,
        before.service_principle,
    )


def test_target_segments_refuse_duplicates_and_other_units_and_replace_the_rest(draft, buvp, org):
    with pytest.raises(ValidationError):
        version_target_segments_set(actor=buvp, version=draft, rows=[{"segment": org.other_segment}])
    with pytest.raises(ValidationError):
        version_target_segments_set(
            actor=buvp, version=draft, rows=[{"segment": org.auto}, {"segment": org.auto}]
        )
    version_target_segments_set(
        actor=buvp, version=draft, rows=[{"segment": org.auto}, {"segment": org.elec}]
    )
    warnings = version_target_segments_set(
        actor=buvp, version=draft, rows=[{"segment": org.elec, "quota_large": 12}]
    )
    assert warnings == []
    kept = TargetSegment.objects.get(version=draft)
    assert (kept.segment, kept.quota_large, kept.quota_medium, kept.quota_small) == (org.elec, 12, 50, 20)


def test_goals_are_linked_bg_to_bu_and_only_their_vps_set_them(org, bgvp, buvp, segmgr):
    from django.core.exceptions import PermissionDenied

    from criteria.services.goals import group_goals_save, unit_goals_save

    with pytest.raises(PermissionDenied):
        group_goals_save(actor=buvp, group=org.group, year=2002, mission="越权")
    with pytest.raises(PermissionDenied):
        unit_goals_save(actor=segmgr, unit=org.unit, year=2002, strategic_goal="越权")
    unit_goals = unit_goals_save(actor=buvp, unit=org.unit, year=2002, customer_service_goal="48 小时内答复")
    assert unit_goals.group_goals is None  # the BG has no goals for 2002 yet
    group_goals = group_goals_save(actor=bgvp, group=org.group, year=2002, mission="成为制造业首选IT伙伴")
    unit_goals.refresh_from_db()
    assert unit_goals.group_goals == group_goals  # linked as soon as the BG records its goals
    assert (unit_goals.customer_service_goal, unit_goals.updated_by) == ("48 小时内答复", buvp)
