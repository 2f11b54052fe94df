"""Shared fixtures: a small organisation with one user per role, and a second, foreign organisation
whose data must never show up for the first one's users (the out-of-scope objects)."""

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings

from prioritization.models import Role
from prioritization.services.organization import org_manager_permissions_grant
from tests.factories import CustomerFactory, GroupFactory, SegmentFactory, UnitFactory, UserFactory, grant

# Property tests judge behaviour, not speed: no per-example deadline (a busy CI machine is slow).
settings.register_profile("workbench", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("workbench")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: the database is rolled back between tests (ids are
    reused on SQLite), values cached by one test must not answer the next."""
    from django.core.cache import cache

    from prioritization import listcache

    cache.clear()
    listcache._unavailable_until = 0.0  # a test without a cache does not leave the next one without


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Simplified Chinese): a request as a user who
    chose English activates it for the rest of the thread, which would change the next test's
    messages depending on the order the tests happen to run in."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def org(db):
    """BG "ITS" → BU "MFG" → segments AUTO and ELEC; and a foreign BG "OTH" → BU "OTHBU" → "OSEG"."""
    group = GroupFactory(code="ITS", name="IT服务业务群")
    unit = UnitFactory(code="MFG", group=group, name="制造业业务单元")
    auto = SegmentFactory(unit=unit, code="AUTO", name="汽车制造业")
    elec = SegmentFactory(unit=unit, code="ELEC", name="电子及通信设备制造业")
    other_group = GroupFactory(code="OTH", name="其他业务群")
    other_unit = UnitFactory(code="OTHBU", group=other_group, name="其他业务单元")
    other_segment = SegmentFactory(unit=other_unit, code="OSEG", name="其他细分市场")
    return SimpleNamespace(
        group=group, unit=unit, auto=auto, elec=elec,
        other_group=other_group, other_unit=other_unit, other_segment=other_segment,
    )  # fmt: skip


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def bgvp(org):
    user = UserFactory(username="bgvp", is_staff=True)
    grant(user, Role.BG_VP, org.group)
    org_manager_permissions_grant(user)
    return user


@pytest.fixture
def buvp(org):
    user = UserFactory(username="buvp", is_staff=True)
    grant(user, Role.BU_VP, org.unit)
    org_manager_permissions_grant(user)
    return user


@pytest.fixture
def segmgr(org):
    user = UserFactory(username="segmgr")
    grant(user, Role.SEGMENT_MANAGER, org.auto)
    return user


@pytest.fixture
def am(org):
    user = UserFactory(username="am1")
    grant(user, Role.ACCOUNT_MANAGER, org.auto)
    return user


@pytest.fixture
def researcher(org):
    user = UserFactory(username="researcher")
    grant(user, Role.RESEARCHER, org.unit)
    return user


@pytest.fixture
def pr(org):
    user = UserFactory(username="pr")
    grant(user, Role.PR_OWNER, org.unit)
    return user


@pytest.fixture
def outsider(org):
    """A BU VP of the foreign organisation."""
    user = UserFactory(username="outsider", is_staff=True)
    grant(user, Role.BU_VP, org.other_unit)
    org_manager_permissions_grant(user)
    return user


@pytest.fixture
def nobody(db):
    return UserFactory(username="nobody")


@pytest.fixture
def customers(org, am):
    """AUTO customers (one owned by am), an ELEC customer, and a foreign one."""
    return SimpleNamespace(
        owned=CustomerFactory(segment=org.auto, name="上海大众", daily_owner=am),
        auto=CustomerFactory(segment=org.auto, name="中国一汽"),
        elec=CustomerFactory(segment=org.elec, name="华为"),
        foreign=CustomerFactory(segment=org.other_segment, name="外部公司"),
    )


ROLE_FIXTURES = ["admin_user", "bgvp", "buvp", "segmgr", "am", "researcher", "pr", "outsider", "nobody"]


@pytest.fixture
def as_user(client):
    """Log the test client in as a user: `as_user(buvp)`."""

    def login(user):
        client.force_login(user)
        return client

    return login
