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
    "BusinessGroup",
    "BusinessUnit",
    "Membership",
    "Notification",
    "OutboundEmail",
    "Profile",
    "Role",
    "Segment",
]
