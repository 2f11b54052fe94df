"""Pages: list (filters, constant queries), detail, edit with optimistic lock, upload → preview → apply."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from prioritization.models import Notification
from prospects.models import Contact, Customer, ListEntry
from prospects.services.customers import customer_update
from tests.factories import CustomerFactory
from tests.prospects.workbooks import row, workbook


def test_list_filters_by_segment_size_staleness_completeness_and_contact(as_user, researcher, org, customers):
    now = timezone.now()
    Customer.objects.filter(pk=customers.auto.pk).update(
        size_class="large", completeness=90, last_verified_at=now
    )
    Customer.objects.filter(pk=customers.elec.pk).update(last_verified_at=now - datetime.timedelta(days=200))
    Contact.objects.create(customer=customers.elec, name="张三", is_primary=True)
    client = as_user(researcher)
    url = reverse("prospects:customer_list")

    def names(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {c.name for c in response.context["page"].object_list}

    assert names() == {"上海大众", "中国一汽", "华为"}
    assert names(segment=org.elec.pk) == {"华为"}
    assert names(size_class="large") == {"中国一汽"}
    assert names(completeness="high") == {"中国一汽"}
    assert names(stale="yes") == {"上海大众", "华为"}
    assert names(stale="no") == {"中国一汽"}
    assert names(q="张三") == {"华为"}
    assert names(sort="-completeness")  # sorting accepted
    assert "张三" in client.get(url).content.decode()


def test_list_uses_a_constant_number_of_queries(as_user, researcher, org, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(60):
        c = CustomerFactory(segment=org.auto, name=f"公司{i}")
        Contact.objects.create(customer=c, name=f"联系人{i}", is_primary=True)
    client = as_user(researcher)
    client.get(reverse("prospects:customer_list"))  # the session settles first
    counts = []
    for size in (25, 200):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as ctx:
            response = client.get(
                reverse("prospects:customer_list"), {"size": size, "q": "公司", "stale": "yes"}
            )
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == min(size, 60)
        counts.append(len([q for q in ctx.captured_queries if "django_session" not in q["sql"]]))
    assert counts[0] == counts[1]


def test_detail_shows_info_table_last_three_years_and_history(as_user, researcher, org, customers):
    from prospects.services.customers import customer_financials_set

    for year in (1998, 1999, 2000, 2001):
        customer_financials_set(actor=researcher, customer=customers.auto, year=year, revenue=year)
    customer_update(actor=researcher, customer=customers.auto, location="长春")
    response = as_user(researcher).get(reverse("prospects:customer_detail", args=[customers.auto.pk]))
    assert [f.year for f in response.context["financials"]] == [2001, 2000, 1999]
    history = response.context["history"]
    assert history[0]["record"].history_user == researcher
    assert [str(f["label"]) for f in history[0]["fields"]] == ["公司地点"]


def test_edit_saves_and_refuses_a_stale_form_naming_the_other_person(as_user, researcher, buvp, customers):
    customer = customers.auto
    url = reverse("prospects:customer_edit", args=[customer.pk])
    client = as_user(researcher)
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "major_change"}
    data.update(name=customer.name, segment=customer.segment_id, location="长春")
    customer_update(actor=buvp, customer=customer, location="北京")  # someone else saves first
    response = client.post(url, data)
    assert response.status_code == 200
    assert "buvp" in response.content.decode()
    customer.refresh_from_db()
    assert customer.location == "北京"
    data["version"] = customer.version
    response = client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.location == "长春" and customer.last_verified_at is not None


def test_major_change_notifies_owners_and_segment_manager(as_user, researcher, segmgr, am, customers):
    customer = customers.owned
    url = reverse("prospects:customer_edit", args=[customer.pk])
    client = as_user(researcher)
    data = {"name": customer.name, "segment": customer.segment_id, "version": customer.version,
            "disclosures": "被收购", "major_change": "公司被收购"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"am1", "segmgr"}
    assert "公司被收购" in Notification.objects.first().body


def test_mark_verified_clears_the_stale_flag(as_user, researcher, customers):
    url = reverse("prospects:customer_verify", args=[customers.auto.pk])
    with time_machine.travel("2026-01-05 09:00 +0800"):
        assert as_user(researcher).post(url).status_code == 302
    customers.auto.refresh_from_db()
    assert customers.auto.last_verified_at.date() == datetime.date(2026, 1, 5)


def test_add_customer_form_puts_it_on_the_years_list(as_user, researcher, org):
    response = as_user(researcher).post(
        reverse("prospects:customer_add") + "?year=2002",
        {"segment": org.auto.pk, "name": "长安汽车", "revenue": "8000000", "source": "年鉴", "year": 2002},
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="长安汽车")
    assert ListEntry.objects.filter(customer=customer, year=2002).exists()
    assert customer.financials.get().year == 2001 and customer.source == "年鉴"


def test_contacts_one_primary(as_user, researcher, customers):
    client = as_user(researcher)
    url = reverse("prospects:contact_add", args=[customers.auto.pk])
    client.post(url, {"name": "王五", "title": "CIO"})
    client.post(url, {"name": "赵六", "title": "采购", "is_primary": "on"})
    assert list(customers.auto.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["赵六"]


def test_segment_progress_counts_against_quotas(as_user, researcher, org):
    for i in range(3):
        c = CustomerFactory(segment=org.auto, name=f"大{i}", size_class="large")
        ListEntry.objects.create(customer=c, year=2002)
    response = as_user(researcher).get(reverse("prospects:segment_progress"), {"year": 2002})
    auto = next(s for s in response.context["segments"] if s["segment"] == org.auto)
    large = next(r for r in auto["sizes"] if r["size"] == "large")
    assert (large["have"], large["quota"]) == (3, 30)
    assert 'data-testid="progress-AUTO-large">3/30<' in response.content.decode()


def test_upload_preview_confirm_flow(as_user, researcher, org, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = as_user(researcher)
    path = workbook(tmp_path / "a.xlsx", [row("上海大众", revenue=100), row("坏", ownership="国企")])
    with path.open("rb") as handle:
        response = client.post(reverse("prospects:import_upload"),
                               {"unit": org.unit.pk, "segment": org.auto.pk, "year": 2002, "file": handle})  # fmt: skip
    assert response.status_code == 302
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.context["result"].errors == 1 and "所有权结构" in body and "国企" in body
    assert not Customer.objects.exists()
    token = preview.context["upload"].token
    response = client.post(reverse("prospects:import_apply", args=[token]), {"mode": "all"})
    assert response.status_code == 302 and not Customer.objects.exists()
    response = client.post(reverse("prospects:import_apply", args=[token]), {"mode": "partial"})
    assert response.status_code == 200 and Customer.objects.get().name == "上海大众"
    rejected = client.get(reverse("prospects:import_rejected", args=[token]))
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"".join(rejected.streaming_content))
    assert load_workbook(target)["客户基本信息表"].cell(row=2, column=2).value == "坏"


def test_upload_token_is_bound_to_its_uploader(as_user, researcher, buvp, org, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = workbook(tmp_path / "a.xlsx", [row("上海大众")])
    with path.open("rb") as handle:
        response = as_user(researcher).post(reverse("prospects:import_upload"),
                                            {"unit": org.unit.pk, "year": 2002, "file": handle})  # fmt: skip
    token = response["Location"].rstrip("/").split("/")[-1]
    other = as_user(buvp)
    assert other.get(reverse("prospects:import_preview", args=[token])).status_code == 404
    assert other.post(reverse("prospects:import_apply", args=[token])).status_code == 404


def test_export_download_of_the_filtered_list(
    as_user, researcher, org, customers, tmp_path, django_assert_max_num_queries
):
    client = as_user(researcher)
    for i in range(30):
        CustomerFactory(segment=org.auto, name=f"导出{i}")
    with django_assert_max_num_queries(14):  # constant: session, user, scopes, 2 keyset chunks
        response = client.get(reverse("prospects:export_download"), {"segment": org.auto.pk})
    target = tmp_path / "e.xlsx"
    target.write_bytes(b"".join(response.streaming_content))
    names = [r[1].value for r in load_workbook(target)["客户基本信息表"].iter_rows(min_row=2)]
    assert set(names) == {"中国一汽", "上海大众"} | {f"导出{i}" for i in range(30)}


def test_template_download(as_user, researcher, tmp_path):
    response = as_user(researcher).get(reverse("prospects:template_download"), {"year": 2002})
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"".join(response.streaming_content))
    assert load_workbook(target)["客户基本信息表"].cell(row=1, column=5).value == "公司营业额(2001)"


def test_list_filters_by_the_decided_tier_of_the_year(client, buvp, customers):
    from prioritization.models import Target
    from prospects.models import ListEntry

    for customer in (customers.auto, customers.elec, customers.owned):
        ListEntry.objects.create(customer=customer, year=2002)
    Target.objects.create(customer=customers.auto, year=2002, tier="tier1")
    Target.objects.create(customer=customers.elec, year=2002, tier="no")
    Target.objects.create(customer=customers.owned, year=2001, tier="tier1")
    client.force_login(buvp)
    page = client.get(reverse("prospects:customer_list"), {"tier": "tier1", "year": 2002}).context["page"]
    assert [c.name for c in page.object_list] == ["中国一汽"]


def test_detail_of_a_customer_without_history_rows(client, buvp, customers):
    customers.auto.history.all().delete()
    client.force_login(buvp)
    assert client.get(reverse("prospects:customer_detail", args=[customers.auto.pk])).status_code == 200


def test_sort_menu_is_labelled_in_the_users_language_without_a_blank_option(as_user, researcher, customers):
    """QA: English field names, a "---------" option and "Name" shown as 任务名 (another app's
    catalogue)."""
    client = as_user(researcher)
    form = client.get(reverse("prospects:customer_list")).context["filter"].form
    labels = [str(label) for _value, label in form.fields["sort"].choices]
    assert labels == [
        "默认排序",
        "客户编号", "客户编号（降序）", "公司名称", "公司名称（降序）", "细分市场", "细分市场（降序）",
        "规模", "规模（降序）", "资料完整度", "资料完整度（降序）", "最近核实", "最近核实（降序）",
    ]  # fmt: skip
    html = client.get(reverse("prospects:customer_list")).content.decode()
    assert "---------" not in html and "任务名" not in html and "(descending)" not in html
    client.cookies["django_language"] = "en"
    form = client.get(reverse("prospects:customer_list")).context["filter"].form
    labels = [str(label) for _value, label in form.fields["sort"].choices]
    assert labels[:3] == ["Default order", "Customer number", "Customer number (descending)"]
    assert all(label.isascii() for label in labels)
    # the sort still works
    page = client.get(reverse("prospects:customer_list"), {"sort": "-name"}).context["page"]
    assert page.paginator.count == 3
