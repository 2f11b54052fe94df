"""Reads of a customer's place in the year's tiering. A CONTRACT used by other stages (inquiries show
the tier, owners and tier principle of a known company); the scoring stage implements it."""


def current_tier(customer, *, year: int) -> dict | None:
    """The customer's decided tier for the planning year, or None when it has none:
    {"tier": Tier, "proposed": Tier | None, "manual_reason": str, "overall_owner": User | None,
     "daily_owner": User | None, "principle": criteria TierPrinciple | None}."""
    return None
