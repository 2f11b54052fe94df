"""The BU VP creates a criteria version, meets a weight error the form names by dimension, fixes
it and activates the version — through the real pages."""

import pytest

from criteria.models import CriteriaVersion, VersionStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bu_vp_creates_fixes_weights_and_activates_a_version(page_for, login, org, buvp, segmgr):
    page = page_for()
    login(page, "buvp")
    page.goto("/criteria/")
    page.fill("input[name=year]", "2002")
    page.check("input[name=source][value=template]")
    page.click("[data-testid=version-create]")
    page.click("[data-testid=edit-criteria]")

    page.fill("input[name=attractiveness-0-weight]", "50")  # 财务业绩 40 → 50: the dimension sums to 110
    assert page.locator("[data-testid=total-attractiveness]").inner_text() == "110"
    page.click("[data-testid=save-criteria]")
    errors = page.locator("[data-testid=form-errors]")
    assert "吸引力：权重合计为 110%，应为 100%。" in errors.inner_text()
    assert "可行性" not in errors.inner_text()

    page.fill("input[name=attractiveness-1-weight]", "20")  # IT支出 30 → 20: back to 100
    assert page.locator("[data-testid=total-attractiveness]").inner_text() == "100"
    page.click("[data-testid=save-criteria]")
    page.wait_for_selector("[data-testid=dimension-attractiveness]")  # the detail page: the save is done
    version = CriteriaVersion.objects.get(unit=org.unit, year=2002)
    assert version.criteria.get(name="财务业绩").weight == 50

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=activate]")
    page.wait_for_selector("[data-testid=revise]")
    version.refresh_from_db()
    assert version.status == VersionStatus.ACTIVE
    assert "生效" in page.locator("[data-testid=version-status]").first.inner_text()
