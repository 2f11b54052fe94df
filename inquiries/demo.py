"""Demo inquiries in every state of the process, relative to now (idempotent: one per company)."""

from datetime import timedelta

from django.utils import timezone

from inquiries.models import Decision, Importance, Inquiry, RequestType
from inquiries.services import inquiries as services

DETAILS = {
    "contact_name": "王工",
    "contact_title": "信息中心主任",
    "request_type": RequestType.OUTLINE,
    "description": "计划明年上线生产执行系统（MES），想了解贵司的实施经验和报价范围。",
}


def load(org, *, customers=0):
    now = timezone.now()
    pr, segmgr, am1 = org.users["pr"], org.users["segmgr"], org.users["am1"]
    auto, elec = org.segments["AUTO"], org.segments["ELEC"]

    def ensure(name, segment, minutes_ago, **details):
        existing = Inquiry.objects.filter(unit=org.unit, company_name=name).first()
        if existing:
            return existing, False
        call_at = now - timedelta(minutes=minutes_ago)
        inquiry = services.inquiry_log(
            actor=pr, unit=org.unit, segment=segment, call_at=call_at, company_name=name,
            phone="021-5555 0101", now=call_at + timedelta(minutes=min(minutes_ago, 12)), **details,
        )  # fmt: skip
        return inquiry, True

    # Waiting for the segment manager's answer (a known customer of AUTO).
    ensure("上海大众", auto, 180, **DETAILS)
    # Just captured from the phone: company and phone only, the 30-minute clock is running.
    ensure("苏州恒达精密机械有限公司", auto, 8)
    # Decided and assigned; material went out six days ago: the follow-up reminder is due.
    inquiry, new = ensure("宁波新宏汽车零部件有限公司", auto, 60 * 24 * 7, **DETAILS)
    if new:
        inquiry = services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance=Importance.IMPORTANT,
            reply="已电话答复，约定下周上门交流。", decision=Decision.ALLOCATE, account_manager=am1,
            now=inquiry.call_at + timedelta(hours=5),
        )  # fmt: skip
        services.inquiry_material_sent(actor=am1, inquiry=inquiry, now=now - timedelta(days=6))
    # Said no with a reason (ELEC, no resources for this kind of request).
    inquiry, new = ensure(
        "深圳光明电子科技有限公司", elec, 60 * 30,
        **{**DETAILS, "request_type": RequestType.GENERAL, "description": "询问能否代为采购个人电脑。"},
    )  # fmt: skip
    if new:
        services.inquiry_decide(
            actor=org.users["segmgr2"], inquiry=inquiry, importance=Importance.SECONDARY,
            reply="感谢来电，该需求不在我司服务范围内。", decision=Decision.DECLINE,
            decision_reason="单纯硬件采购，不符合我司 IT 服务定位。", now=inquiry.call_at + timedelta(hours=20),
        )  # fmt: skip
