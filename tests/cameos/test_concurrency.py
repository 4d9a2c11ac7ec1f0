"""Real concurrency on PostgreSQL: threads with their own connections, transaction=True."""

import threading

import pytest
from django.db import connection, connections

from accounts.exceptions import CameoBusy, CameoUseRefused
from accounts.ledger import verify_ledger
from accounts.models import Cameo, ConsentEvent
from accounts.services import cameo_use, cameos
from feed.exceptions import DraftWithdrawn
from feed.models import Video
from feed.services import publish_video
from generation.models import GenerationJob, JobCameo

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _run_together(*functions):
    """Start every function at the same moment, each in its own thread and DB connection;
    return what each returned or raised."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = ("ok", function())
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=runner, args=(index, function))
        for index, function in enumerate(functions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_appends_keep_seq_gap_free(user, make_user, make_cameo):
    cameo = make_cameo(user, permission="everyone")
    actors = [make_user(f"fan{index}") for index in range(8)]

    def use(actor):
        def _use():
            for step in range(5):
                cameo_use.record_cameo_use(cameo, actor=actor, job_id=f"{actor.handle}-{step}")

        return _use

    results = _run_together(*(use(actor) for actor in actors))
    assert [kind for kind, _ in results] == ["ok"] * len(actors), results
    seqs = list(ConsentEvent.objects.filter(owner=user).values_list("seq", flat=True))
    assert seqs == list(range(1, 2 + 1 + 8 * 5 + 1))  # created, verified, permission, 40 uses
    assert verify_ledger(user) is True


@pytest.mark.parametrize("round_", range(6))
def test_revoke_racing_publish_never_leaves_a_published_video_with_a_revoked_cameo(
    user, other_user, make_cameo, round_
):
    cameo = make_cameo(user, permission="approved")
    cameos.grant_cameo(user, other_user)
    job = GenerationJob.objects.create(
        user=other_user,
        status="succeeded",
        prompt="@alice at the lake",
        seconds=8,
        video_file="videos/race.mp4",
        probe={"duration": 8.0, "width": 720, "height": 1280},
    )
    JobCameo.objects.create(job=job, cameo=cameo)

    revoked, published = _run_together(
        lambda: cameos.revoke_cameo_consent(user),
        lambda: publish_video(other_user, job, caption="race"),
    )
    assert revoked[0] == "ok", revoked
    # Publishing either won (and the revocation took its video down), was refused, found the
    # revocation holding the cameo and was told to retry, or came second and found the draft
    # already withdrawn by the revocation: never a database error.
    job.refresh_from_db()
    withdrawn = job.status == "cancelled" and job.error_code == "cameo_consent_revoked"
    assert (
        published[0] == "ok"
        or isinstance(published[1], CameoUseRefused | CameoBusy)
        or (withdrawn and isinstance(published[1], DraftWithdrawn))
    ), published
    assert Cameo.objects.get(pk=cameo.pk).status == "revoked"
    live = Video.objects.filter(job=job, status__in=(Video.Status.PUBLISHED, Video.Status.HELD))
    assert not live.exists()
    if published[0] == "ok":
        assert Video.objects.get(job=job).status == Video.Status.TAKEN_DOWN
    assert verify_ledger(user) is True
