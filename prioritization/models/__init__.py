from .audit import AuditEvent
from .notifications import Notification, OutboundEmail
from .organization import (
    ROLE_LEVELS,
    BusinessGroup,
    BusinessUnit,
    Membership,
    Profile,
    Role,
    Segment,
)

__all__ = [
    "ROLE_LEVELS",
    "AuditEvent",
    "BusinessGroup",
    "BusinessUnit",
    "Membership",
    "Notification",
    "OutboundEmail",
    "Profile",
    "Role",
    "Segment",
]

# Stage 2.3.3 (imported last: these models sit under prospects.Customer, which needs the above).
from .scoring import (
    ClaimResolution,
    ContactLog,
    DevelopmentStatusChange,
    ListApproval,
    PromotionPlan,
    PromotionSupport,
    Scorecard,
    Target,
    UnitArbitration,
)

__all__ += [
    "ClaimResolution",
    "ContactLog",
    "DevelopmentStatusChange",
    "ListApproval",
    "PromotionPlan",
    "PromotionSupport",
    "Scorecard",
    "Target",
    "UnitArbitration",
]
