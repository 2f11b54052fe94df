"""The annual review in a real browser: the BU VP writes and submits, the BG VP confirms next year's
goals, the BU VP carries the year forward and sees next year next to this one."""

import pytest

from tests.reviews.conftest import seeded  # noqa: F401  (the seeded 2025 of the review tests)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_submit_confirm_carry_forward(page_for, login, seeded):  # noqa: F811
    buvp = page_for()
    _accept_dialogs(buvp)
    login(buvp, "buvp")
    buvp.goto("/reviews/?year=2025")
    buvp.click("[data-testid=start-review-MFG]")
    buvp.wait_for_selector("[data-testid=section-key-customers]")
    assert buvp.locator("[data-testid=conversion-tier1]").inner_text() == "50.0%"
    assert "乙公司" in buvp.locator("[data-testid=tier1-no-progress]").inner_text()
    buvp.locator("[data-testid=summary-form-overall] textarea").fill("全年一级客户进展不足，需要调整权重。")
    buvp.locator("[data-testid=summary-form-overall] button").click()
    buvp.wait_for_load_state()
    buvp.locator("[data-testid=goals-form] textarea[name=next_development_goals]").fill("发展 12 个一级客户")
    buvp.locator("[data-testid=goals-form] button").click()
    buvp.wait_for_load_state()
    form = buvp.locator("[data-testid=change-form]")
    form.locator("select[name=kind]").select_option("threshold")
    form.locator("select[name=dimension]").select_option("attractiveness")
    form.locator("input[name=value]").fill("6")
    form.locator("textarea[name=reason]").fill("一级客户过多")
    form.locator("[data-testid=change-add]").click()
    buvp.wait_for_load_state()
    assert "一级客户过多" in buvp.locator("[data-testid=section-changes]").inner_text()
    buvp.click("[data-testid=submit-review]")
    buvp.wait_for_selector("[data-testid=review-status][data-status=submitted]")
    review_url = buvp.url

    bgvp = page_for()
    login(bgvp, "bgvp")
    bgvp.goto("/reviews/?year=2025")
    bgvp.click("[data-testid=group-overview]")
    assert "发展 12 个一级客户" in bgvp.locator("[data-testid=group-side-by-side]").inner_text()
    bgvp.goto(review_url)
    bgvp.fill("#confirm-next_development_goals", "发展 10 个一级客户")
    bgvp.click("[data-testid=confirm-review]")
    bgvp.wait_for_selector("[data-testid=review-status][data-status=confirmed]")

    buvp.goto(review_url)
    assert "发展 10 个一级客户" in buvp.locator("[data-testid=next-development-goals]").inner_text()
    buvp.click("[data-testid=carry-forward]")
    buvp.wait_for_selector("[data-testid=carried]")
    buvp.click("[data-testid=compare-link]")
    assert buvp.locator("[data-testid=next-list-count]").inner_text() == "4"
    assert "一级客户过多" in buvp.locator("[data-testid=compare-thresholds]").inner_text()
    assert buvp.locator("[data-testid=next-version-link]").is_visible()
