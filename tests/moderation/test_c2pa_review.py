"""Moderators read a reported clip's C2PA manifest on its review page: validation state,
signer, what made it, the cameos it shows."""

import pytest
from django.urls import reverse

from moderation.models import ReviewItem
from moderation.services import file_report
from tests.c2pa_clips import publish, render

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_review_page_shows_the_manifest(
    client, moderator, user, other_user, make_user, django_capture_on_commit_callbacks
):
    from accounts.models import Cameo

    maya = make_user("maya")
    Cameo.objects.create(
        owner=maya, status="active", permission="everyone", source_clip="cameos/maya.mp4"
    )
    job = render(
        user, "A kite over a beach", capture=django_capture_on_commit_callbacks,
        cameo_handles=["maya"],
    )  # fmt: skip
    assert job.status == "succeeded", (job.error_code, job.error_message)
    video = publish(job)
    file_report(other_user, target_type="video", target_id=str(video.pk), reason="spam")
    client.force_login(moderator)
    item = ReviewItem.objects.get()
    page = client.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="c2pa-state">Trusted</strong>' in body
    assert "Cutaway TEST signer" in body
    assert "c2pa.created (trainedAlgorithmicMedia)" in body
    assert "@maya" in body.split('id="c2pa-manifest"', 1)[1]
    assert 'id="c2pa-json"' in body
