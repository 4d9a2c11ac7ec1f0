"""Schemathesis against the live OpenAPI schema, in process (WSGI), as a normal user.

Every operation of /api/schema/ gets FUZZ_EXAMPLES generated requests (valid and invalid
data). Path ids are replaced by the ids of objects the caller owns for every other example,
so id-taking operations are exercised past their 404. Checks: no 5xx, the status code is
documented, the body matches the documented schema, the content type is documented.

Requests run in the test's own database transaction, so on-commit work (enqueueing a render)
never runs: a POST /generations stores a queued job and renders nothing. The renderer has its
own tests; this one is about what the API does with hostile input.

    FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/hardening/test_api_fuzz.py  # release
"""

import itertools
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

_alternate = itertools.count()
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


def _real_ids(world) -> dict:
    """Path parameter name → the caller's own object, by operation path prefix."""
    return {
        "/api/v1/videos/": {"video_id": str(world.video.id)},
        "/api/v1/feed/explain/": {"video_id": str(world.video.id)},
        "/api/v1/cameos/me/uses/": {"video_id": str(world.carol_video.id)},
        "/api/v1/comments/": {"comment_id": world.comment.id},
        "/api/v1/generations/": {"job_id": str(world.queued_job.id)},
        "/v1/videos/": {"video_id": str(world.job.id)},
        "/api/v1/users/": {"handle": world.carol.handle},
        "/api/v1/cameos/me/grants/": {"handle": world.carol.handle},
    }


@pytest.fixture
def fuzz_world(world, settings):
    """alice is the caller; she owns the videos, jobs, comment, cameo (granted to carol)
    and notification. Payments are configured against a loopback Stripe (tests/billing), so
    checkout and the webhook answer as in production, not 503 "not configured"; the
    deployment has a VAPID key (unset, `push/vapid-key` answers its documented 503
    `push_not_configured`, which the server-error check counts as a failure).

    The WSGI handler closes "old" connections when a request ends; inside the test's
    transaction that would close it under our feet, so (like Django's test client) we keep
    that receiver off for the duration.
    """
    from accounts.models import CameoGrant
    from tests.billing.fake_stripe import SECRET_KEY, FakeStripe

    CameoGrant.objects.create(cameo=world.cameo, grantee=world.carol)
    settings.VAPID_PRIVATE_KEY = "6T3zGgFR3RhHaS2DTvvLLmkMZmYCfsQd-rGRdgYf3Lg"  # raw, test only
    world.extra["token"] = str(RefreshToken.for_user(world.alice).access_token)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with FakeStripe() as stripe_server:
            settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = SECRET_KEY, stripe_server.url
            settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
            yield world
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, fuzz_world):
    headers = {"Authorization": f"Bearer {fuzz_world.extra['token']}"}
    if case.path_parameters and next(_alternate) % 2 == 0:
        for prefix, ids in _real_ids(fuzz_world).items():
            if case.path.startswith(prefix):
                for name, value in ids.items():
                    if name in case.path_parameters:
                        case.path_parameters[name] = value
    case.call_and_validate(headers=headers, checks=CHECKS)
