"""An inquiry through the real pages: logged on a phone-sized screen with the company autocomplete,
decided by the segment manager, followed up by the account manager."""

import pytest

from inquiries.models import Inquiry, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_log_on_a_phone_decide_and_follow_up(page_for, login, org, pr, segmgr, am, customers):
    page = page_for()
    page.set_viewport_size(PHONE)
    login(page, "pr")
    page.goto("/inquiries/log/")
    form = page.locator("[data-testid=quick-log-form]")
    # The form fits the phone: no horizontal scrolling, the save button is reachable.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.fill("#id_company_name", "上海")
    suggestion = page.locator("[data-testid=company-suggestion]", has_text="上海大众")
    suggestion.click()
    assert page.input_value("#id_company_name") == "上海大众"
    assert page.input_value("#id_customer") == str(customers.owned.pk)
    page.fill("#id_phone", "021-5555 0101")
    form.locator("[data-testid=quick-log-submit]").click()
    page.wait_for_selector("[data-testid=sla-card]")
    inquiry = Inquiry.objects.get()
    assert inquiry.customer == customers.owned
    assert inquiry.status == Status.CAPTURED
    assert page.locator("[data-testid=sla-log]").get_attribute("data-state") == "due"

    manager = page_for()
    login(manager, "segmgr")
    manager.goto(f"/inquiries/{inquiry.pk}/")
    decide = manager.locator("[data-testid=decide-form]")
    decide.locator("input[name=importance][value=secondary]").check()
    decide.locator("textarea[name=reply]").fill("已电话答复，约下周交流。")
    decide.locator("input[name=decision][value=allocate]").check()
    decide.locator("select[name=account_manager]").select_option(str(am.pk))
    decide.locator("[data-testid=decide-submit]").click()
    manager.wait_for_selector("[data-testid=decision]")
    inquiry.refresh_from_db()
    assert (inquiry.importance, inquiry.decision, inquiry.account_manager) == ("secondary", "allocate", am)

    sales = page_for()
    sales.set_viewport_size(PHONE)
    login(sales, "am1")
    sales.goto(f"/inquiries/{inquiry.pk}/")
    sales.locator("[data-testid=material-submit]").click()
    sales.wait_for_selector("[data-testid=followup-form]")
    sales.locator("textarea[name=feedback]").fill("客户下月启动招标。")
    sales.locator("[data-testid=followup-submit]").click()
    sales.wait_for_selector("[data-testid=close-inquiry]")
    sales.once("dialog", lambda dialog: dialog.accept())
    sales.locator("[data-testid=close-inquiry]").click()
    sales.wait_for_selector("[data-testid=close-inquiry]", state="detached")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED
    assert inquiry.feedback == "客户下月启动招标。"
    assert inquiry.followed_up_at is not None
