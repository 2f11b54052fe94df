"""Form fuzzing: every POST form found on the main pages (customers add/edit/detail, criteria
version edit, scorecard and tier decision, owners, inquiry quick log and decision, review summary)
is posted with bad values in each field — too long, wrong type, NUL, and the foreign BU's ids (from
the `org` fixture) in hidden fields and selects. Expected: a 2xx/3xx/4xx answer, never a 500 (the
test client re-raises any exception), and nothing outside the user's scope written."""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from criteria.services.versions import version_create
from inquiries.services.inquiries import inquiry_log
from reviews.services import reviews as review_services
from tests.inquiries.conftest import FULL, T0
from tests.reviews.conftest import YEAR, seeded  # noqa: F401  (the fixture)

SKIP_ACTIONS = ("delete", "logout", "i18n", "setlang")


class Forms(HTMLParser):
    """Every <form method=post>: (action, {name: first value}) with inputs, selects, textareas."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.current = (a.get("action") or "", {})
            self.forms.append(self.current)
        elif self.current is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self.current[1].setdefault(a["name"], a.get("value") or "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.current[1].setdefault(a["name"], a.get("value") or "on")
        elif tag == "textarea":
            self.current[1].setdefault(a["name"], "")
        elif tag == "select":
            self.select = a["name"]
            self.current[1].setdefault(a["name"], "")
        elif tag == "option" and self.select and "selected" in a:
            self.current[1][self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def foreign_state(org, foreign_customer):
    """Every row of every model tied to the foreign BU (by unit, segment or customer)."""
    state = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        lookups = []
        if "unit" in names:
            lookups.append({"unit": org.other_unit})
        if "segment" in names:
            lookups.append({"segment__unit": org.other_unit})
        if "customer" in names:
            lookups.append({"customer__unit": org.other_unit})
        for lookup in lookups:
            rows = model.objects.filter(**lookup).order_by("pk").values()
            state[(model._meta.label, tuple(lookup))] = [tuple(sorted(r.items())) for r in rows]
    return state


def bad_values(org, foreign_customer, outsider, foreign_version):
    ids = [foreign_customer.pk, org.other_unit.pk, org.other_segment.pk, org.other_group.pk, outsider.pk,
           foreign_version.pk]  # fmt: skip
    return ["x" * 10_001, "abc", "-1", "99999999999999999999", "2025-13-45", "1e400", "\x00", "",
            *[str(i) for i in ids], [str(ids[0]), str(ids[1])]]  # fmt: skip


@pytest.fixture
def world(seeded, org, outsider, researcher):  # noqa: F811
    foreign_version = version_create(actor=outsider, unit=org.other_unit, year=YEAR)
    review = review_services.review_start(actor=seeded.buvp, unit=org.unit, year=YEAR)
    inquiry = inquiry_log(actor=seeded.pr, unit=org.unit, segment=org.auto, call_at=T0, now=T0,
                          company_name="苏州恒达", phone="021-5555 0101", **FULL)  # fmt: skip
    draft = version_create(actor=seeded.buvp, unit=org.unit, year=YEAR + 1)
    return seeded, foreign_version, review, inquiry, draft


def test_every_form_resists_bad_values_and_foreign_ids(world, as_user, org, outsider):
    seeded, foreign_version, review, inquiry, draft = world  # noqa: F811
    c = seeded.c1
    pages = [
        (seeded.buvp, reverse("prospects:customer_add")),
        (seeded.buvp, reverse("prospects:customer_edit", args=[c.pk])),
        (seeded.buvp, reverse("prospects:customer_detail", args=[c.pk])),
        (seeded.buvp, reverse("criteria:version_edit", args=[draft.pk])),
        (seeded.buvp, reverse("criteria:version_tiers", args=[draft.pk])),
        (seeded.buvp, reverse("criteria:version_segments", args=[draft.pk])),
        (seeded.segmgr, reverse("prioritization:scorecard", args=[c.pk]) + f"?year={YEAR}"),
        (seeded.buvp, reverse("prioritization:scorecard", args=[c.pk]) + f"?year={YEAR}"),
        (seeded.buvp, reverse("prioritization:customer_owners", args=[c.pk]) + f"?year={YEAR}"),
        (seeded.buvp, reverse("prioritization:owners") + f"?year={YEAR}"),
        (seeded.buvp, reverse("prioritization:tiers") + f"?year={YEAR}"),
        (seeded.pr, reverse("inquiries:quick_log")),
        (seeded.buvp, reverse("inquiries:detail", args=[inquiry.pk])),
        (seeded.segmgr, reverse("inquiries:detail", args=[inquiry.pk])),
        (seeded.buvp, reverse("reviews:review_detail", args=[review.pk])),
    ]
    values = bad_values(org, seeded.foreign, outsider, foreign_version)
    before = foreign_state(org, seeded.foreign)
    posted, statuses, failures = 0, {}, []
    for user, page in pages:
        client = as_user(user)
        response = client.get(page)
        assert response.status_code == 200, page
        parser = Forms()
        parser.feed(response.content.decode())
        forms = [
            (action or page, fields)
            for action, fields in parser.forms
            if not any(s in action for s in SKIP_ACTIONS)
        ]
        assert forms, f"no POST form on {page}"
        for action, fields in forms:
            # One field of each shape: comment_1 … comment_8 or form-0-weight … form-9-weight are the
            # same field repeated, so the first of them stands for the rest (keeps the run short).
            shapes, names = set(), []
            for name in fields:
                shape = re.sub(r"\d+", "#", name)
                if name != "csrfmiddlewaretoken" and shape not in shapes:
                    shapes.add(shape)
                    names.append(name)
            for name in names:
                for value in values:
                    data = {**fields, name: value}
                    try:
                        with transaction.atomic():
                            answer = client.post(action, data)
                            transaction.set_rollback(True)
                    except Exception as exc:  # a 500: the client re-raises the view's exception
                        failures.append(
                            (action, name, repr(value)[:40], f"{type(exc).__name__}: {str(exc)[:120]}")
                        )
                        continue
                    posted += 1
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    if answer.status_code >= 500 or answer.status_code < 200:
                        failures.append((action, name, repr(value)[:40], answer.status_code))
    print(f"{posted} fuzzed POSTs on {len(pages)} pages: {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(map(str, failures[:40]))
    assert foreign_state(org, seeded.foreign) == before
