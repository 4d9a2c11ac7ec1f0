"""Throttles shared by every app's views."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import ScopedRateThrottle


class WriteScopedRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope` rate, spent by writes only.

    A scope names an expensive or abusable action (creating a job, commenting, reporting);
    reading the same endpoint (polling a job, listing comments) must not use it up, so a view
    that both lists and creates declares its scope once and nothing else.
    """

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
