"""Demo customers: the ten automotive companies of the source, plus N generated prospects."""

import random
from decimal import Decimal

from prospects.models import (
    Attitude,
    Customer,
    CustomerFinancials,
    ListEntry,
    Ownership,
    SizeClass,
    normalize_name,
)
from prospects.services.customers import (
    customer_completeness_refresh,
    customer_create,
    customer_update,
    prospect_list_add,
)

# name, location, ownership, revenue (万元, previous year), IT spend, purchases from us, attitude
EXAMPLES = [
    ("上海大众", "上海", Ownership.JOINT_VENTURE, 12000000, 36000, 2200, Attitude.HIGH),
    ("中国一汽", "长春", Ownership.STATE, 30000000, 52000, 4100, Attitude.MEDIUM),
    ("东风汽车", "武汉", Ownership.STATE, 25000000, 41000, 1800, Attitude.MEDIUM),
    ("一汽大众", "长春", Ownership.JOINT_VENTURE, 15000000, 30000, 900, Attitude.HIGH),
    ("一汽金杯", "沈阳", Ownership.STATE, 1200000, 3500, 300, Attitude.LOW),
    ("上海通用", "上海", Ownership.JOINT_VENTURE, 14000000, 33000, 0, Attitude.MEDIUM),
    ("长安汽车", "重庆", Ownership.STATE, 8000000, 15000, 1200, Attitude.HIGH),
    ("广州本田", "广州", Ownership.JOINT_VENTURE, 9000000, 18000, 0, Attitude.LOW),
    ("中国轻骑", "济南", Ownership.STATE, 600000, 900, 150, Attitude.MEDIUM),
    ("跃进汽车", "南京", Ownership.STATE, 1500000, 2100, 400, Attitude.LOW),
]

CITIES = ["北京", "上海", "天津", "重庆", "苏州", "杭州", "宁波", "深圳", "成都", "西安", "合肥", "郑州"]
STEMS = ["华", "东", "新", "恒", "远", "鑫", "泰", "联", "科", "瑞", "达", "宏", "盛", "光", "明", "海"]
KINDS = {"AUTO": "汽车零部件", "ELEC": "电子科技", "PHARMA": "制药"}


def _size(revenue):
    if revenue >= 200000:
        return SizeClass.LARGE
    return SizeClass.MEDIUM if revenue >= 10000 else SizeClass.SMALL


def _ensure(org, segment, name, *, location, ownership, revenue, it_spend, purchases, attitude, year):
    customer = Customer.objects.filter(unit=org.unit, name_key=normalize_name(name)).first()
    if customer is None:
        customer = customer_create(
            actor=org.admin,
            unit=org.unit,
            segment=segment,
            name=name,
            location=location,
            ownership=ownership,
            attitude=attitude,
            size_class=_size(revenue),
            source="演示数据",
        )
    planning_year = year + 1
    prospect_list_add(actor=org.admin, customer=customer, year=planning_year, origin=ListEntry.Origin.IMPORT)
    CustomerFinancials.objects.get_or_create(
        customer=customer,
        year=year,
        defaults={
            "revenue": Decimal(revenue),
            "it_spend": Decimal(it_spend),
            "purchases_from_us": Decimal(purchases),
        },
    )
    customer_completeness_refresh(customer)
    return customer


def load(org, *, customers=0):
    from django.utils import timezone

    year = timezone.localdate().year - 1
    auto = org.segments["AUTO"]
    for index, (name, location, ownership, revenue, it_spend, purchases, attitude) in enumerate(EXAMPLES):
        customer = _ensure(
            org, auto, name, location=location, ownership=ownership, revenue=revenue, it_spend=it_spend,
            purchases=purchases, attitude=attitude, year=year,
        )  # fmt: skip
        if customer.daily_owner_id is None and index < 6:
            customer_update(
                actor=org.admin,
                customer=customer,
                overall_owner=org.users["segmgr"],
                daily_owner=org.users["am1" if index % 2 == 0 else "am2"],
            )
    rng = random.Random(20021)  # the same generated prospects on every run
    codes = list(org.segments)
    for n in range(customers):
        code = codes[n % len(codes)]
        name = f"{rng.choice(CITIES)}{rng.choice(STEMS)}{rng.choice(STEMS)}{KINDS[code]}有限公司{n + 1:05d}"
        revenue = rng.choice(
            [rng.randint(200000, 3000000), rng.randint(10000, 199999), rng.randint(500, 9999)]
        )
        _ensure(
            org, org.segments[code], name, location=rng.choice(CITIES),
            ownership=rng.choice(list(Ownership)), revenue=revenue, it_spend=max(1, revenue // 300),
            purchases=rng.choice([0, 0, revenue // 2000]), attitude=rng.choice(list(Attitude)), year=year,
        )  # fmt: skip
