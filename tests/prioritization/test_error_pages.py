"""403 and 404 are pages of the product (its layout, the user's language, a way home), not Django's
bare English "403 Forbidden"."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_forbidden_page_is_in_the_products_layout_and_the_users_language(client, org, researcher):
    client.force_login(researcher)
    url = reverse("prioritization:bu_merge") + "?bu=MFG&year=2025"
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "403 Forbidden" not in html
    assert 'data-testid="forbidden"' in html and "您没有访问本页面或执行此操作的权限" in html
    assert 'data-testid="user-menu"' in html  # the base layout, with the signed-in user's menu
    assert f'href="{reverse("home")}" data-testid="go-home"' in html
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html and "Access denied" in html and "You do not have the rights" in html


def test_not_found_page_is_in_the_products_layout_and_the_users_language(client, org, segmgr):
    client.force_login(segmgr)
    url = reverse("prioritization:scorecard", args=[999999]) + "?year=2025"
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="not-found"' in html and "页面不存在" in html
    assert f'href="{reverse("home")}" data-testid="go-home"' in html
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get(url).content.decode()


def test_not_found_page_renders_for_anonymous_visitors(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and 'data-testid="not-found"' in response.content.decode()
