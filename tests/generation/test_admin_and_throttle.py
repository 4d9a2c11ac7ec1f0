"""The console pages for jobs and the quota ledger, and the `generation` throttle scope."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    admin = make_user("root_admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_job_admin_lists_filters_and_searches(staff_client, user, make_job):
    job = make_job(user, prompt="a unique lighthouse prompt", status="failed")
    response = staff_client.get(
        "/admin/generation/generationjob/", {"status__exact": "failed", "q": "lighthouse"}
    )
    assert response.status_code == 200
    assert str(job.id) in response.content.decode()
    assert staff_client.get(f"/admin/generation/generationjob/{job.id}/change/").status_code == 200


def test_quota_ledger_is_read_only_in_admin(staff_client, user, make_job):
    from django.utils import timezone

    from generation.models import QuotaEntry

    entry = QuotaEntry.objects.create(
        user=user, job=make_job(user), kind="charge", amount=1, day=timezone.now().date()
    )
    assert staff_client.get("/admin/generation/quotaentry/").status_code == 200
    assert staff_client.get("/admin/generation/quotaentry/add/").status_code == 403
    response = staff_client.post(
        f"/admin/generation/quotaentry/{entry.id}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert QuotaEntry.objects.filter(pk=entry.id).exists()


def test_generation_throttle_limits_creates_not_reads(settings, alice_client, post_generation):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "generation": "2/min",
        },
    }
    from rest_framework.throttling import SimpleRateThrottle

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [post_generation(alice_client, {"prompt": f"p{i}"}).status_code for i in range(3)]
        assert codes == [202, 202, 429]
        assert alice_client.get("/api/v1/generations").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
