from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from prioritization.models import BusinessUnit, Membership, Role, Segment
from prospects.models import Customer


def run_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_load_demo_builds_the_contract_organisation_and_is_idempotent(db):
    last = run_demo("--customers", "6")[-1]
    assert last == "demo: users=9 customers=16"
    assert run_demo("--customers", "6")[-1] == last
    unit = BusinessUnit.objects.get(code="MFG")
    assert unit.group.code == "ITS"
    assert set(Segment.objects.filter(unit=unit).values_list("code", flat=True)) == {"AUTO", "ELEC", "PHARMA"}
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="buvp").check_password("demo-pass-123")
    roles = {
        (m.user.username, m.role, m.place.code)
        for m in Membership.objects.select_related("user", "unit", "segment", "group")
    }
    assert ("segmgr", Role.SEGMENT_MANAGER, "AUTO") in roles
    assert ("segmgr2", Role.SEGMENT_MANAGER, "ELEC") in roles
    assert ("am2", Role.ACCOUNT_MANAGER, "AUTO") in roles
    assert ("bgvp", Role.BG_VP, "ITS") in roles
    assert ("pr", Role.PR_OWNER, "MFG") in roles
    names = set(Customer.objects.filter(segment__code="AUTO").values_list("name", flat=True))
    assert {
        "上海大众",
        "中国一汽",
        "东风汽车",
        "一汽大众",
        "一汽金杯",
        "上海通用",
        "长安汽车",
        "广州本田",
        "中国轻骑",
        "跃进汽车",
    } <= names


def test_bu_vp_appoints_a_researcher_in_the_admin_console(client, org, buvp):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="newcomer")
    client.force_login(buvp)
    response = client.post(
        reverse("admin:prioritization_membership_add"),
        {
            "user": newcomer.pk,
            "role": Role.RESEARCHER,
            "group": org.group.pk,
            "unit": org.unit.pk,
            "segment": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=newcomer)
    assert (membership.role, membership.unit, membership.segment) == (Role.RESEARCHER, org.unit, None)


def test_admin_form_refuses_a_role_on_the_wrong_level(client, org, buvp):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="newcomer")
    client.force_login(buvp)
    response = client.post(
        reverse("admin:prioritization_membership_add"),
        {
            "user": newcomer.pk,
            "role": Role.SEGMENT_MANAGER,
            "group": org.group.pk,
            "unit": org.unit.pk,
            "segment": "",
        },
    )
    assert response.status_code == 200
    assert "细分市场" in response.content.decode()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_admin_cannot_pick_a_unit_outside_the_scope(client, org, buvp):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="newcomer")
    client.force_login(buvp)
    response = client.post(
        reverse("admin:prioritization_membership_add"),
        {
            "user": newcomer.pk,
            "role": Role.RESEARCHER,
            "group": org.other_group.pk,
            "unit": org.other_unit.pk,
        },
    )
    assert response.status_code == 200  # the form says the choice is not available
    assert not Membership.objects.filter(user=newcomer).exists()


def test_admin_lists_only_segments_in_scope(client, org, buvp):
    client.force_login(buvp)
    html = client.get(reverse("admin:prioritization_segment_changelist")).content.decode()
    assert "汽车制造业" in html and "其他细分市场" not in html


DEMO_USERS = ["admin", "bgvp", "buvp", "segmgr", "segmgr2", "am1", "am2", "researcher", "pr"]


def test_every_demo_user_gets_a_home_page_with_the_stages_panels(client, db, django_assert_max_num_queries):
    run_demo("--customers", "30")
    users = get_user_model().objects
    for username in DEMO_USERS:
        client.force_login(users.get(username=username))
        with django_assert_max_num_queries(60):
            response = client.get(reverse("home"))
        assert response.status_code == 200, username
        assert response.context["widgets"] is not None
    client.force_login(users.get(username="researcher"))
    assert len(client.get(reverse("home")).context["widgets"]) >= 1
