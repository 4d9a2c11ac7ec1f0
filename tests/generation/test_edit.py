"""POST generations/{id}/edit: only the named shots are re-rendered, every other shot's
decoded frames are the source's pixel for pixel; consent and the content gate are asked
again; another user's job is 404, an unfinished one 409, a bad index 400 naming it; the edit
is charged for the seconds it re-renders and nothing for a refusal."""

import pytest

from billing.models import CreditAccount
from billing.services import grant_credits
from config.storage import read_file
from generation.models import GenerationJob, QuotaEntry
from generation.render.timing import shot_frame_counts
from tests.generation.conftest import new_key

pytestmark = [pytest.mark.django_db]

PROMPT = (
    "Shot 1: a red kite rises over a beach. Shot 2: a dog chases the kite string. "
    "Shot 3: the kite lands in the sea."
)


def _succeeded_source(client, post_generation, capture, seconds=6, **body):
    with capture(execute=True):
        response = post_generation(
            client, {"prompt": PROMPT, "seconds": seconds, "seed": 5, **body}
        )
    assert response.status_code == 202, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_message)
    return job


def _edit(client, job_id, shots, key=None):
    return client.post(
        f"/api/v1/generations/{job_id}/edit",
        {"shots": shots},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or new_key(),
    )


def _decoded_frames(job, tmp_path):
    import av

    path = tmp_path / f"{job.pk}.mp4"
    path.write_bytes(read_file(job.video_file))
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="yuv420p") for frame in container.decode(video=0)]


@pytest.mark.slow
def test_edit_rerenders_only_the_named_shot_and_keeps_the_others_bit_identical(
    alice_client, user, post_generation, django_capture_on_commit_callbacks, tmp_path
):
    import numpy as np

    source = _succeeded_source(alice_client, post_generation, django_capture_on_commit_callbacks)
    assert len(source.storyboard) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = _edit(
            alice_client, source.pk, [{"index": 2, "subject": "a blue whale", "camera": "static"}]
        )
    assert response.status_code == 202, response.json()
    edit = GenerationJob.objects.get(pk=response.json()["id"])
    assert edit.status == "succeeded", (edit.error_code, edit.error_message)
    assert edit.provenance["edited_from"] == str(source.pk)
    assert edit.provenance["edited_shots"] == [2]
    # the source is the edit's parent: in its provenance (and so its C2PA ingredients)
    assert edit.kind == "edit"
    assert edit.provenance["parents"] == [{"job_id": str(source.pk), "relation": "edit_source"}]
    shown = alice_client.get(f"/api/v1/generations/{edit.pk}").json()
    assert shown["parents"] == [{"job_id": str(source.pk), "relation": "edit_source"}]
    assert [s["subject"] for s in edit.storyboard] == [
        source.storyboard[0]["subject"],
        "a blue whale",
        source.storyboard[2]["subject"],
    ]
    assert [s["seconds"] for s in edit.storyboard] == [s["seconds"] for s in source.storyboard]

    before, after = _decoded_frames(source, tmp_path), _decoded_frames(edit, tmp_path)
    counts = shot_frame_counts(source.storyboard)
    assert len(before) == len(after) == sum(counts)
    ends = np.cumsum(counts)
    starts = ends - counts
    shots = [(before[a:b], after[a:b]) for a, b in zip(starts, ends, strict=True)]
    for number in (0, 2):  # kept: every decoded frame equal, pixel for pixel
        old, new = shots[number]
        assert all(np.array_equal(x, y) for x, y in zip(old, new, strict=True)), number
    old, new = shots[1]
    assert not any(np.array_equal(x, y) for x, y in zip(old, new, strict=True))


def test_edit_bad_input_is_400_naming_the_field_and_charges_nothing(alice_client, user, make_job):
    source = make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", seconds=6,
                      storyboard=[{"index": n, "seconds": 2.0, "camera": "static", "subject": "s",
                                   "action": "a", "caption": "c", "dialogue": "", "notes": "",
                                   "constraints": []} for n in (1, 2, 3)])  # fmt: skip
    cases = [
        ([{"index": 4, "subject": "x"}], "shots[0].index"),
        ([{"index": 0, "subject": "x"}], "shots[0].index"),
        ([{"index": 1, "subject": "x"}, {"index": 1, "action": "y"}], "shots[1].index"),
        ([{"index": 1, "seconds": 3}], "shots[0].seconds"),
        ([{"index": 1, "colour": "red"}], "shots[0].colour"),
        ([{"index": 1, "camera": "barrel_roll"}], "shots[0].camera"),
        ([{"index": 1, "subject": "s"}], "shots[0]"),  # changes nothing
        ([{"subject": "x"}], "shots[0].index"),
        ([{"index": "two", "subject": "x"}], "shots[0].index"),
        ([{"index": 1, "subject": "x" * 201}], "shots[0].subject"),
        ([], "shots"),
    ]
    for shots, field in cases:
        response = _edit(alice_client, source.pk, shots)
        assert response.status_code == 400, (shots, response.json())
        assert field in response.json(), (shots, response.json())
    response = alice_client.post(
        f"/api/v1/generations/{source.pk}/edit", {"shots": "all"}, format="json",
        HTTP_IDEMPOTENCY_KEY=new_key(),
    )  # fmt: skip
    assert response.status_code == 400 and "shots" in response.json()
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert not QuotaEntry.objects.filter(user=user).exists()


def test_another_users_job_is_404_and_an_unfinished_one_409(
    auth_client, user, other_user, make_job
):
    storyboard = [{"index": 1, "seconds": 4.0, "camera": "static", "subject": "s", "action": "a"}]
    mine = make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", seconds=4,
                    storyboard=storyboard)  # fmt: skip
    running = make_job(user, status="rendering", seconds=4, storyboard=storyboard)
    change = [{"index": 1, "subject": "a cat"}]
    bob = auth_client(other_user)
    assert _edit(bob, mine.pk, change).status_code == 404
    assert _edit(bob, "not-a-uuid", change).status_code == 404
    alice = auth_client(user)
    response = _edit(alice, running.pk, change)
    assert response.status_code == 409
    assert response.json()["code"] == "job_not_succeeded"
    assert GenerationJob.objects.count() == 2
    assert not QuotaEntry.objects.exists()


def test_edit_passes_the_content_gate_and_asks_consent_again(
    auth_client, user, other_user, make_job, make_cameo, settings
):
    from accounts.services.cameos import revoke_cameo_consent

    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    storyboard = [{"index": 1, "seconds": 4.0, "camera": "static", "subject": "s", "action": "a"}]
    source = make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", seconds=4,
                      storyboard=storyboard)  # fmt: skip
    alice = auth_client(user)
    response = _edit(alice, source.pk, [{"index": 1, "dialogue": "the dragon speaks"}])
    assert response.status_code == 202, response.json()
    blocked = GenerationJob.objects.get(pk=response.json()["id"])
    assert blocked.status == "blocked"
    assert "storyboard[0].dialogue" in blocked.error_message
    assert not QuotaEntry.objects.filter(job=blocked).exists()

    # A source showing bob's cameo: once bob narrows who may use it, the edit is refused (403);
    # once he revokes consent the draft itself is withdrawn (409). Nothing charged.
    cameo = make_cameo(other_user, permission="everyone")
    with_cameo = make_job(user, status="succeeded", video_file="clips/y/1/video.mp4", seconds=4,
                          storyboard=storyboard)  # fmt: skip
    with_cameo.job_cameos.create(cameo=cameo)
    cameo.permission = "only_me"
    cameo.save(update_fields=["permission"])
    response = _edit(alice, with_cameo.pk, [{"index": 1, "subject": "a cat"}])
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "cameo_permission_denied"
    cameo.permission = "everyone"
    cameo.save(update_fields=["permission"])
    revoke_cameo_consent(other_user)
    response = _edit(alice, with_cameo.pk, [{"index": 1, "subject": "a cat"}])
    assert response.status_code == 409, response.json()
    assert GenerationJob.objects.filter(user=user).count() == 3
    assert not QuotaEntry.objects.filter(user=user, kind="charge").exists()


def test_edit_is_charged_for_the_seconds_it_rerenders_once_per_key(
    auth_client, user, make_job, settings, make_user
):
    settings.GENERATION_DAILY_LIMIT = 0  # every job is paid in credits
    settings.CREDIT_PRICES = {"720x1280": 2}
    grant_credits(user, 20, reason="test", actor=make_user("root", is_staff=True))
    storyboard = [
        {"index": 1, "seconds": 5.0, "camera": "static", "subject": "s", "action": "a"},
        {"index": 2, "seconds": 2.5, "camera": "static", "subject": "t", "action": "b"},
        {"index": 3, "seconds": 4.5, "camera": "static", "subject": "u", "action": "c"},
    ]
    source = make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", seconds=12,
                      storyboard=storyboard)  # fmt: skip
    alice = auth_client(user)
    key = new_key()
    first = _edit(alice, source.pk, [{"index": 2, "subject": "a cat"}], key=key)
    assert first.status_code == 202, first.json()
    again = _edit(alice, source.pk, [{"index": 2, "subject": "a cat"}], key=key)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    job = GenerationJob.objects.get(pk=first.json()["id"])
    assert job.billed_seconds == 3  # shot 2's 2.5 s, rounded up; not the clip's 12
    assert CreditAccount.objects.get(user=user).balance == 20 - 3 * 2
    other = _edit(alice, source.pk, [{"index": 1, "subject": "a dog"}], key=key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"

    # 5 s of shots 1 and 2... at 2 credits a second is 16: more than the 14 left, so 402.
    response = _edit(alice, source.pk, [{"index": 1, "subject": "x"}, {"index": 3, "action": "y"}])
    assert response.status_code == 402, response.json()
    assert CreditAccount.objects.get(user=user).balance == 14
    assert GenerationJob.objects.filter(user=user).count() == 2


def test_a_moderator_removed_clip_cannot_be_edited_back(auth_client, user, make_job):
    from feed.models import Video
    from tests.factories import VideoFactory

    storyboard = [{"index": 1, "seconds": 4.0, "camera": "static", "subject": "s", "action": "a"}]
    source = make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", seconds=4,
                      storyboard=storyboard)  # fmt: skip
    video = VideoFactory(author=user, job=source)
    Video.objects.filter(pk=video.pk).update(status=Video.Status.REMOVED)
    response = _edit(auth_client(user), source.pk, [{"index": 1, "subject": "a cat"}])
    assert response.status_code == 404
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert not QuotaEntry.objects.filter(user=user).exists()
