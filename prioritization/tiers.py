"""The four tiers of 2.3.3, shared by criteria (tier principles), scoring and inquiries."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    TIER1 = "tier1", _("一级")
    TIER2 = "tier2", _("二级")
    TIER3 = "tier3", _("三级")
    NO = "no", _("不考虑")


# What each tier means for the BU (PROCESS.md §2.3.3 item 3) — shown beside the tier everywhere.
TIER_MEANING = {
    Tier.TIER1: _("高吸引力、高可行性：着重发展/重点维护"),
    Tier.TIER2: _("吸引力较低、可行性高：利用现有资源低成本有效发展"),
    Tier.TIER3: _("高吸引力、可行性低：积极投资，逐步谋求发展"),
    Tier.NO: _("不考虑发展：敢于说“不”，不投入资源"),
}
