"""`variants: 1..4` on POST generations: that many candidates, each its own job, seed and
charge, grouped; all or none (the third refused → none exists, nothing charged); a replayed
key returns the group; unpublished candidates go with their files after the retention
period, a published one and jobs outside a group never."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import CreditAccount
from billing.services import grant_credits
from generation.models import GenerationJob, QuotaEntry
from generation.services.variants import remove_unpublished_variants
from tests.generation.conftest import new_key

pytestmark = [pytest.mark.django_db]

PROMPT = "a paper boat drifts down a rainy street"


def test_three_variants_are_three_jobs_with_their_own_seeds_and_charges(
    alice_client, user, post_generation
):
    key = new_key()
    response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 3}, key)
    assert response.status_code == 202, response.json()
    jobs = response.json()["jobs"]
    assert len(jobs) == 3
    assert len({job["id"] for job in jobs}) == 3
    assert len({job["seed"] for job in jobs}) == 3
    group = jobs[0]["variant_group"]
    assert group and all(job["variant_group"] == group for job in jobs)
    assert response["Location"] == f"/api/v1/generations?group={group}"
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 3

    listed = alice_client.get(f"/api/v1/generations?group={group}").json()["results"]
    assert sorted(j["id"] for j in listed) == sorted(j["id"] for j in jobs)

    again = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 3}, key)
    assert again.status_code == 200
    assert [j["id"] for j in again.json()["jobs"]] == [j["id"] for j in jobs]
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 3
    other = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 2}, key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_a_given_seed_is_the_first_candidates(alice_client, post_generation):
    body = {"prompt": PROMPT, "seconds": 4, "variants": 2, "seed": 77}
    jobs = post_generation(alice_client, body).json()["jobs"]
    assert jobs[0]["seed"] == 77 and jobs[1]["seed"] != 77


def test_one_variant_answers_the_single_job_shape(alice_client, post_generation):
    response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 1})
    assert response.status_code == 202
    assert "jobs" not in response.json()
    assert response.json()["variant_group"] is None


def test_when_the_third_cannot_be_charged_none_is_created(
    alice_client, user, post_generation, settings
):
    settings.GENERATION_DAILY_LIMIT = 2
    settings.CREDIT_PRICES = {}  # nothing for sale beyond the allowance: 429
    response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 3})
    assert response.status_code == 429, response.json()
    assert not GenerationJob.objects.filter(user=user).exists()
    assert not QuotaEntry.objects.filter(user=user).exists()
    ok = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 2})
    assert ok.status_code == 202


def test_paid_variants_are_all_or_nothing_in_credits(
    alice_client, user, post_generation, settings, make_user
):
    settings.GENERATION_DAILY_LIMIT = 0
    settings.CREDIT_PRICES = {"720x1280": 2}
    grant_credits(user, 17, reason="test", actor=make_user("root", is_staff=True))
    response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 3})
    assert response.status_code == 402, response.json()  # 3 x 8 = 24 > 17
    assert response.json()["price"] == 8
    assert CreditAccount.objects.get(user=user).balance == 17
    assert not GenerationJob.objects.filter(user=user).exists()
    response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 2})
    assert response.status_code == 202
    assert CreditAccount.objects.get(user=user).balance == 1


def test_bad_variants_and_group_are_400_naming_the_field(alice_client, user, post_generation):
    for value in (0, 5, "two", None, 2.5):
        response = post_generation(alice_client, {"prompt": PROMPT, "variants": value})
        assert response.status_code == 400, (value, response.json())
        assert "variants" in response.json()
    response = alice_client.get("/api/v1/generations?group=nope")
    assert response.status_code == 400 and "group" in response.json()
    assert not GenerationJob.objects.filter(user=user).exists()


def test_another_users_group_lists_nothing(alice_client, auth_client, other_user, post_generation):
    jobs = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 2}).json()
    group = jobs["jobs"][0]["variant_group"]
    listed = auth_client(other_user).get(f"/api/v1/generations?group={group}")
    assert listed.status_code == 200 and listed.json()["results"] == []


def test_variants_pass_the_gate_and_consent_once_for_all(
    alice_client, user, other_user, post_generation, make_cameo, settings
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    response = post_generation(alice_client, {"prompt": "a dragon", "seconds": 4, "variants": 2})
    assert response.status_code == 202
    assert [j["status"] for j in response.json()["jobs"]] == ["blocked", "blocked"]
    assert not QuotaEntry.objects.filter(user=user).exists()

    make_cameo(other_user, permission="only_me")
    response = post_generation(
        alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 3, "cameos": ["bob"]}
    )
    assert response.status_code == 403
    assert GenerationJob.objects.filter(user=user).count() == 2  # the two blocked only


@pytest.mark.slow
def test_unpublished_candidates_go_with_their_files_after_retention(
    alice_client, user, post_generation, django_capture_on_commit_callbacks, s3_storage, settings
):
    from django.core.files.storage import default_storage

    from feed.services import publish_video

    settings.GENERATION_VARIANT_RETENTION_HOURS = 24
    with django_capture_on_commit_callbacks(execute=True):
        body = {"prompt": PROMPT, "seconds": 4, "variants": 2}
        group_jobs = post_generation(alice_client, body).json()["jobs"]
        single = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4}).json()
    kept, dropped = (GenerationJob.objects.get(pk=j["id"]) for j in group_jobs)
    single = GenerationJob.objects.get(pk=single["id"])
    assert {kept.status, dropped.status, single.status} == {"succeeded"}
    publish_video(user, kept)
    dropped_files = [dropped.video_file, dropped.thumbnail_file, dropped.hls_file]
    dropped_files += list(dropped.renditions.values_list("video_file", flat=True))
    assert all(default_storage.exists(name) for name in dropped_files)

    # Within the retention period nothing goes.
    with django_capture_on_commit_callbacks(execute=True):
        assert remove_unpublished_variants(now=timezone.now() + timedelta(hours=23)) == 0
    # After it, only the unpublished candidate, with every file of it.
    with django_capture_on_commit_callbacks(execute=True):
        assert remove_unpublished_variants(now=timezone.now() + timedelta(hours=25)) == 1
    assert not GenerationJob.objects.filter(pk=dropped.pk).exists()
    assert not any(default_storage.exists(name) for name in dropped_files)
    assert not default_storage.listdir(f"clips/{dropped.pk}")[1]
    kept.refresh_from_db()
    single.refresh_from_db()
    assert default_storage.exists(kept.video_file) and default_storage.exists(single.video_file)
    # The charge stays on the ledger: removing a candidate gives nothing back.
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 3
    assert not QuotaEntry.objects.filter(user=user, kind="refund").exists()


def test_unfinished_candidates_and_other_groups_in_retention_stay(user, make_job):
    old = timezone.now() - timedelta(days=30)
    group = "6b1a54c1-8f1f-4a39-9d55-2f7a4b3c0e11"
    running = make_job(user, status="rendering", variant_group=group, created_at=old)
    failed = make_job(user, status="failed", variant_group=group, created_at=old)
    fresh = make_job(user, status="failed", variant_group=group)
    lone = make_job(user, status="failed", created_at=old)
    assert remove_unpublished_variants() == 1
    remaining = set(GenerationJob.objects.values_list("pk", flat=True))
    assert remaining == {running.pk, fresh.pk, lone.pk}
    assert failed.pk not in remaining


def test_the_cleanup_runs_from_the_beat_schedule(settings):
    from generation.task_names import REMOVE_UNPUBLISHED_VARIANTS

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert REMOVE_UNPUBLISHED_VARIANTS in tasks


def test_a_group_lists_in_a_fixed_number_of_queries(
    alice_client, post_generation, django_assert_max_num_queries
):
    jobs = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "variants": 4}).json()
    group = jobs["jobs"][0]["variant_group"]
    with django_assert_max_num_queries(6):
        listed = alice_client.get(f"/api/v1/generations?group={group}")
    assert len(listed.json()["results"]) == 4
