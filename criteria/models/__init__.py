from criteria.models.goals import BusinessGroupGoals, BusinessUnitGoals
from criteria.models.templates import CriteriaTemplate, TemplateCriterion
from criteria.models.versions import (
    CriteriaVersion,
    Criterion,
    Dimension,
    TargetSegment,
    TierPrinciple,
    VersionStatus,
)

__all__ = [
    "BusinessGroupGoals",
    "BusinessUnitGoals",
    "CriteriaTemplate",
    "CriteriaVersion",
    "Criterion",
    "Dimension",
    "TargetSegment",
    "TemplateCriterion",
    "TierPrinciple",
    "VersionStatus",
]
