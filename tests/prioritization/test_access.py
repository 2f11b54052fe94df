"""The one mapping from roles to data: rows each role sees, actions each role may take."""

import pytest
from django.http import Http404

from prioritization.access import Action, Scope
from prioritization.models import Membership, Role, Segment
from prospects.models import Customer, CustomerFinancials
from tests.factories import UserFactory, grant


def visible(user, model=Customer, action=Action.VIEW):
    return set(Scope(user).filter(model.objects.all(), action).values_list("name", flat=True))


def test_admin_sees_every_customer(admin_user, customers):
    assert visible(admin_user) == {"上海大众", "中国一汽", "华为", "外部公司"}


def test_bg_vp_sees_every_customer_of_the_group_and_nothing_else(bgvp, customers):
    assert visible(bgvp) == {"上海大众", "中国一汽", "华为"}


def test_bu_vp_sees_the_whole_bu(buvp, customers):
    assert visible(buvp) == {"上海大众", "中国一汽", "华为"}


def test_segment_manager_sees_only_the_segment(segmgr, customers):
    assert visible(segmgr) == {"上海大众", "中国一汽"}


def test_account_manager_reads_the_segment_and_changes_only_the_accounts_they_own(am, customers):
    # Issue 4's decision (access.SEGMENT_READABLE_BY_ACCOUNT_MANAGERS): the segment's customer
    # database read-only; every other action only on owned accounts.
    assert visible(am) == {"上海大众", "中国一汽"}
    assert visible(am, action=Action.CHANGE) == {"上海大众"}


def test_account_manager_as_overall_owner_changes_the_account(am, customers, org):
    customers.auto.overall_owner = am
    customers.auto.save()
    assert visible(am, action=Action.CHANGE) == {"上海大众", "中国一汽"}


def test_researcher_and_pr_owner_see_their_bu(researcher, pr, customers):
    assert visible(researcher) == {"上海大众", "中国一汽", "华为"}
    assert visible(pr) == {"上海大众", "中国一汽", "华为"}


def test_user_without_roles_sees_nothing(nobody, customers):
    assert visible(nobody) == set()


def test_inactive_user_sees_nothing_even_with_roles(buvp, customers):
    buvp.is_active = False
    buvp.save()
    assert visible(buvp) == set()


def test_several_memberships_add_up(org, customers):
    user = UserFactory(username="twohats")
    grant(user, Role.SEGMENT_MANAGER, org.elec)
    grant(user, Role.ACCOUNT_MANAGER, org.auto)
    assert visible(user) == {"华为", "上海大众", "中国一汽"}  # ELEC as manager, AUTO read as AM
    assert visible(user, action=Action.CHANGE) == {"华为"}
    customers.auto.daily_owner = user
    customers.auto.save()
    assert visible(user, action=Action.CHANGE) == {"华为", "中国一汽"}


def test_capabilities_follow_the_role(segmgr, pr, researcher, customers):
    assert Scope(segmgr).can(Action.SCORE, customers.auto)
    assert not Scope(segmgr).can(Action.SCORE, customers.elec)
    assert not Scope(pr).can(Action.CHANGE, customers.auto)
    assert Scope(pr).can(Action.VIEW, customers.auto)
    assert Scope(researcher).can(Action.CHANGE, customers.elec)
    assert not Scope(researcher).can(Action.SCORE, customers.elec)


def test_child_rows_are_scoped_through_their_customer(segmgr, customers):
    CustomerFinancials.objects.create(customer=customers.auto, year=2001)
    CustomerFinancials.objects.create(customer=customers.elec, year=2001)
    rows = Scope(segmgr).filter(CustomerFinancials.objects.all())
    assert [r.customer_id for r in rows] == [customers.auto.pk]


def test_get_or_404_hides_out_of_scope_objects(segmgr, customers):
    scope = Scope(segmgr)
    assert scope.get_or_404(Customer.objects.all(), pk=customers.auto.pk) == customers.auto
    with pytest.raises(Http404):
        scope.get_or_404(Customer.objects.all(), pk=customers.elec.pk)
    with pytest.raises(Http404):
        scope.get_or_404(Customer.objects.all(), pk="not-a-number")


def test_get_or_404_is_403_for_visible_object_without_the_action(pr, customers):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        Scope(pr).get_or_404(Customer.objects.all(), Action.CHANGE, pk=customers.auto.pk)


def test_can_in_a_place(org, segmgr, researcher, bgvp, outsider):
    assert Scope(segmgr).can_in(Action.IMPORT, unit=org.unit, segment=org.auto)
    assert not Scope(segmgr).can_in(Action.IMPORT, unit=org.unit, segment=org.elec)
    assert not Scope(segmgr).can_in(Action.IMPORT, unit=org.unit)
    assert Scope(researcher).can_in(Action.IMPORT, unit=org.unit, segment=org.elec)
    assert not Scope(bgvp).can_in(Action.IMPORT, unit=org.unit)
    assert Scope(bgvp).can_in(Action.MANAGE_ORG, unit=org.unit)
    assert not Scope(outsider).can_in(Action.MANAGE_ORG, unit=org.unit)


def test_segments_and_units_are_scoped(org, segmgr, bgvp):
    assert list(Scope(segmgr).segments()) == [org.auto]
    assert list(Scope(segmgr).units()) == [org.unit]
    assert set(Scope(bgvp).segments()) == {org.auto, org.elec}
    assert not Scope(segmgr).can(Action.MANAGE_ORG, org.auto)


def test_memberships_are_visible_to_unit_managers_only_inside_their_unit(org, buvp, outsider, segmgr):
    seen = Scope(buvp).filter(Membership.objects.all(), Action.MANAGE_ORG)
    assert {m.user.username for m in seen} == {"buvp", "segmgr"}
    assert Segment.objects.count() == 3


def test_list_filter_is_one_query(django_assert_max_num_queries, segmgr, customers):
    scope = Scope(segmgr)
    with django_assert_max_num_queries(2):
        list(scope.filter(Customer.objects.all()))
