"""The evaluation matrix renders in the browser (ECharts, data via json_script) and a tier decision
with a reason goes through the real pages."""

from decimal import Decimal as D

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025


@pytest.fixture
def scored(org, customers, admin_user, segmgr, buvp):
    from criteria.services.versions import version_activate, version_create
    from prioritization.services.scoring import ScoreInput, criterion_specs, scorecard_record
    from prospects.models import ListEntry

    version = version_activate(
        actor=admin_user, version=version_create(actor=admin_user, unit=org.unit, year=YEAR)
    )
    for customer, value in ((customers.owned, D("7")), (customers.auto, D("8"))):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
        scorecard_record(
            actor=segmgr,
            customer=customer,
            version=version,
            entries=[ScoreInput(s.key, value, override_reason="测试") for s in criterion_specs(version)],
        )
    return customers


def test_matrix_renders_points_and_a_manual_tier_with_reason_is_kept(page_for, login, scored):
    page = page_for()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "segmgr")
    page.goto(f"/targets/matrix/?bu=MFG&year={YEAR}")
    chart = page.locator("[data-testid=matrix-chart]")
    page.wait_for_function("document.getElementById('matrix-chart').dataset.ready === '1'")
    assert chart.get_attribute("data-points") == "2"
    assert chart.locator("canvas").count() >= 1
    assert errors == []
    page.goto(f"/targets/tiers/?bu=MFG&year={YEAR}")
    form = page.locator(f"[data-testid=manual-tier-{scored.auto.pk}]")
    form.locator("select[name=tier]").select_option("no")
    form.locator("input[name=reason]").fill("竞争对手长期锁定")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert dialogs and "不考虑" in dialogs[0]  # saying no is confirmed first
    badge = page.locator(f"[data-testid=tier-row-{scored.auto.pk}]")
    assert "竞争对手长期锁定" in badge.inner_text()
    assert "说不" in badge.inner_text()
