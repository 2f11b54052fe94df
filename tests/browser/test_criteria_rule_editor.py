"""The BU VP gives a criterion a banded rule through the friendly editor (no JSON typed), saves,
and reads the rule in words on the version page."""

import pytest
from playwright.sync_api import expect

from criteria.models import CriteriaVersion
from criteria.services.versions import version_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bu_vp_adds_two_bands_and_sees_the_rule_in_words(page_for, login, org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2002)
    criterion = version.criteria.get(name="IT支出")
    criterion.rule = None
    criterion.save()
    page = page_for()
    login(page, "buvp")
    page.goto(f"/criteria/{version.pk}/")
    page.click("[data-testid=edit-criteria]")

    row = page.locator(".criterion-row", has=page.locator("input[value='IT支出']"))
    editor = row.locator("[data-testid=rule-editor]")
    expect(editor).to_be_visible()
    expect(row.locator("textarea[name$='-rule']")).to_be_hidden()  # the JSON stays behind the editor
    editor.locator("[data-testid=rule-field]").select_option("it_spend")
    editor.locator("[data-testid=rule-bound]").nth(0).fill("2000")  # written lowest first on purpose
    editor.locator("[data-testid=rule-score]").nth(0).fill("7")
    editor.locator("[data-testid=rule-add-band]").click()
    editor.locator("[data-testid=rule-bound]").nth(1).fill("5000")
    editor.locator("[data-testid=rule-score]").nth(1).fill("10")
    editor.locator("[data-testid=rule-default]").fill("3")
    page.click("[data-testid=save-criteria]")

    description = page.locator("[data-testid=rule-description]", has_text="IT支出")
    expect(description).to_have_text("IT支出 ≥ 5000 万元 → 10 分；≥ 2000 → 7 分；其他 → 3 分")
    rule = CriteriaVersion.objects.get(pk=version.pk).criteria.get(name="IT支出").rule
    assert rule == {
        "field": "it_spend",
        "bands": [{"min": "5000", "score": "10"}, {"min": "2000", "score": "7"}],
        "default": "3",
    }


def test_choice_scores_and_a_server_error_shown_at_the_criterion(page_for, login, org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2002)
    page = page_for()
    login(page, "buvp")
    page.goto(f"/criteria/{version.pk}/edit/")
    row = page.locator(".criterion-row", has=page.locator("input[value='地理位置']"))
    editor = row.locator("[data-testid=rule-editor]")
    editor.locator("[data-testid=rule-field]").select_option("attitude")
    editor.locator("[data-testid=rule-choice-high]").fill("12")  # out of range: the server judges
    editor.locator("[data-testid=rule-choice-low]").fill("3")
    page.click("[data-testid=save-criteria]")

    row = page.locator(".criterion-row", has=page.locator("input[value='地理位置']"))
    expect(row.locator("[data-testid=rule-error]")).to_contain_text("分数 “12” 不是 1–10")
    editor = row.locator("[data-testid=rule-editor]")
    expect(editor.locator("[data-testid=rule-choice-high]")).to_have_value("12")  # kept for fixing
    editor.locator("[data-testid=rule-choice-high]").fill("9")
    page.click("[data-testid=save-criteria]")
    descriptions = page.locator("[data-testid=rule-description]")
    expect(descriptions.get_by_text("管理层态度为高 → 9 分；低 → 3 分", exact=True)).to_have_count(1)
