"""Sessions end after DJANGO_SESSION_IDLE_SECONDS without a request. Instead of writing the session
on every request (a database write per page view), the session is renewed at most every few
minutes, so the idle timeout holds to within that interval."""

import time

from django.shortcuts import render

RENEW_EVERY_SECONDS = 300


class SessionIdleRenewalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and getattr(request, "user", None) is not None:
            now = int(time.time())
            if request.user.is_authenticated and now - session.get("_renewed_at", 0) >= RENEW_EVERY_SECONDS:
                session["_renewed_at"] = now  # marks the session modified: saved with a fresh expiry
        return self.get_response(request)


NUL = "\x00"


def _has_nul(query_dict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


class RejectNulMiddleware:
    """A NUL character is never part of a legitimate form value or query parameter (PostgreSQL
    cannot even store it). Any request carrying one is answered 400 with a message in the user's
    language before a view runs, so no page has to handle it and nothing is written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return render(request, "prioritization/bad_request.html", status=400)
        return self.get_response(request)
