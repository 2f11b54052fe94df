"""The admin console shows the scoring records read-only and within the user's scope."""

from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from prioritization.models import Target
from prospects.models import ListEntry
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(ctx, score_all, outsider):
    score_all(ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    ListEntry.objects.create(customer=ctx.customers.foreign, year=YEAR)
    Target.objects.create(customer=ctx.customers.foreign, year=YEAR)
    return ctx


def test_superuser_sees_every_target_but_cannot_edit_it(targets, client):
    client.force_login(targets.admin)
    page = client.get(reverse("admin:prioritization_target_changelist"))
    html = page.content.decode()
    assert page.status_code == 200 and "中国一汽" in html and "外部公司" in html
    target = Target.objects.get(customer=targets.customers.auto)
    assert client.post(reverse("admin:prioritization_target_delete", args=[target.pk])).status_code == 403
    assert reverse("admin:prioritization_target_add") not in html


def test_staff_bu_vp_sees_only_the_targets_of_the_bu(targets, client):
    buvp = targets.buvp
    buvp.user_permissions.add(Permission.objects.get(codename="view_target"))
    client.force_login(buvp)
    html = client.get(reverse("admin:prioritization_target_changelist")).content.decode()
    assert "中国一汽" in html and "外部公司" not in html
    foreign = Target.objects.get(customer=targets.customers.foreign)
    response = client.get(reverse("admin:prioritization_target_change", args=[foreign.pk]))
    assert response.status_code in (302, 404)  # out of scope: as if it did not exist
