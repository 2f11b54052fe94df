"""Pages: quick log, autocomplete, board filters, inquiry page with decisions and follow-up, report."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Inquiry, Status
from inquiries.services import inquiries as services
from prospects.models import ListEntry
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db


def test_quick_log_with_company_and_phone_starts_the_clock(as_user, pr, org, segmgr):
    client = as_user(pr)
    page = client.get(reverse("inquiries:quick_log"))
    assert page.status_code == 200
    assert 'type="tel"' in page.text
    with time_machine.travel(T0, tick=False):
        response = client.post(
            reverse("inquiries:quick_log"),
            {
                "call_at": "2025-03-12T09:55",
                "company_name": "苏州恒达",
                "phone": "0512-1234",
                "segment": org.auto.pk,
            },
        )
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inquiries:detail", args=[inquiry.pk])
    assert inquiry.status == Status.CAPTURED
    assert inquiry.log_due_at == T0 + timedelta(minutes=25)
    assert inquiry.logged_by == pr


def test_quick_log_picking_a_customer_links_it_and_takes_its_segment(as_user, pr, customers):
    client = as_user(pr)
    response = client.post(
        reverse("inquiries:quick_log"),
        {
            "call_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "company_name": "华为", "customer": customers.elec.pk, "phone": "1",
            "contact_name": "张", "request_type": "rfp", "description": "RFP",
        },
    )  # fmt: skip
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.customer, inquiry.segment, inquiry.status) == (
        customers.elec,
        customers.elec.segment,
        "logged",
    )


def test_quick_log_cannot_link_a_customer_outside_the_scope(as_user, am, org, customers):
    response = as_user(am).post(
        reverse("inquiries:quick_log"),
        {"call_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "company_name": "华为",
         "customer": customers.elec.pk, "phone": "1", "segment": org.auto.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Inquiry.objects.exists()


def test_quick_log_is_refused_to_roles_that_do_not_log(as_user, researcher):
    assert as_user(researcher).get(reverse("inquiries:quick_log")).status_code == 403


def test_company_autocomplete_lists_only_customers_in_scope(as_user, am, customers):
    client = as_user(am)
    url = reverse("inquiries:company_autocomplete")
    assert "上海大众" in client.get(url, {"company_name": "上海"}).text
    assert "中国一汽" in client.get(url, {"company_name": "一汽"}).text  # am reads AUTO's customer database
    response = client.get(url, {"company_name": "华为"})
    assert "华为" not in response.text  # an ELEC customer: not am's segment
    assert 'data-testid="company-new"' in response.text
    assert "外部公司" not in client.get(url, {"company_name": "外部"}).text


def test_board_filters_and_scopes(as_user, pr, segmgr, org, log, django_assert_max_num_queries):
    with time_machine.travel(T0, tick=False):
        late = log(pr, company_name="逾期公司", complete=False)
        log(pr, company_name="电子公司", segment=org.elec)
        for n in range(5):
            log(pr, company_name=f"公司{n}")
    client = as_user(segmgr)
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        with django_assert_max_num_queries(12):
            page = client.get(reverse("inquiries:board"))
        assert "电子公司" not in page.text  # ELEC is outside the AUTO manager's scope
        assert "公司4" in page.text
        overdue = client.get(reverse("inquiries:board"), {"sla": "overdue"})
    rows = [i.pk for i, _clock in overdue.context["rows"]]
    assert rows == [late.pk]
    assert 'data-state="breached"' in overdue.text


def test_inquiry_page_shows_each_clock_state(as_user, pr, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, complete=False)
        clock.move_to(T0 + timedelta(minutes=22))
        page = as_user(pr).get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert 'data-testid="sla-log" data-state="at_risk"' in page.text
    assert 'data-testid="sla-reply" data-state="due"' in page.text
    assert 'data-testid="sla-followup" data-state="not_started"' in page.text


def test_complete_form_completes_the_record(as_user, pr, log):
    inquiry = log(pr, complete=False, call_at=timezone.now(), now=timezone.now())
    response = as_user(pr).post(
        reverse("inquiries:complete", args=[inquiry.pk]),
        {
            "company_name": "苏州恒达",
            "phone": "1",
            "contact_name": "王",
            "request_type": "general",
            "description": "了解",
        },
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.completed_at is not None


def test_segment_manager_decides_and_lists_as_target_in_one_step(as_user, pr, segmgr, am, log):
    inquiry = log(pr, company_name="宁波新宏", call_at=timezone.now(), now=timezone.now())
    client = as_user(segmgr)
    page = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert 'data-testid="decide-form"' in page.text
    response = client.post(
        reverse("inquiries:decide", args=[inquiry.pk]),
        {"importance": "important", "reply": "欢迎", "decision": "target", "account_manager": am.pk},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.decision == "target"
    assert inquiry.account_manager == am
    assert ListEntry.objects.filter(customer=inquiry.customer, origin="inquiry").exists()


def test_decide_form_errors_come_back_as_messages(as_user, pr, segmgr, log):
    inquiry = log(pr)
    response = as_user(segmgr).post(
        reverse("inquiries:decide", args=[inquiry.pk]),
        {"importance": "important", "reply": "不", "decision": "decline"},
        follow=True,
    )
    assert "说“不”时必须写明理由" in response.text
    inquiry.refresh_from_db()
    assert inquiry.replied_at is None


def test_known_customer_shows_owners_and_untiered_state(as_user, pr, segmgr, customers, log):
    inquiry = log(pr, company_name="上海大众")
    page = as_user(segmgr).get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert customers.owned.number in page.text
    assert "本年度尚未分级" in page.text


def test_say_no_guidance_for_a_not_pursued_customer(as_user, pr, segmgr, customers, log, monkeypatch):
    from inquiries import views
    from prioritization.tiers import Tier

    def tier_no(customer, *, year):
        return {"tier": Tier.NO, "proposed": Tier.NO, "manual_reason": "", "overall_owner": None,
                "daily_owner": None, "principle": None}  # fmt: skip

    monkeypatch.setattr(views, "current_tier", tier_no)
    inquiry = log(pr, company_name="中国一汽")
    page = as_user(segmgr).get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert 'data-testid="say-no"' in page.text
    assert page.context["decide_form"].initial["decision"] == "decline"


def test_account_manager_records_material_and_follow_up(as_user, pr, segmgr, am, log):
    inquiry = log(pr, call_at=timezone.now(), now=timezone.now())
    services.inquiry_decide(
        actor=segmgr,
        inquiry=inquiry,
        importance="important",
        reply="x",
        decision="allocate",
        account_manager=am,
    )
    client = as_user(am)
    assert client.post(reverse("inquiries:material_sent", args=[inquiry.pk]), {}).status_code == 302
    client.post(reverse("inquiries:follow_up", args=[inquiry.pk]), {"feedback": "客户下月招标"})
    client.post(reverse("inquiries:close", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert (inquiry.feedback, inquiry.status) == ("客户下月招标", Status.CLOSED)


def test_monthly_report_page_and_download(as_user, pr, buvp, org, log):
    log(pr)
    client = as_user(buvp)
    page = client.get(reverse("inquiries:monthly_report"), {"unit": org.unit.pk, "month": "2025-03"})
    assert page.status_code == 200
    assert page.context["figures"]["total"] == 1
    download = client.get(
        reverse("inquiries:monthly_report"), {"unit": org.unit.pk, "month": "2025-03", "download": 1}
    )
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        client.get(
            reverse("inquiries:monthly_report"), {"unit": org.other_unit.pk, "month": "2025-03"}
        ).status_code
        == 404
    )


def test_home_widget_lists_what_each_person_owes(rf, pr, segmgr, am, researcher, log):
    from inquiries.home import widgets

    with time_machine.travel(T0, tick=False) as clock:
        captured = log(pr, complete=False, company_name="待补全")
        waiting = log(pr, company_name="待答复")
        clock.move_to(T0 + timedelta(minutes=25))

        def items(user):
            request = rf.get("/")
            request.user = user
            found = widgets(request)
            return [i.pk for i, _clock in found[0][1]["items"]] if found else None

        assert items(pr) == [captured.pk]  # the logger owes the record
        assert set(items(segmgr)) == {captured.pk, waiting.pk}  # the manager owes both replies
        assert items(am) == []
        assert items(researcher) is None  # no inquiry duties: no panel


def test_quick_log_refuses_a_call_time_more_than_30_days_ago(as_user, pr, org):
    """QA: a call at 2020-01-01 was accepted and counted overdue by 2,531 days."""
    client = as_user(pr)
    form = {"company_name": "苏州恒达", "phone": "0512-1234", "segment": org.auto.pk}
    with time_machine.travel(T0, tick=False):
        response = client.post(reverse("inquiries:quick_log"), {**form, "call_at": "2020-01-01T10:00"})
        assert response.status_code == 200 and not Inquiry.objects.exists()
        assert "来电时间不能早于 30 天前，请检查日期（特别是年份）。" in response.content.decode()
        assert response.context["form"].errors["call_at"]
        # 30 days ago is still a late entry, not a typing error
        response = client.post(reverse("inquiries:quick_log"), {**form, "call_at": "2025-02-10T10:00"})
        assert response.status_code == 302 and Inquiry.objects.count() == 1


def test_quick_capture_message_gives_the_date_and_time_of_the_deadline(as_user, pr, org):
    """A call logged just before midnight is due the next day: the time alone was ambiguous."""
    client = as_user(pr)
    form = {"company_name": "苏州恒达", "phone": "0512-1234", "segment": org.auto.pk}
    with time_machine.travel(T0.replace(day=6, month=12, hour=10, minute=5), tick=False):
        response = client.post(
            reverse("inquiries:quick_log"), {**form, "call_at": "2025-12-06T10:00"}, follow=True
        )
    assert "（12月6日 10:30 前）" in response.content.decode()
    client.cookies["django_language"] = "en"
    with time_machine.travel(T0.replace(day=6, month=12, hour=10, minute=5), tick=False):
        response = client.post(
            reverse("inquiries:quick_log"), {**form, "call_at": "2025-12-06T10:00"}, follow=True
        )
    assert "Dec 6, 10:30" in response.content.decode()
