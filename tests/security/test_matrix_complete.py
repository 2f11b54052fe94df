"""The permission matrix covers the whole product: every URL name (admin, authentication and
language switching aside) is requested by at least one Case of some `tests/<app>/permission_cases.py`.
Each Case's URL is built with the matrix's own fixtures and resolved to its URL name."""

from django.db import transaction
from django.urls import resolve

from tests.test_permission_matrix import CASES, ctx  # noqa: F401 (fixture)
from tests.test_url_security import PUBLIC, _patterns

# Django's own account pages (the same for every user, nothing scoped behind them).
AUTH = {"password_change", "password_change_done"}


class _Rollback(Exception):
    pass


def product_url_names() -> set[str]:
    return {name for name, _route in _patterns() if name and name not in PUBLIC | AUTH}


def test_every_url_name_has_a_permission_case(ctx):  # noqa: F811
    covered = set()
    for case in CASES:
        try:
            with transaction.atomic():
                if case.setup:
                    case.setup(ctx)
                covered.add(resolve(case.url(ctx).split("?")[0]).view_name)
                raise _Rollback
        except _Rollback:
            pass
    missing = sorted(product_url_names() - covered)
    assert not missing, f"URL names without a permission Case: {missing}"
