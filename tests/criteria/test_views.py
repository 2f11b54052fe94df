import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from criteria.excel import CRITERIA_SHEET, version_workbook
from criteria.models import BusinessGroupGoals, BusinessUnitGoals, CriteriaVersion, VersionStatus
from criteria.services.versions import (
    version_activate,
    version_create,
    version_freeze,
    version_target_segments_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org, buvp):
    return version_create(actor=buvp, unit=org.unit, year=2002)


@pytest.fixture
def active(org, buvp):
    version = version_create(actor=buvp, unit=org.unit, year=2001)
    version_target_segments_set(actor=buvp, version=version, rows=[{"segment": org.auto}])
    return version_activate(actor=buvp, version=version)


def _edit_post(version, change=None):
    data = {}
    for dimension in ("attractiveness", "feasibility"):
        criteria = list(version.criteria.filter(dimension=dimension).order_by("order"))
        data.update(
            {
                f"{dimension}-TOTAL_FORMS": len(criteria),
                f"{dimension}-INITIAL_FORMS": len(criteria),
                f"{dimension}-MIN_NUM_FORMS": 0,
                f"{dimension}-MAX_NUM_FORMS": 30,
            }
        )
        for i, c in enumerate(criteria):
            data.update(
                {
                    f"{dimension}-{i}-id": c.pk,
                    f"{dimension}-{i}-name": c.name,
                    f"{dimension}-{i}-name_en": c.name_en,
                    f"{dimension}-{i}-weight": c.weight,
                    f"{dimension}-{i}-description": c.description,
                    f"{dimension}-{i}-guidance": c.guidance,
                    f"{dimension}-{i}-rule": "",
                }
            )
    data.update(change or {})
    return data


def test_bu_vp_creates_a_version_from_the_default_template(as_user, buvp, org):
    response = as_user(buvp).post(
        reverse("criteria:version_create"), {"unit": org.unit.pk, "year": 2003, "source": "template"}
    )
    version = CriteriaVersion.objects.get(unit=org.unit, year=2003)
    assert response.status_code == 302 and response.url == reverse(
        "criteria:version_detail", args=[version.pk]
    )
    assert version.criteria.count() == 8 and version.created_by == buvp


def test_copy_last_year_without_a_version_shows_an_error(as_user, buvp, org):
    response = as_user(buvp).post(
        reverse("criteria:version_create"),
        {"unit": org.unit.pk, "year": 2010, "source": "last_year"},
        follow=True,
    )
    assert "没有可复制" in response.content.decode()
    assert not CriteriaVersion.objects.filter(year=2010).exists()


def test_weight_error_names_the_dimension_and_saves_nothing(as_user, buvp, draft):
    data = _edit_post(draft, {"feasibility-0-weight": 50})
    response = as_user(buvp).post(reverse("criteria:version_edit", args=[draft.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "可行性：权重合计为 120%，应为 100%。" in body
    assert draft.criteria.get(name="与我司现有关系").weight == 30


def test_edit_saves_weights_and_rule(as_user, buvp, draft):
    data = _edit_post(
        draft,
        {
            "feasibility-0-weight": 40,
            "feasibility-3-weight": 0,
            "feasibility-3-DELETE": "on",
            "attractiveness-3-rule": '{"field": "location", "keywords": [{"text": "北京", "score": 10}], "default": 5}',
        },
    )
    response = as_user(buvp).post(reverse("criteria:version_edit", args=[draft.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert draft.criteria.get(name="与我司现有关系").weight == 40
    assert not draft.criteria.filter(name="我司自身执行能力").exists()
    assert draft.criteria.get(name="地理位置").rule["field"] == "location"


def test_invalid_rule_json_is_shown(as_user, buvp, draft):
    data = _edit_post(draft, {"attractiveness-0-rule": '{"field": "salary", "bands": []}'})
    response = as_user(buvp).post(reverse("criteria:version_edit", args=[draft.pk]), data)
    assert response.status_code == 400
    assert "量化规则无效" in response.content.decode()


def test_frozen_version_cannot_be_edited_but_can_be_revised(as_user, buvp, active):
    version_freeze(version=active)
    client = as_user(buvp)
    response = client.post(reverse("criteria:version_edit", args=[active.pk]), _edit_post(active))
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.status == VersionStatus.FROZEN
    response = client.post(reverse("criteria:version_revise", args=[active.pk]))
    revised = CriteriaVersion.objects.get(based_on=active)
    assert response.url == reverse("criteria:version_detail", args=[revised.pk])
    assert revised.status == VersionStatus.DRAFT


def test_activate_and_history_show_who_did_what(as_user, buvp, draft):
    client = as_user(buvp)
    client.post(
        reverse("criteria:version_edit", args=[draft.pk]),
        _edit_post(draft, {"attractiveness-0-weight": 30, "attractiveness-1-weight": 40}),
    )
    response = client.post(reverse("criteria:version_activate", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.ACTIVE and draft.activated_by == buvp
    history = client.get(reverse("criteria:version_history", args=[draft.pk])).content.decode()
    assert "财务业绩" in history and "40 → 30" in history and "buvp" in history


def test_tiers_and_segments_pages_save(as_user, buvp, draft, org):
    client = as_user(buvp)
    principles = list(draft.principles.order_by("tier"))
    from prioritization.tiers import Tier

    order = [t.value for t in Tier]
    principles.sort(key=lambda p: order.index(p.tier))
    data = {
        "attractiveness_threshold": "6", "feasibility_threshold": "5.5", "capacity_tier1": "10",
        "capacity_tier2": "", "capacity_tier3": "", "note": "",
        "principles-TOTAL_FORMS": 4, "principles-INITIAL_FORMS": 4,
        "principles-MIN_NUM_FORMS": 0, "principles-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    for i, p in enumerate(principles):
        data.update(
            {
                f"principles-{i}-tier": p.tier,
                f"principles-{i}-name": p.name,
                f"principles-{i}-service_principle": p.service_principle,
                f"principles-{i}-contact_cadence_days": 14
                if p.tier == "tier1"
                else (p.contact_cadence_days or ""),
                f"principles-{i}-expected_actions": p.expected_actions,
            }
        )
    assert client.post(reverse("criteria:version_tiers", args=[draft.pk]), data).status_code == 302
    draft.refresh_from_db()
    assert draft.attractiveness_threshold == Decimal("6") and draft.capacity_tier1 == 10
    assert draft.principles.get(tier="tier1").contact_cadence_days == 14

    data = {
        "large_min": "150000", "medium_min": "8000",
        "targets-TOTAL_FORMS": 4, "targets-INITIAL_FORMS": 0, "targets-MIN_NUM_FORMS": 0, "targets-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    extra = [org.auto, org.elec]
    from tests.factories import SegmentFactory

    extra += [SegmentFactory(unit=org.unit, code="PHARMA"), SegmentFactory(unit=org.unit, code="MACH")]
    for i, segment in enumerate(extra):
        data.update(
            {
                f"targets-{i}-segment": segment.pk,
                f"targets-{i}-quota_large": 30,
                f"targets-{i}-quota_medium": 50,
                f"targets-{i}-quota_small": 20,
            }
        )
    response = client.post(reverse("criteria:version_segments", args=[draft.pk]), data, follow=True)
    assert "建议每个业务单元 1–3 个" in response.content.decode()
    assert draft.target_segments.count() == 4
    draft.refresh_from_db()
    assert draft.large_min == Decimal("150000")


def test_size_band_order_is_checked(as_user, buvp, draft):
    data = {"large_min": "100", "medium_min": "200", "targets-TOTAL_FORMS": 0, "targets-INITIAL_FORMS": 0}
    response = as_user(buvp).post(reverse("criteria:version_segments", args=[draft.pk]), data)
    assert response.status_code == 400
    assert "中型客户营业额下限必须低于大型客户下限" in response.content.decode()


def test_export_writes_text_cells_as_text_and_import_round_trips(as_user, buvp, draft, active):
    criterion = draft.criteria.get(name="地理位置")
    criterion.guidance = '=HYPERLINK("http://x")'
    criterion.save()
    response = as_user(buvp).get(reverse("criteria:version_export", args=[draft.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb[CRITERIA_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value == criterion.guidance]
    assert cells and all(c.data_type == "s" for c in cells)

    data = version_workbook(active)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("v.xlsx", data)
    response = as_user(buvp).post(reverse("criteria:version_import", args=[draft.pk]), {"file": upload})
    assert response.status_code == 302
    assert list(draft.target_segments.values_list("segment__code", flat=True)) == ["AUTO"]
    assert draft.criteria.get(name="地理位置").guidance == active.criteria.get(name="地理位置").guidance


def test_import_refuses_bad_weights_naming_the_dimension(as_user, buvp, draft, active):
    wb = load_workbook(io.BytesIO(version_workbook(active)))
    ws = wb[CRITERIA_SHEET]
    ws.cell(row=2, column=5).value = 45  # 财务业绩 40 → 45
    out = io.BytesIO()
    wb.save(out)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = as_user(buvp).post(
        reverse("criteria:version_import", args=[draft.pk]),
        {"file": SimpleUploadedFile("v.xlsx", out.getvalue())},
    )
    assert response.status_code == 400
    assert "吸引力：权重合计为 105%" in response.content.decode()
    assert draft.criteria.get(name="财务业绩").weight == 40


def test_import_refuses_a_file_that_is_not_xlsx(as_user, buvp, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = as_user(buvp).post(
        reverse("criteria:version_import", args=[draft.pk]), {"file": SimpleUploadedFile("v.xlsx", b"hello")}
    )
    assert response.status_code == 400
    assert "不是有效的 xlsx" in response.content.decode()


def test_compare_marks_differences(as_user, buvp, draft, active):
    response = as_user(buvp).get(reverse("criteria:version_compare") + f"?a={active.pk}&b={draft.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "汽车制造业" in body and 'data-differs="1"' in body


def test_segment_manager_reads_the_active_version_but_not_drafts(as_user, segmgr, draft, active):
    client = as_user(segmgr)
    body = client.get(reverse("criteria:version_list")).content.decode()
    assert f"v{active.number}" in body
    assert reverse("criteria:version_detail", args=[draft.pk]) not in body
    assert client.get(reverse("criteria:version_detail", args=[draft.pk])).status_code == 404
    detail = client.get(reverse("criteria:version_detail", args=[active.pk])).content.decode()
    assert "财务业绩" in detail and 'data-testid="edit-criteria"' not in detail


def test_version_list_query_count_is_bounded(as_user, buvp, org, django_assert_max_num_queries):
    for year in range(2000, 2010):
        version_create(actor=buvp, unit=org.unit, year=year)
    client = as_user(buvp)
    with django_assert_max_num_queries(14):
        client.get(reverse("criteria:version_list"))


def test_bg_vp_sets_group_goals_and_bu_vp_links_unit_goals(as_user, bgvp, buvp, org):
    as_user(bgvp).post(
        reverse("criteria:goals") + "?year=2002",
        {"kind": "group", "target": org.group.pk, f"g{org.group.pk}-mission": "成为主要供应商",
         f"g{org.group.pk}-strategic_goal": "", f"g{org.group.pk}-development_goals": ""},
    )  # fmt: skip
    assert BusinessGroupGoals.objects.get(group=org.group, year=2002).mission == "成为主要供应商"
    client = as_user(buvp)
    response = client.post(
        reverse("criteria:goals") + "?year=2002",
        {"kind": "unit", "target": org.unit.pk, f"u{org.unit.pk}-strategic_goal": "积累经验",
         f"u{org.unit.pk}-development_goals": "", f"u{org.unit.pk}-customer_service_goal": "每月联系"},
    )  # fmt: skip
    assert response.status_code == 302
    goals = BusinessUnitGoals.objects.get(unit=org.unit, year=2002)
    assert goals.customer_service_goal == "每月联系" and goals.group_goals.mission == "成为主要供应商"
    # the BU VP cannot write the BG's goals
    response = client.post(
        reverse("criteria:goals") + "?year=2002", {"kind": "group", "target": org.group.pk}
    )
    assert response.status_code == 403


def test_template_choices_do_not_read_the_same(as_user, buvp, org):
    """QA: two identical "默认模板" options (the empty choice and the stored default template)."""
    from criteria.models import CriteriaTemplate
    from criteria.services.versions import template_default

    template_default()
    CriteriaTemplate.objects.create(name="制造业模板")
    form = as_user(buvp).get(reverse("criteria:version_list")).context["form"]
    labels = [str(label) for _value, label in form.fields["template"].choices]
    assert labels == ["自动：使用标记为默认的模板", "默认模板（标记为默认）", "制造业模板"]
    assert len(set(labels)) == len(labels)
