"""The home page: what the user's roles let them do in the annual process, with the next step."""

import importlib

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from prioritization.access import scope_for
from prioritization.models import Role

# Per role: (process step, what to do, the page that does it). A page another stage has not built
# yet is listed without a link.
ROLE_GUIDE = {
    Role.BG_VP: [
        ("2.3.1", _("制定业务群使命、年度战略目标和客户发展目标"), "criteria:goals"),
        ("2.3.3", _("汇总并批准业务群年度分级客户名单，协调各业务单元"), "prioritization:tiers"),
        ("2.3.6", _("审阅各业务单元年度评估，确认下一年度客户发展目标"), "reviews:review_list"),
    ],
    Role.BU_VP: [
        ("2.3.1", _("确定业务单元客户服务目标、选择标准和权重"), "criteria:version_list"),
        ("2.3.2", _("选定重点细分市场和收集配额，汇总细分市场名单"), "prospects:segment_progress"),
        ("2.3.3", _("审定分级名单、分级管理原则和负责人"), "prioritization:tiers"),
        ("2.3.5", _("处理升级到业务单元的客户查询，阅读月度查询报告"), "inquiries:board"),
        ("2.3.6", _("撰写业务单元年度总结，修订下一年度标准"), "reviews:review_list"),
    ],
    Role.SEGMENT_MANAGER: [
        ("2.3.3", _("为细分市场名单上的每个客户评分"), "prioritization:scoring"),
        ("2.3.3", _("在评估矩阵上分级，指定总负责人和日常关系负责人"), "prioritization:matrix"),
        ("2.3.5", _("24/48 小时内答复客户查询并作出决定"), "inquiries:board"),
        ("2.3.6", _("撰写细分市场年度总结"), "reviews:review_list"),
    ],
    Role.ACCOUNT_MANAGER: [
        ("2.3.3", _("维护我负责的客户关系，执行业务推广计划"), "prospects:customer_list"),
        ("2.3.4", _("补充和更新客户信息"), "prospects:customer_list"),
        ("2.3.5", _("记录客户来电，发送资料后 7 天内跟进"), "inquiries:quick_log"),
    ],
    Role.RESEARCHER: [
        ("2.3.2", _("按配额收集细分市场的初步客户名单"), "prospects:segment_progress"),
        ("2.3.4", _("维护客户基本信息表，每 6 个月至少更新一次"), "prospects:customer_list"),
    ],
    Role.PR_OWNER: [
        ("2.3.5", _("来电 30 分钟内记录客户查询"), "inquiries:quick_log"),
        ("2.3.5", _("每日分析报告（24 小时）和月度查询汇总"), "inquiries:board"),
        ("2.3.6", _("撰写年度查询总结"), "reviews:review_list"),
    ],
}


def _link(url_name):
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def role_cards(scope):
    """One card per role the user holds, with the places they hold it and their duties."""
    cards = []
    for role in Role:
        places = [m.place for m in scope.memberships if m.role == role]
        if not places:
            continue
        duties = [{"step": step, "text": text, "url": _link(name)} for step, text, name in ROLE_GUIDE[role]]
        cards.append({"role": role, "places": places, "duties": duties})
    return cards


# Each stage may add panels to the home page (my due inquiries, stale customers, my customers…) in
# `<app>/home.py`: `def widgets(request) -> list[tuple[template_name, context]]`, scoped by the app.
WIDGET_APPS = ["criteria", "prospects", "prioritization", "inquiries", "reviews"]


def home_widgets(request):
    panels = []
    for app in WIDGET_APPS:
        try:
            module = importlib.import_module(f"{app}.home")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.home":
                raise
            continue
        panels.extend({"template": template, "context": context} for template, context in module.widgets(request))
    return panels


@login_required
def home(request):
    scope = scope_for(request)
    context = {"cards": role_cards(scope), "is_admin": scope.is_admin, "widgets": home_widgets(request)}
    return render(request, "prioritization/home.html", context)
