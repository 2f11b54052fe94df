"""Staleness: home widget and the weekly digest to researchers."""

import datetime

import time_machine
from django.test import RequestFactory
from django.utils import timezone

from prioritization.models import Notification, OutboundEmail
from prospects.home import widgets
from prospects.models import Customer
from prospects.services.upkeep import stale_digest_send
from prospects.tasks import stale_digest


def test_weekly_digest_goes_to_researchers_once_per_week(researcher, segmgr, customers):
    with time_machine.travel("2026-03-02 09:00 +0800"):
        Customer.objects.filter(pk=customers.auto.pk).update(last_verified_at=timezone.now())
        assert stale_digest_send() == 1
        assert stale_digest_send() == 0  # the hourly sweep again: nothing new
        stale_digest()
    note = Notification.objects.get(recipient=researcher)
    assert "上海大众" in note.body and "华为" in note.body and "中国一汽" not in note.body
    assert "外部公司" not in note.body  # out of scope
    assert OutboundEmail.objects.filter(notification=note).exists()
    assert not Notification.objects.filter(recipient=segmgr).exists()
    with time_machine.travel("2026-03-09 09:00 +0800"):
        assert stale_digest_send() == 1


def test_customer_becomes_stale_after_six_months(researcher, customers):
    Customer.objects.update(last_verified_at=timezone.now())
    request = RequestFactory().get("/")
    request.user = researcher
    assert widgets(request)[0][1]["count"] == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=190)):
        request = RequestFactory().get("/")
        request.user = researcher
        template, context = widgets(request)[0]
        assert template == "prospects/home/stale_widget.html"
        assert context["count"] == 3


def test_widget_hidden_for_roles_that_do_not_keep_data(pr, customers):
    request = RequestFactory().get("/")
    request.user = pr
    assert widgets(request) == []
