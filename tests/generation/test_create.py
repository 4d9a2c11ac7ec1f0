"""POST /api/v1/generations: validation, idempotency, quota, consent, remix, policy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from generation.models import GenerationJob, JobCameo, QuotaEntry
from tests.generation.conftest import new_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


def _nothing_written(user):
    assert not GenerationJob.objects.filter(user=user).exists()
    assert not QuotaEntry.objects.filter(user=user).exists()


def test_create_returns_202_queued_job_and_charges_once(alice_client, user, post_generation):
    response = post_generation(alice_client, {"prompt": "A lighthouse at dusk", "seconds": 6})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["seconds"] == 6
    assert body["aspect"] == "9:16"
    assert body["size"] == "720x1280"
    assert body["provider"] == "local"
    assert body["video_url"] is None
    assert response["Location"].endswith(f"/generations/{body['id']}")
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1


def test_enqueues_on_commit(alice_client, post_generation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_generation(alice_client, {"prompt": "A lighthouse at dusk"})
    assert response.status_code == 202
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"prompt": "A city at night", "aspect": "16:9"}, ("1280x720", "16:9")),
        ({"prompt": "A city at night", "size": "1792x1024"}, ("1792x1024", "16:9")),
        ({"prompt": "A city at night", "size": "1024x1792"}, ("1024x1792", "9:16")),
        ({"prompt": "A city at night"}, ("720x1280", "9:16")),
    ],
)
def test_aspect_and_size(alice_client, post_generation, body, expected):
    response = post_generation(alice_client, body)
    assert response.status_code == 202, response.content
    assert (response.json()["size"], response.json()["aspect"]) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   \n\t "}, "prompt"),
        ({"prompt": "x" * 5000}, "prompt"),
        ({"prompt": "nul \x00 byte"}, "prompt"),
        ({}, "prompt"),
        ({"prompt": "ok", "seconds": 3}, "seconds"),
        ({"prompt": "ok", "seconds": 26}, "seconds"),
        ({"prompt": "ok", "seconds": "ten"}, "seconds"),
        ({"prompt": "ok", "size": "640x480"}, "size"),
        ({"prompt": "ok", "aspect": "4:3"}, "aspect"),
        ({"prompt": "ok", "aspect": "16:9", "size": "720x1280"}, "size"),
        ({"prompt": "ok", "seed": -1}, "seed"),
        ({"prompt": "ok", "seed": 2**40}, "seed"),
        ({"prompt": "ok", "cameos": "alice"}, "cameos"),
        ({"prompt": "ok", "remix_of": "not-a-uuid"}, "remix_of"),
        ({"prompt": "ok", "storyboard": "shot 1"}, "storyboard"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    alice_client, user, post_generation, body, field
):
    response = post_generation(alice_client, body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    _nothing_written(user)


def test_prompt_of_4000_chars_after_strip_is_accepted(alice_client, post_generation):
    response = post_generation(alice_client, {"prompt": "  " + "y" * 4000 + "  "})
    assert response.status_code == 202
    assert len(response.json()["prompt"]) == 4000


def test_storyboard_that_does_not_add_up_is_400(alice_client, user, post_generation):
    shots = [
        {"seconds": 2, "camera": "static", "subject": "a fox", "action": "sits"},
        {"seconds": 2, "camera": "pan_left", "subject": "a fox", "action": "runs"},
    ]
    response = post_generation(alice_client, {"prompt": "fox", "seconds": 8, "storyboard": shots})
    assert response.status_code == 400
    assert "storyboard" in response.json()
    _nothing_written(user)


def test_valid_storyboard_is_used_as_is(alice_client, post_generation):
    shots = [
        {"seconds": 3, "camera": "static", "subject": "a fox", "action": "sits"},
        {"seconds": 3, "camera": "zoom_in", "subject": "a fox", "action": "runs away"},
    ]
    response = post_generation(alice_client, {"prompt": "fox", "seconds": 6, "storyboard": shots})
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.user_storyboard
    assert [s["camera"] for s in job.storyboard] == ["static", "zoom_in"]


def test_missing_idempotency_key_is_400(alice_client, user, post_generation):
    response = post_generation(alice_client, {"prompt": "A lighthouse"}, key=False)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    _nothing_written(user)


def test_same_key_same_body_returns_same_job_charged_once(alice_client, user, post_generation):
    key = new_key()
    first = post_generation(alice_client, {"prompt": "A lighthouse", "seconds": 8}, key=key)
    # Same body with keys in another order: the canonical JSON is the same.
    again = alice_client.post(
        URL, {"seconds": 8, "prompt": "A lighthouse"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert QuotaEntry.objects.filter(user=user).count() == 1


def test_same_key_other_body_is_409(alice_client, user, post_generation):
    key = new_key()
    assert post_generation(alice_client, {"prompt": "A lighthouse"}, key=key).status_code == 202
    response = post_generation(alice_client, {"prompt": "A windmill"}, key=key)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert GenerationJob.objects.filter(user=user).count() == 1


def test_keys_are_per_user(auth_client, user, other_user, post_generation):
    key = new_key()
    a = post_generation(auth_client(user), {"prompt": "A lighthouse"}, key=key)
    b = post_generation(auth_client(other_user), {"prompt": "A windmill"}, key=key)
    assert (a.status_code, b.status_code) == (202, 202)
    assert a.json()["id"] != b.json()["id"]


def test_replay_returns_the_job_even_when_quota_is_now_spent(
    settings, alice_client, post_generation
):
    settings.GENERATION_DAILY_LIMIT = 1
    key = new_key()
    first = post_generation(alice_client, {"prompt": "A lighthouse"}, key=key)
    again = post_generation(alice_client, {"prompt": "A lighthouse"}, key=key)
    assert (first.status_code, again.status_code) == (202, 200)


def test_quota_limit_then_429_with_resets_at(settings, alice_client, user, post_generation):
    """Without credits for sale (CREDIT_PRICES empty) the daily limit is the end of the day;
    with them, tests/billing/test_spend.py shows the 402 insufficient_credits path."""
    settings.GENERATION_DAILY_LIMIT = 2
    settings.CREDIT_PRICES = {}
    for _ in range(2):
        assert post_generation(alice_client, {"prompt": "A lighthouse"}).status_code == 202
    response = post_generation(alice_client, {"prompt": "A lighthouse"})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "quota_exceeded"
    resets_at = body["resets_at"]
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert resets_at.startswith(tomorrow)
    assert int(response["Retry-After"]) > 0
    assert GenerationJob.objects.filter(user=user).count() == 2
    quota = alice_client.get("/api/v1/me/quota").json()
    assert quota["daily_limit"] == 2
    assert quota["used_today"] == 2
    assert quota["remaining"] == 0
    assert quota["resets_at"].startswith(tomorrow)


def test_refunded_job_frees_its_slot(settings, alice_client, post_generation):
    settings.GENERATION_DAILY_LIMIT = 1
    job_id = post_generation(alice_client, {"prompt": "A lighthouse"}).json()["id"]
    assert alice_client.post(f"{URL}/{job_id}/cancel").status_code == 200
    assert alice_client.get("/api/v1/me/quota").json()["used_today"] == 0
    assert post_generation(alice_client, {"prompt": "Another"}).status_code == 202


def test_yesterdays_charges_do_not_count(settings, alice_client, user, post_generation, make_job):
    settings.GENERATION_DAILY_LIMIT = 1
    old = make_job(user)
    QuotaEntry.objects.create(
        user=user, job=old, kind="charge", amount=1, day=timezone.now().date() - timedelta(days=1)
    )
    assert post_generation(alice_client, {"prompt": "A lighthouse"}).status_code == 202


def test_suspended_user_is_403(alice_client, user, post_generation):
    user.suspended_until = timezone.now() + timedelta(days=1)
    user.save()
    response = post_generation(alice_client, {"prompt": "A lighthouse"})
    assert response.status_code == 403
    assert response.json()["code"] == "account_suspended"
    _nothing_written(user)


def test_unauthenticated_is_401(api_client, post_generation):
    assert post_generation(api_client, {"prompt": "A lighthouse"}).status_code == 401


def test_blocked_prompt_is_stored_blocked_without_charge(
    settings, alice_client, user, post_generation, django_capture_on_commit_callbacks
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_generation(alice_client, {"prompt": "A dragon over the city"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "blocked"
    assert body["error"]["code"] == "blocked_term"
    assert not QuotaEntry.objects.filter(user=user).exists()
    assert callbacks == []
    job = GenerationJob.objects.get(pk=body["id"])
    assert job.policy["prompt"]["decision"] == "block"


def test_held_prompt_renders_with_hold_recorded(settings, alice_client, user, post_generation):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.hold_word_storm"]
    response = post_generation(alice_client, {"prompt": "A storm over the sea"})
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "queued"
    assert job.policy["prompt"]["decision"] == "hold"
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1


# --- cameos -------------------------------------------------------------------------------


def test_unknown_cameo_handle_is_400_on_cameos(alice_client, user, post_generation):
    response = post_generation(alice_client, {"prompt": "A walk", "cameos": ["nobody_here"]})
    assert response.status_code == 400
    assert "cameos" in response.json()
    _nothing_written(user)


def test_cameo_use_is_recorded(alice_client, user, make_user, make_cameo, post_generation):
    carol = make_user("carol")
    cameo = make_cameo(carol, permission="everyone", instructions="Always smiling.")
    response = post_generation(alice_client, {"prompt": "A walk", "cameos": ["carol"]})
    assert response.status_code == 202, response.content
    assert response.json()["cameos"] == ["carol"]
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert JobCameo.objects.filter(job=job, cameo=cameo).exists()
    assert job.provenance["instructions"] == ["@carol: Always smiling."]
    assert cameo.events.filter(action="used").count() == 1


def test_cameo_without_permission_is_403_and_nothing_written(
    alice_client, user, make_user, make_cameo, post_generation
):
    carol = make_user("carol")
    make_cameo(carol, permission="only_me")
    response = post_generation(alice_client, {"prompt": "A walk", "cameos": ["carol"]})
    assert response.status_code == 403
    assert response.json()["code"] == "cameo_permission_denied"
    _nothing_written(user)


# --- remix --------------------------------------------------------------------------------


@pytest.fixture
def make_video(make_job):
    from feed.models import Video

    def _make(author, *, visibility="public", cameos=()):
        job = make_job(author, status="succeeded")
        for cameo in cameos:
            JobCameo.objects.create(job=job, cameo=cameo)
        return Video.objects.create(job=job, author=author, visibility=visibility)

    return _make


def test_remix_of_invisible_video_is_400_on_remix_of(
    alice_client, user, other_user, make_video, post_generation
):
    private = make_video(other_user, visibility="private")
    response = post_generation(alice_client, {"prompt": "Again", "remix_of": str(private.id)})
    assert response.status_code == 400
    assert "remix_of" in response.json()
    _nothing_written(user)


def test_remix_of_missing_video_is_400(alice_client, user, post_generation):
    response = post_generation(
        alice_client, {"prompt": "Again", "remix_of": "00000000-0000-0000-0000-000000000001"}
    )
    assert response.status_code == 400
    assert "remix_of" in response.json()
    _nothing_written(user)


def test_remix_of_visible_video_carries_and_rechecks_its_cameos(
    alice_client, user, other_user, make_user, make_cameo, make_video, post_generation
):
    carol = make_user("carol")
    cameo = make_cameo(carol, permission="everyone")
    source = make_video(other_user, cameos=[cameo])
    response = post_generation(alice_client, {"prompt": "Again", "remix_of": str(source.id)})
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.remix_of == source.id
    assert list(job.job_cameos.values_list("cameo_id", flat=True)) == [cameo.id]

    cameo.permission = "only_me"
    cameo.save()
    response = post_generation(alice_client, {"prompt": "Once more", "remix_of": str(source.id)})
    assert response.status_code == 403
    assert response.json()["code"] == "cameo_permission_denied"
