"""Pure checks of a version's criteria (plain dicts in, messages out), shared by the browser form,
the xlsx import and activation, so that all three refuse the same things with the same words."""

from django.utils.translation import gettext as _

from criteria.models.versions import Dimension


def criteria_errors(rows: list[dict]) -> list[str]:
    """Messages for `rows` ({"dimension", "name", "weight"}) that break the rules: each dimension
    has at least one criterion, whole-percent weights > 0 summing to 100, and names are unique
    within the version. Every message names the dimension it is about."""
    errors = []
    seen: dict[str, str] = {}
    for dimension in Dimension:
        label = dimension.label
        mine = [r for r in rows if r.get("dimension") == dimension.value]
        if not mine:
            errors.append(_("%(dimension)s：至少需要一项评估标准。") % {"dimension": label})
            continue
        total = 0
        for row in mine:
            name = (row.get("name") or "").strip()
            weight = row.get("weight")
            if not name:
                errors.append(_("%(dimension)s：评估标准名称不能为空。") % {"dimension": label})
            elif name.casefold() in seen:
                errors.append(
                    _("%(dimension)s：评估标准名称“%(name)s”重复（同一版本内名称必须唯一）。")
                    % {"dimension": label, "name": name}
                )
            else:
                seen[name.casefold()] = dimension.value
            if weight is None or not isinstance(weight, int) or isinstance(weight, bool):
                errors.append(
                    _("%(dimension)s：“%(name)s”的权重必须是整数百分比。")
                    % {"dimension": label, "name": name}
                )
                continue
            if weight <= 0:
                errors.append(
                    _("%(dimension)s：“%(name)s”的权重必须大于 0。") % {"dimension": label, "name": name}
                )
            total += weight
        if total != 100:
            errors.append(
                _("%(dimension)s：权重合计为 %(total)s%%，应为 100%%。")
                % {"dimension": label, "total": total}
            )
    return errors


# Limits shared by the browser forms, the xlsx import and the annual review's proposals, so that all
# of them accept the same values (contact cadence in days; collection quota per size class).
CADENCE_DAYS_MIN = 1
CADENCE_DAYS_MAX = 3650
QUOTA_MAX = 100000


def cadence_is_valid(days) -> bool:
    return days is None or (
        isinstance(days, int) and not isinstance(days, bool) and CADENCE_DAYS_MIN <= days <= CADENCE_DAYS_MAX
    )


def quota_is_valid(quota) -> bool:
    return isinstance(quota, int) and not isinstance(quota, bool) and 0 <= quota <= QUOTA_MAX
