"""Every page of the product demands a login, and a signed-in user without any role sees no data
behind any URL that names an object — a guard over all stages' URLs, present and future."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete", "set_language", "healthz",
}  # fmt: skip


def _patterns(resolver=None, prefix="", namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = entry.namespace or namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    """Turn a route into a URL with made-up arguments (ids that do not exist)."""
    path = re.sub(r"<int:[^>]+>", "999999", route)
    path = re.sub(r"<slug:[^>]+>|<str:[^>]+>|<uuid:[^>]+>|<path:[^>]+>|<[^>]+>", "zz-unknown", path)
    path = path.replace("^", "").replace("$", "")
    return "/" + path


ROUTES = sorted({(name or "?", _concrete(route)) for name, route in _patterns() if (name or "") not in PUBLIC})


@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[f"{n}:{u}" for n, u in ROUTES])
def test_anonymous_visitors_are_sent_to_login(client, db, name, url):
    response = client.get(url)
    assert response.status_code in (302, 404, 405), f"{name} {url} answered {response.status_code}"
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"], f"{name} redirects elsewhere"


@pytest.mark.parametrize(("name", "url"), [r for r in ROUTES if "999999" in r[1] or "zz-unknown" in r[1]])
def test_a_user_without_roles_gets_no_object(client, nobody, name, url):
    client.force_login(nobody)
    response = client.get(url)
    assert response.status_code in (403, 404, 405), f"{name} {url} answered {response.status_code}"
