"""Stage 2.3.3 through the real pages in a browser: scoring a customer on the scorecard form, the
evaluation matrix's hover and click, approving the BU list, and a pipeline step on the board."""

from decimal import Decimal as D

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025


@pytest.fixture
def version(org, admin_user):
    from criteria.services.versions import version_activate, version_create

    return version_activate(
        actor=admin_user, version=version_create(actor=admin_user, unit=org.unit, year=YEAR)
    )


@pytest.fixture
def listed(customers, version):
    from prospects.models import ListEntry

    for customer in (customers.owned, customers.auto):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
    return customers


@pytest.fixture
def scored(listed, version, segmgr):
    from prioritization.services.scoring import ScoreInput, criterion_specs, scorecard_record

    for customer, value in ((listed.owned, D("7")), (listed.auto, D("8.5"))):
        scorecard_record(
            actor=segmgr,
            customer=customer,
            version=version,
            entries=[ScoreInput(s.key, value, override_reason="测试") for s in criterion_specs(version)],
        )
    return listed


def test_a_segment_manager_scores_a_customer_on_the_scorecard_form(page_for, login, listed, segmgr):
    from prioritization.models import Scorecard, Target

    page = page_for()
    login(page, "segmgr")
    page.goto(f"/targets/customers/{listed.auto.pk}/?year={YEAR}")
    inputs = page.locator("[data-testid=scorecard-form] [data-testid=score-input]")
    assert inputs.count() == 8
    inputs.nth(0).fill("12")  # out of range: the browser refuses, nothing is sent
    page.click("[data-testid=save-scores]")
    assert Scorecard.objects.count() == 0
    for index, value in enumerate(["9", "8.5", "8", "7", "6", "6.5", "7", "8"]):
        inputs.nth(index).fill(value)
    page.locator("input[name^=comment_]").first.fill("营收持续增长")
    with page.expect_navigation():
        page.click("[data-testid=save-scores]")
    card = page.locator("[data-testid=target-card]")
    assert "中国一汽" in page.locator("[data-testid=customer-head]").inner_text()
    assert card.is_visible() and "8.45" in card.inner_text()  # 9×.4 + 8.5×.3 + 8×.2 + 7×.1
    assert Scorecard.objects.filter(customer=listed.auto, evaluator=segmgr).count() == 8
    target = Target.objects.get(customer=listed.auto, year=YEAR)
    assert (str(target.attractiveness), str(target.feasibility), target.proposed_tier) == (
        "8.45",
        "6.65",
        "tier1",
    )


def test_matrix_hover_shows_the_company_and_click_opens_it(page_for, login, scored):
    page = page_for()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "segmgr")
    page.goto(f"/targets/matrix/?bu=MFG&year={YEAR}")
    page.wait_for_function("document.getElementById('matrix-chart').dataset.ready === '1'")
    # where ECharts drew 中国一汽 (feasibility 8.5, attractiveness 8.5), in page coordinates
    x, y = page.evaluate(
        """() => {
            const el = document.getElementById('matrix-chart');
            const chart = echarts.getInstanceByDom(el);
            const [px, py] = chart.convertToPixel({seriesIndex: 0}, [8.5, 8.5]);
            const box = el.getBoundingClientRect();
            return [box.left + px, box.top + py];
        }"""
    )
    page.mouse.move(x, y)
    tooltip = page.locator("#matrix-chart div", has_text="中国一汽").last
    tooltip.wait_for(state="visible")
    assert "8.50" in tooltip.inner_text()
    page.mouse.click(x, y)
    page.wait_for_url(f"**/targets/customers/{scored.auto.pk}/?year={YEAR}")
    assert "中国一汽" in page.locator("[data-testid=customer-head]").inner_text()
    assert errors == []


def test_the_bu_vp_accepts_the_proposals_and_approves_the_bu_list(page_for, login, scored, buvp):
    from prioritization.models import ListApproval, Target

    page = page_for()
    login(page, "buvp")
    page.goto(f"/targets/tiers/?bu=MFG&year={YEAR}")
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("[data-testid=accept-all]")
    page.wait_for_load_state()
    assert Target.objects.filter(year=YEAR).exclude(tier="").count() == 2
    page.fill("form[data-confirm] input[name=note]", "年度名单")
    page.click("[data-testid=approve-bu]")
    page.locator("[data-testid=bu-approved]").wait_for()
    assert len(dialogs) == 2  # both asked for confirmation first
    approval = ListApproval.objects.get(unit__code="MFG", year=YEAR)
    assert approval.note == "年度名单" and approval.counts["tier1"] + approval.counts["tier3"] >= 1
    assert page.locator("[data-testid=approve-bu]").count() == 0  # locked


def test_a_pipeline_step_is_recorded_from_the_board(page_for, login, scored, segmgr):
    from prioritization.models import DevelopmentStatusChange
    from prioritization.services.targets import tiers_accept_proposals

    tiers_accept_proposals(actor=segmgr, unit=scored.auto.unit, year=YEAR)
    page = page_for()
    login(page, "segmgr")
    page.goto(f"/targets/pipeline/?bu=MFG&year={YEAR}")
    card = page.locator("[data-testid=pipeline-card]", has_text="中国一汽")
    card.locator("summary").click()
    card.locator("select[name=status]").select_option("seminars")
    card.locator("input[name=seminars_held]").fill("2")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    column = page.locator("[data-status=seminars]")
    assert "中国一汽" in column.inner_text()
    change = DevelopmentStatusChange.objects.get()
    assert (change.to_status, change.seminars_held, change.changed_by) == ("seminars", 2, segmgr)
