"""Every state change of the permission matrix (its POST cases) refuses a POST without a CSRF token
(403, nothing written) and does not change anything on GET (405, or 200 showing the form)."""

import pytest
from django.test import Client

from prioritization.models import AuditEvent
from tests.test_permission_matrix import CASES, ctx  # noqa: F401 (fixture)

POSTS = [c for c in CASES if c.method == "post"]


def _snapshot():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if m is not AuditEvent}


@pytest.mark.parametrize("case", POSTS, ids=[c.name for c in POSTS])
def test_state_change_needs_post_with_csrf(case, ctx):  # noqa: F811
    if case.setup:
        case.setup(ctx)
    url = case.url(ctx)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.admin_user)
    client.get("/")  # the session exists; a GET below must not add rows
    before = _snapshot()
    response = client.get(url)
    assert response.status_code in (200, 302, 404, 405), f"{case.name}: GET answered {response.status_code}"
    assert _snapshot() == before, f"{case.name}: a GET changed data"
    response = client.post(url, case.data(ctx) if case.data else {})
    assert response.status_code == 403, f"{case.name}: POST without token answered {response.status_code}"
    assert _snapshot() == before, f"{case.name}: a POST without token changed data"


def test_there_are_state_changes_to_check():
    assert len(POSTS) >= 20
