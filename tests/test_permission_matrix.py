"""Role × page/action × object in/out of scope → allowed / 404 / 403, for every stage."""

import importlib
import pkgutil
from types import SimpleNamespace

import pytest

import tests
from tests.permissions import ROLES


def _all_cases():
    cases = []
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            cases_module = importlib.import_module(f"tests.{module.name}.permission_cases")
        except ModuleNotFoundError:
            continue
        cases.extend(cases_module.CASES)
    return cases


CASES = _all_cases()


@pytest.fixture
def ctx(request, org, customers, admin_user, bgvp, buvp, segmgr, am, researcher, pr, outsider, nobody):
    users = {
        "admin_user": admin_user, "bgvp": bgvp, "buvp": buvp, "segmgr": segmgr, "am": am,
        "researcher": researcher, "pr": pr, "outsider": outsider, "nobody": nobody,
    }  # fmt: skip
    return SimpleNamespace(org=org, customers=customers, users=users, **users)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_permission_matrix(case, role, ctx, client):
    if case.setup:
        case.setup(ctx)
    if role != "anon":
        client.force_login(ctx.users[role])
    url = case.url(ctx)
    if case.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, case.data(ctx) if case.data else {})
    expected = case.expected(role)
    assert response.status_code == expected, f"{case.name} as {role}: {response.status_code} != {expected}"
    if case.check:
        case.check(ctx, response, role)


def test_every_stage_contributes_cases():
    assert len(CASES) >= 5
