"""The demo organisation of INTERFACES.md, loaded idempotently by `manage.py load_demo`.

The organisation and users are made here; each app adds its own part in `<app>/demo.py`
(`load(org, customers=N)`), so the demo grows with the product without this file knowing it."""

import importlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from prioritization.models import BusinessGroup, BusinessUnit, Membership, Profile, Role, Segment
from prioritization.services.organization import org_manager_permissions_grant

DEMO_PASSWORD = "demo-pass-123"
DEMO_APPS = ["criteria", "prospects", "prioritization", "inquiries", "reviews"]

SEGMENTS = [
    ("AUTO", "汽车制造业", "Automotive", "组装制造业"),
    ("ELEC", "电子及通信设备制造业", "Electronics and telecom equipment", "组装制造业"),
    ("PHARMA", "医药制造业", "Pharmaceuticals", "工艺制造业"),
]

# username, full name, role, place code ("ITS", "MFG" or a segment code), staff?
USERS = [
    ("bgvp", "王总（业务群营销副总）", Role.BG_VP, "ITS", True),
    ("buvp", "李总（业务单元营销副总）", Role.BU_VP, "MFG", True),
    ("segmgr", "张经理（汽车制造业）", Role.SEGMENT_MANAGER, "AUTO", False),
    ("segmgr2", "赵经理（电子及通信设备）", Role.SEGMENT_MANAGER, "ELEC", False),
    ("am1", "陈客户经理", Role.ACCOUNT_MANAGER, "AUTO", False),
    ("am2", "刘客户经理", Role.ACCOUNT_MANAGER, "AUTO", False),
    ("researcher", "孙调研员", Role.RESEARCHER, "MFG", False),
    ("pr", "周对外关系负责人", Role.PR_OWNER, "MFG", False),
]


@dataclass
class DemoOrg:
    group: BusinessGroup
    unit: BusinessUnit
    segments: dict[str, Segment]
    users: dict[str, object]
    admin: object
    summary: dict[str, int] = field(default_factory=dict)


def _user(username, full_name, *, superuser=False, staff=False):
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        # Chinese names read surname first with no space: keep the whole name in one field so that
        # get_full_name() shows it as written.
        user = user_model(
            username=username,
            first_name=full_name,
            email=f"{username}@example.com",
            is_superuser=superuser,
            is_staff=staff or superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
    Profile.objects.get_or_create(user=user)
    return user


@transaction.atomic
def demo_org_load() -> DemoOrg:
    group, _ = BusinessGroup.objects.get_or_create(
        code="ITS", defaults={"name": "IT服务业务群", "name_en": "IT Services BG"}
    )
    unit, _ = BusinessUnit.objects.get_or_create(
        code="MFG", defaults={"group": group, "name": "制造业业务单元", "name_en": "Manufacturing BU"}
    )
    segments = {}
    for code, name, name_en, industry in SEGMENTS:
        segments[code], _ = Segment.objects.get_or_create(
            unit=unit, code=code, defaults={"name": name, "name_en": name_en, "industry": industry}
        )
    admin = _user("admin", "系统管理员", superuser=True)
    places = {"ITS": group, "MFG": unit, **segments}
    users = {}
    for username, full_name, role, place_code, staff in USERS:
        user = _user(username, full_name, staff=staff)
        place = places[place_code]
        fields = {
            "group": group,
            "unit": None if place is group else (place if place is unit else unit),
            "segment": place if isinstance(place, Segment) else None,
        }
        Membership.objects.get_or_create(user=user, role=role, **fields)
        if staff:
            org_manager_permissions_grant(user)
        users[username] = user
    return DemoOrg(group=group, unit=unit, segments=segments, users=users, admin=admin)


def demo_load(*, customers: int = 0) -> DemoOrg:
    """Load the organisation, then every app's demo part. Safe to run again: nothing is duplicated."""
    org = demo_org_load()
    for app in DEMO_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
            continue
        module.load(org, customers=customers)
    org.summary["users"] = 1 + len(org.users)
    return org
