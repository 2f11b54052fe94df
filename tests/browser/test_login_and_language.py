"""Log in as each role through the real pages, see that role's home page, switch language."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE_CARDS = {
    "bgvp": "bg_vp",
    "buvp": "bu_vp",
    "segmgr": "segment_manager",
    "am1": "account_manager",
    "researcher": "researcher",
    "pr": "pr_owner",
}


@pytest.fixture
def every_role(org, bgvp, buvp, segmgr, am, researcher, pr, admin_user):
    return {"bgvp": bgvp, "buvp": buvp, "segmgr": segmgr, "am1": am, "researcher": researcher, "pr": pr}


@pytest.mark.parametrize("username", list(ROLE_CARDS))
def test_each_role_lands_on_its_own_home_page(page_for, login, every_role, username):
    page = page_for()
    login(page, username)
    cards = page.locator("[data-testid^=role-]")
    assert cards.count() == 1
    assert cards.first.get_attribute("data-testid") == f"role-{ROLE_CARDS[username]}"
    assert page.locator("[data-testid=process-hint]").is_visible()


def test_admin_sees_the_admin_console_entry(page_for, login, every_role):
    page = page_for()
    login(page, "root")
    assert page.locator("[data-testid=admin-card]").is_visible()


def test_chinese_browser_gets_chinese_and_can_switch_to_english_and_back(page_for, login, every_role):
    page = page_for(locale="zh-CN")
    login(page, "buvp")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "首页" in page.locator("nav").inner_text()
    page.click("[data-testid=lang-en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Home" in page.locator("nav").inner_text()
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # the choice sticks
    page.click("[data-testid=lang-zh-hans]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_english_browser_gets_english_login_page(page_for, every_role):
    page = page_for(locale="en-US")
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_logout_returns_to_login(page_for, login, every_role, live_server):
    page = page_for()
    login(page, "segmgr")
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    page.goto("/")
    assert "/accounts/login/" in page.url
