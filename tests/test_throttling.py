"""The one "writes only" scoped throttle (config/throttling.py) on every scoped view."""

import pytest
from django.urls import get_resolver
from rest_framework.throttling import SimpleRateThrottle

from config.throttling import WriteScopedRateThrottle


def _scoped_views():
    """Every DRF view class in the URL conf that declares a `throttle_scope`."""
    views, pending = set(), list(get_resolver().url_patterns)
    while pending:
        pattern = pending.pop()
        if hasattr(pattern, "url_patterns"):
            pending.extend(pattern.url_patterns)
            continue
        view = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None
        )
        if view is not None and getattr(view, "throttle_scope", None):
            views.add(view)
    return views


def test_every_scoped_view_uses_the_writes_only_throttle_and_no_override():
    views = _scoped_views()
    assert len(views) >= 8
    for view in views:
        assert WriteScopedRateThrottle in view.throttle_classes, view
        assert "get_throttles" not in vars(view), view


@pytest.mark.parametrize(
    ("scope", "method", "path"),
    [
        ("auth", "options", "/api/v1/auth/token"),
        ("generation", "get", "/api/v1/generations"),
        ("generation", "get", "/v1/videos"),
        ("reports", "options", "/api/v1/reports"),
    ],
)
def test_reads_never_spend_a_scope_and_writes_do(
    scope, method, path, user, auth_client, monkeypatch
):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, scope: "1/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = auth_client(user)
    for _ in range(3):
        assert getattr(client, method)(path).status_code != 429
    client.post(path, {}, format="json")
    assert client.post(path, {}, format="json").status_code == 429
