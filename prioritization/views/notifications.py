from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from prioritization.models import Notification
from prioritization.services.notifications import notification_mark_read


@login_required
def notification_list(request):
    page = Paginator(Notification.objects.filter(recipient=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "prioritization/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url if url_has_allowed_host_and_scheme(notification.url, None) else ""
    return redirect(target or "notification_list")
