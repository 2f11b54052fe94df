"""Record security-relevant events. Call from the service or view that does the thing."""

from prioritization.models import AuditEvent


def _client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *, kind: str, actor=None, request=None, unit=None, target="", detail=None, username=""
) -> AuditEvent:
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        username=username or (actor.get_username() if actor is not None else ""),
        unit=unit,
        target=str(target)[:300],
        detail=detail or {},
        ip_address=_client_ip(request),
    )
