"""QA round 2 on the criteria pages: stale saves refused (optimistic lock), a bad default template,
half-saved pages, import values outside the form's limits, percentages typed in Excel, size-band
messages, and the doubled 已 of the "not editable" message."""

import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from criteria.excel import (
    CRITERIA_HEADERS,
    CRITERIA_SHEET,
    PRINCIPLES_SHEET,
    SEGMENTS_SHEET,
    version_workbook,
    version_workbook_read,
)
from criteria.models import CriteriaTemplate, CriteriaVersion, TemplateCriterion
from criteria.services.revisions import PAGE_CRITERIA, version_page_revision
from criteria.services.versions import (
    template_default,
    version_activate,
    version_create,
    version_criteria_set,
    version_freeze,
    version_segments_save,
    version_target_segments_set,
)
from prioritization.models import Role
from prospects.services.customers import ConcurrentUpdate
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


class _FormData(HTMLParser):
    """The values a browser would post from the first form whose tag contains `marker`."""

    def __init__(self, marker):
        super().__init__()
        self.marker, self.inside, self.done, self.data = marker, False, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if not self.done and self.marker in " ".join(f"{k}={v}" for k, v in attrs):
                self.inside = True
            return
        if self.inside and tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        if not self.inside or not a.get("name") or "__prefix__" in a["name"]:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.data[name] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea":
            if self._textarea and self.data[self._textarea].startswith("\n"):
                self.data[self._textarea] = self.data[self._textarea][1:]
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def _form(response, marker):
    parser = _FormData(marker)
    parser.feed(response.content.decode())
    return parser.data


def _page_errors(response) -> list[str]:
    html = response.content.decode()
    found = re.findall(r"<li>(.*?)</li>", html.split('data-testid="form-errors"', 1)[-1].split("</div>")[0])
    found += re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', html)
    found += re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', html)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", x)).split()) for x in found]


@pytest.fixture
def draft(org, buvp):
    return version_create(actor=buvp, unit=org.unit, year=2027)


@pytest.fixture
def buvp_b(org):
    user = UserFactory(username="buvp_b")
    grant(user, Role.BU_VP, org.unit)
    return user


def _weights(version, dimension="attractiveness"):
    return [(c.name, c.weight) for c in version.criteria.filter(dimension=dimension).order_by("order")]


# --- 1. two BU VPs edit the same draft: the stale save is refused ---------------------------------
def test_stale_criteria_save_is_refused_naming_who_saved_and_a_is_kept(client, buvp, buvp_b, draft):
    url = reverse("criteria:version_edit", args=[draft.pk])
    client.force_login(buvp)
    page_a = _form(client.get(url), "criteria-form")
    client.force_login(buvp_b)
    page_b = _form(client.get(url), "criteria-form")
    assert page_a["revision"] and page_a["revision"] == page_b["revision"]

    page_a["attractiveness-0-weight"] = "50"
    page_a["attractiveness-3-DELETE"] = "on"  # 地理位置
    client.force_login(buvp)
    assert client.post(url, page_a).status_code == 302
    after_a = _weights(draft)
    assert after_a == [("财务业绩", 50), ("IT支出", 30), ("声誉和内部管理", 20)]

    page_b["feasibility-0-weight"] = "40"
    page_b["feasibility-3-DELETE"] = "on"
    client.force_login(buvp_b)
    response = client.post(url, page_b)
    assert response.status_code == 400
    errors = " ".join(_page_errors(response))
    assert "buvp 已在您打开本页之后修改并保存了版本" in errors and "您的修改未保存" in errors
    assert _weights(draft) == after_a
    assert ("我司自身执行能力", 10) in _weights(draft, "feasibility")
    # saving the refused page again is refused again: it still carries the old revision
    again = _form(response, "criteria-form")
    assert again["revision"] == page_b["revision"]
    assert client.post(url, again).status_code == 400
    assert _weights(draft) == after_a


def test_criteria_service_refuses_a_stale_revision(buvp, buvp_b, draft):
    opened = version_page_revision(draft, PAGE_CRITERIA)
    rows = [
        {**{f: getattr(c, f) for f in ("dimension", "name", "weight", "rule")}, "id": c.pk}
        for c in draft.criteria.all()
    ]
    changed = [dict(r, weight=50 if r["name"] == "财务业绩" else r["weight"]) for r in rows]
    changed = [r for r in changed if r["name"] != "地理位置"]
    version_criteria_set(actor=buvp, version=draft, criteria=changed, expected_revision=opened)
    with pytest.raises(ConcurrentUpdate, match="buvp"):
        version_criteria_set(actor=buvp_b, version=draft, criteria=rows, expected_revision=opened)
    assert ("地理位置", 10) not in _weights(draft)
    # without a revision (carrying a review forward, the import) there is nothing to compare
    version_criteria_set(actor=buvp_b, version=draft, criteria=rows)
    assert ("地理位置", 10) in _weights(draft)


def test_stale_tiers_and_segments_pages_are_refused(client, buvp, buvp_b, draft, org):
    for name, marker, change in (
        ("criteria:version_tiers", "tiers-form", {"attractiveness_threshold": "6.5"}),
        ("criteria:version_segments", "segments-form", {"large_min": "150000"}),
    ):
        url = reverse(name, args=[draft.pk])
        client.force_login(buvp)
        page_a = _form(client.get(url), marker)
        client.force_login(buvp_b)
        page_b = _form(client.get(url), marker)
        client.force_login(buvp)
        assert client.post(url, {**page_a, **change}).status_code == 302
        client.force_login(buvp_b)
        response = client.post(url, page_b)
        assert response.status_code == 400
        assert any("buvp 已在您打开本页之后" in e for e in _page_errors(response))
    draft.refresh_from_db()
    assert str(draft.attractiveness_threshold) == "6.50" and draft.large_min == 150000


# --- 4. the default template is validated in the admin and at creation ----------------------------
def test_admin_refuses_template_weights_that_break_the_rules(client, admin_user):
    template = template_default()
    url = reverse("admin:criteria_criteriatemplate_change", args=[template.pk])
    client.force_login(admin_user)
    data = _form(client.get(url), "criteriatemplate_form")
    names = {v: k for k, v in data.items() if k.endswith("-name")}
    data[names["财务业绩"].replace("-name", "-weight")] = "0"
    data[names["IT支出"].replace("-name", "-weight")] = "95"
    data["_save"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "吸引力：“财务业绩”的权重必须大于 0。" in html and "吸引力：权重合计为 125%，应为 100%。" in html
    assert TemplateCriterion.objects.get(template=template, name="财务业绩").weight == 40
    # a valid change still saves
    data[names["财务业绩"].replace("-name", "-weight")] = "35"
    data[names["IT支出"].replace("-name", "-weight")] = "35"
    assert client.post(url, data).status_code == 302
    assert TemplateCriterion.objects.get(template=template, name="IT支出").weight == 35


def test_creating_from_a_bad_template_is_refused_clearly(client, buvp, org):
    template = template_default()
    TemplateCriterion.objects.filter(template=template, name="财务业绩").update(weight=0)
    with pytest.raises(ValidationError) as refused:
        version_create(actor=buvp, unit=org.unit, year=2027)
    assert "模板“默认模板”不符合选择标准的规则" in refused.value.messages[0]
    assert "吸引力：“财务业绩”的权重必须大于 0。" in refused.value.messages
    client.force_login(buvp)
    response = client.post(
        reverse("criteria:version_create"),
        {"unit": org.unit.pk, "year": 2027, "source": "template", "template": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "不能据此创建版本" in response.content.decode()
    assert not CriteriaVersion.objects.filter(unit=org.unit, year=2027).exists()
    other = CriteriaTemplate.objects.create(name="空模板")
    with pytest.raises(ValidationError, match="至少需要一项评估标准"):
        version_create(actor=buvp, unit=org.unit, year=2027, template=other)


# --- 5. the segments page saves all or nothing ----------------------------------------------------
def test_refused_segments_page_saves_nothing(client, buvp, draft, org):
    url = reverse("criteria:version_segments", args=[draft.pk])
    client.force_login(buvp)
    data = _form(client.get(url), "segments-form")
    data.update(
        {
            "large_min": "150000",
            "targets-TOTAL_FORMS": "2",
            "targets-0-segment": org.auto.pk,
            "targets-1-segment": org.auto.pk,
            "targets-1-quota_large": "1",
            "targets-1-quota_medium": "1",
            "targets-1-quota_small": "1",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert any("重复" in e for e in _page_errors(response))
    draft.refresh_from_db()
    assert draft.large_min == 200000
    assert not draft.target_segments.exists()
    with pytest.raises(ValidationError):
        version_segments_save(
            actor=buvp, version=draft, large_min=150000, medium_min=10000,
            rows=[{"segment": org.auto}, {"segment": org.auto}],
        )  # fmt: skip
    draft.refresh_from_db()
    assert draft.large_min == 200000


# --- 6. import: values outside the form's limits are row errors -----------------------------------
def _import(client, version, mutate):
    wb = load_workbook(io.BytesIO(version_workbook(version)))
    mutate(wb)
    out = io.BytesIO()
    wb.save(out)
    return client.post(
        reverse("criteria:version_import", args=[version.pk]),
        {"file": SimpleUploadedFile("v.xlsx", out.getvalue())},
    )


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        (PRINCIPLES_SHEET, "D2", -30, f"{PRINCIPLES_SHEET} 第 2 行：联系频率必须在 1–3650 天之间"),
        (PRINCIPLES_SHEET, "D2", 0, f"{PRINCIPLES_SHEET} 第 2 行：联系频率必须在 1–3650 天之间"),
        (PRINCIPLES_SHEET, "D2", 99999, f"{PRINCIPLES_SHEET} 第 2 行：联系频率必须在 1–3650 天之间"),
        (SEGMENTS_SHEET, "C2", -5, f"{SEGMENTS_SHEET} 第 2 行：配额必须在 0–100000 之间"),
    ],
)
def test_import_refuses_values_the_form_refuses(client, buvp, draft, org, sheet, cell, value, message):
    version_target_segments_set(actor=buvp, version=draft, rows=[{"segment": org.auto}])
    client.force_login(buvp)

    def mutate(wb):
        wb[sheet][cell] = value

    response = _import(client, draft, mutate)
    assert response.status_code == 400
    assert message in _page_errors(response)
    assert draft.principles.get(tier="tier1").contact_cadence_days == 30
    assert draft.target_segments.get().quota_large == 30


# --- 9. percentages typed in Excel, and rows of spaces --------------------------------------------
def _weight_column(wb):
    return [wb[CRITERIA_SHEET].cell(row=r, column=5) for r in range(2, 10)]


def test_weights_typed_as_percentages_in_excel_are_imported(client, buvp, draft):
    client.force_login(buvp)
    draft.criteria.filter(name="财务业绩").update(weight=45)
    draft.criteria.filter(name="IT支出").update(weight=25)

    def as_percent_cells(wb):  # what typing 45% in Excel stores
        for cell in _weight_column(wb):
            cell.value = cell.value / 100
            cell.number_format = "0%"

    source = CriteriaVersion.objects.get(pk=draft.pk)
    target = version_create(actor=buvp, unit=draft.unit, year=2028)
    wb_bytes = version_workbook(source)
    wb = load_workbook(io.BytesIO(wb_bytes))
    as_percent_cells(wb)
    out = io.BytesIO()
    wb.save(out)
    response = client.post(
        reverse("criteria:version_import", args=[target.pk]),
        {"file": SimpleUploadedFile("v.xlsx", out.getvalue())},
    )
    assert response.status_code == 302, _page_errors(response)
    assert _weights(target)[:2] == [("财务业绩", 45), ("IT支出", 25)]


@pytest.mark.parametrize("value", ["40%", "40 %", "４０％"])
def test_a_weight_written_as_percent_text_is_read(value):
    wb = load_workbook(io.BytesIO(_criteria_book([["吸引力", 1, "财务业绩", "", value, "", "", ""]])))
    out = io.BytesIO()
    wb.save(out)
    content, errors = version_workbook_read(out.getvalue())
    assert not errors
    assert content["criteria"][0]["weight"] == 40


def test_a_fraction_with_a_percent_format_and_a_row_of_spaces():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = CRITERIA_SHEET
    ws.append(CRITERIA_HEADERS)
    ws.append(["吸引力", 1, "财务业绩", "", 1, "", "", ""])
    ws.cell(row=2, column=5).number_format = "0%"  # 100% in Excel is stored as 1
    ws.append(["可行性", 1, "地理位置", "", 0.35, "", "", ""])  # a fraction without the format
    ws.append(["可行性", 2, "态度", "", 65, "", "", ""])
    ws.append([" ", None, "  ", "\t"])
    out = io.BytesIO()
    wb.save(out)
    content, errors = version_workbook_read(out.getvalue())
    assert not errors
    assert [(c["name"], c["weight"]) for c in content["criteria"]] == [
        ("财务业绩", 100),
        ("地理位置", 35),
        ("态度", 65),
    ]


def _criteria_book(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = CRITERIA_SHEET
    ws.append(CRITERIA_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_skips_a_row_of_spaces_below_the_table(client, buvp, draft):
    client.force_login(buvp)
    response = _import(client, draft, lambda wb: wb[CRITERIA_SHEET].append([" ", None, " "]))
    assert response.status_code == 302, _page_errors(response)


# --- 10. size bands: clear messages only ---------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"large_min": "-5", "medium_min": "-10"}, "营业额下限不能为负数。"),
        ({"medium_min": "300000"}, "中型客户营业额下限必须低于大型客户下限。"),
    ],
)
def test_size_band_errors_are_clear_chinese_messages(client, buvp, draft, change, expected):
    url = reverse("criteria:version_segments", args=[draft.pk])
    client.force_login(buvp)
    data = _form(client.get(url), "segments-form")
    response = client.post(url, {**data, **change})
    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html
    assert "criteria_size_bands_ordered" not in html and "约束" not in html
    draft.refresh_from_db()
    assert draft.large_min == 200000 and draft.medium_min == 10000


def test_settings_service_refuses_negative_bands_in_words(buvp, draft):
    from criteria.services.versions import version_settings_update

    with pytest.raises(ValidationError) as refused:
        version_settings_update(actor=buvp, version=draft, large_min=-5, medium_min=-10)
    assert refused.value.messages == ["营业额下限不能为负数。"]


# --- 11. no doubled 已 ----------------------------------------------------------------------------
def test_not_editable_message_quotes_the_status(client, buvp, draft):
    version_target_segments_set(actor=buvp, version=draft, rows=[])
    version_activate(actor=buvp, version=draft)
    version_freeze(version=draft)
    client.force_login(buvp)
    response = client.get(reverse("criteria:version_edit", args=[draft.pk]), follow=True)
    html = response.content.decode()
    assert "已已" not in html
    assert f"版本 {draft} 的状态为“已冻结（评分已开始）”，不能再修改" in unescape(html)


def test_import_settings_outside_the_forms_limits_are_row_errors():
    from openpyxl import Workbook

    from criteria.excel import SETTINGS_HEADERS, SETTINGS_SHEET

    wb = Workbook()
    ws = wb.active
    ws.title = CRITERIA_SHEET
    ws.append(CRITERIA_HEADERS)
    ws.append(["吸引力", 1, "财务业绩", "", 100, "", "", ""])
    ws.append(["可行性", 1, "地理位置", "", 100, "", "", ""])
    settings = wb.create_sheet(SETTINGS_SHEET)
    settings.append(SETTINGS_HEADERS)
    for label, value in (
        ("吸引力阈值", 11),
        ("可行性阈值", "NaN"),
        ("一级客户容量", -1),
        ("中型客户营业额下限(万元)", -10),
        ("大型客户营业额下限(万元)", 150000),
    ):
        settings.append([label, value])
    out = io.BytesIO()
    wb.save(out)
    content, errors = version_workbook_read(out.getvalue())
    assert errors == [
        f"{SETTINGS_SHEET} 第 2 行：阈值“11”必须是 1–10 之间、最多两位小数的数字",
        f"{SETTINGS_SHEET} 第 3 行：“NaN”不是数字",
        f"{SETTINGS_SHEET} 第 4 行：容量“-1”不能为负数",
        f"{SETTINGS_SHEET} 第 5 行：营业额下限“-10”不能为负数",
    ]
    assert content["settings"] == {"large_min": 150000}
