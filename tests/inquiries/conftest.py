from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from inquiries.services.inquiries import inquiry_log

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday morning, far from weekends (the business-calendar tests pick their own days).
T0 = datetime(2025, 3, 12, 10, 0, tzinfo=SHANGHAI)

FULL = {
    "contact_name": "王工",
    "contact_title": "信息中心主任",
    "request_type": "outline",
    "description": "想了解 MES 实施经验。",
}


@pytest.fixture
def log(org):
    """`log(actor, segment=org.auto, complete=True, call_at=T0, now=T0, **fields)` → Inquiry."""

    def make(actor, *, segment=None, complete=True, call_at=T0, now=None, company_name="苏州恒达", **fields):
        details = {**(FULL if complete else {}), **fields}
        return inquiry_log(
            actor=actor,
            unit=org.unit,
            segment=segment if segment is not None else org.auto,
            call_at=call_at,
            company_name=company_name,
            phone="021-5555 0101",
            now=now or call_at,
            **details,
        )

    return make
