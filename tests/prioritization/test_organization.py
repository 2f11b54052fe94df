import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from prioritization.models import Membership, Role
from prioritization.services.organization import (
    membership_grant,
    membership_revoke,
    membership_validate,
    segment_decision_makers,
)
from tests.factories import SegmentFactory, UserFactory, grant


def test_segment_manager_must_sit_on_a_segment(org):
    with pytest.raises(ValidationError, match="细分市场"):
        membership_validate(role=Role.SEGMENT_MANAGER, place=org.unit)


def test_bg_vp_must_sit_on_a_group(org):
    with pytest.raises(ValidationError):
        membership_validate(role=Role.BG_VP, place=org.auto)


def test_researcher_may_sit_on_unit_or_segment(org):
    assert membership_validate(role=Role.RESEARCHER, place=org.unit)["unit"] == org.unit
    assert membership_validate(role=Role.RESEARCHER, place=org.auto)["segment"] == org.auto


def test_bu_vp_grants_roles_inside_the_bu(org, buvp):
    user = UserFactory(username="newam")
    membership = membership_grant(actor=buvp, user=user, role=Role.ACCOUNT_MANAGER, place=org.auto)
    assert (membership.group, membership.unit, membership.segment) == (org.group, org.unit, org.auto)
    again = membership_grant(actor=buvp, user=user, role=Role.ACCOUNT_MANAGER, place=org.auto)
    assert again.pk == membership.pk


def test_bu_vp_cannot_grant_in_another_bu(org, buvp):
    with pytest.raises(PermissionDenied):
        membership_grant(actor=buvp, user=UserFactory(), role=Role.RESEARCHER, place=org.other_unit)


def test_only_admin_grants_on_a_group(org, buvp, admin_user):
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        membership_grant(actor=buvp, user=user, role=Role.BG_VP, place=org.group)
    assert membership_grant(actor=admin_user, user=user, role=Role.BG_VP, place=org.group).unit is None


def test_revoke_is_scoped(org, buvp, outsider, segmgr):
    membership = Membership.objects.get(user=segmgr)
    with pytest.raises(PermissionDenied):
        membership_revoke(actor=outsider, membership=membership)
    membership_revoke(actor=buvp, membership=membership)
    assert not Membership.objects.filter(user=segmgr).exists()


def test_database_refuses_a_segment_manager_without_segment(org):
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=UserFactory(), role=Role.SEGMENT_MANAGER, group=org.group, unit=org.unit
        )


def test_same_role_twice_on_the_same_place_is_refused(org, segmgr):
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=segmgr, role=Role.SEGMENT_MANAGER, group=org.group, unit=org.unit, segment=org.auto
        )


def test_decisions_go_to_segment_manager_or_else_to_the_bu_vp(org, segmgr, buvp):
    assert segment_decision_makers(org.auto) == [segmgr]
    assert segment_decision_makers(org.elec) == [buvp]
    lonely = SegmentFactory(unit=org.other_unit, code="X")
    assert segment_decision_makers(lonely) == []
    grant(UserFactory(username="x"), Role.SEGMENT_MANAGER, lonely)
    assert [u.username for u in segment_decision_makers(lonely)] == ["x"]
