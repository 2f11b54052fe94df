from django.conf import settings

from prioritization.access import scope_for
from prioritization.models import Notification


def workbench(request):
    """What every page needs: the organisation's name and the user's scope (for menus only —
    templates hide buttons, they never guard data)."""
    context = {"organization_name": settings.ORGANIZATION_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["scope"] = scope_for(request)
        context["unread_notifications"] = Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
    return context
