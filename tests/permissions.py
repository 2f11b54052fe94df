"""The permission matrix's vocabulary. Each app lists its pages and actions in
`tests/<app>/permission_cases.py` as `CASES = [Case(...), ...]`; `tests/test_permission_matrix.py`
runs every case for every role, with an object inside and one outside the role's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

# The roles of the matrix: fixture names of tests/conftest.py, plus the anonymous visitor.
ROLES = ["anon", "admin_user", "bgvp", "buvp", "segmgr", "am", "researcher", "pr", "outsider", "nobody"]
LOGGED_IN = [r for r in ROLES if r != "anon"]


@dataclass
class Case:
    """`url(ctx)` is requested as each role; `expect` maps role → status, `default` covers the rest.
    `setup(ctx)` may create the stage's objects (ctx has org, customers and every role's user);
    `data(ctx)` gives the POST body; `check(ctx, response)` may assert more (e.g. nothing written)."""

    name: str
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, int] = field(default_factory=dict)
    default: int = 404
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] | None = None
    setup: Callable[[SimpleNamespace], None] | None = None
    check: Callable[[SimpleNamespace, object, str], None] | None = None

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "anon":
            return 302  # to the login page
        return self.default


def everyone(status: int = 200, **overrides) -> dict[str, int]:
    return {**dict.fromkeys(LOGGED_IN, status), **overrides}
