from django.urls import reverse

from tests.permissions import Case, everyone

CASES = [
    Case("customer-list", lambda c: reverse("prospects:customer_list"), everyone(200)),
    Case(
        "customer-detail-auto",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.auto.pk]),
        everyone(404, admin_user=200, bgvp=200, buvp=200, segmgr=200, researcher=200, pr=200),
    ),
    Case(
        "customer-detail-owned-by-am",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.owned.pk]),
        everyone(404, admin_user=200, bgvp=200, buvp=200, segmgr=200, am=200, researcher=200, pr=200),
    ),
    Case(
        "customer-detail-elec",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.elec.pk]),
        everyone(404, admin_user=200, bgvp=200, buvp=200, researcher=200, pr=200),
    ),
    Case(
        "customer-detail-foreign",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.foreign.pk]),
        everyone(404, admin_user=200, outsider=200),
    ),
]
