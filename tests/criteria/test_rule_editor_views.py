"""The edit page with the rule editor: the JSON the editor writes is saved, errors are shown at the
criterion in Chinese, and the version page describes the rules in words."""

import json

import pytest
from django.urls import reverse

from criteria.services.versions import version_create
from tests.criteria.test_views import _edit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org, buvp):
    return version_create(actor=buvp, unit=org.unit, year=2002)


def _row(version, name):
    """(dimension, index) of the criterion named `name` on the edit form."""
    criterion = version.criteria.get(name=name)
    ids = list(
        version.criteria.filter(dimension=criterion.dimension).order_by("order").values_list("pk", flat=True)
    )
    return criterion.dimension, ids.index(criterion.pk)


def test_edit_page_carries_the_editor_and_its_field_list(as_user, buvp, draft):
    body = as_user(buvp).get(reverse("criteria:version_edit", args=[draft.pk])).content.decode()
    assert "criteria/rule_editor.js" in body and "data-rule-input" in body
    config = json.loads(
        body.split('id="rule-editor-config" type="application/json">')[1].split("</script>")[0]
    )
    fields = {f["code"]: f for f in config["fields"]}
    assert fields["it_spend"] == {"code": "it_spend", "kind": "number", "label": "IT支出", "unit": "万元"}
    assert fields["attitude"]["choices"] == [["high", "高"], ["medium", "中"], ["low", "低"]]
    assert "<script>" not in body  # CSP: data only, never inline code


def test_json_written_by_the_editor_is_saved_and_described(as_user, buvp, draft):
    dim, i = _row(draft, "IT支出")
    dim2, j = _row(draft, "地理位置")
    bands = {
        "field": "it_spend",
        "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7}],
        "default": 3,
    }
    choices = {"field": "attitude", "map": {"high": 9, "medium": 6, "low": 3}}
    data = _edit_post(draft, {f"{dim}-{i}-rule": json.dumps(bands), f"{dim2}-{j}-rule": json.dumps(choices)})
    client = as_user(buvp)
    response = client.post(reverse("criteria:version_edit", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert draft.criteria.get(name="IT支出").rule == {
        "field": "it_spend",
        "bands": [{"min": "5000", "score": "10"}, {"min": "2000", "score": "7"}],
        "default": "3",
    }
    assert draft.criteria.get(name="地理位置").rule == {
        "field": "attitude",
        "map": {"high": "9", "medium": "6", "low": "3"},
    }
    detail = client.get(reverse("criteria:version_detail", args=[draft.pk])).content.decode()
    assert "IT支出 ≥ 5000 万元 → 10 分；≥ 2000 → 7 分；其他 → 3 分" in detail
    assert "管理层态度为高 → 9 分；中 → 6 分；低 → 3 分" in detail


def test_a_bad_band_is_refused_next_to_its_criterion_in_chinese(as_user, buvp, draft):
    dim, i = _row(draft, "IT支出")
    bad = {"field": "it_spend", "bands": [{"min": 5000, "score": 12}]}
    data = _edit_post(draft, {f"{dim}-{i}-rule": json.dumps(bad)})
    response = as_user(buvp).post(reverse("criteria:version_edit", args=[draft.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    error = body.split('data-testid="rule-error">')[1].split("</div>")[0]
    assert "量化规则无效" in error and "分数 “12” 不是 1–10" in error
    assert draft.criteria.get(name="IT支出").rule != bad
