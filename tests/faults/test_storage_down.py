"""S3 goes down while a finished clip is being post-processed: the upload is retried with
exponential backoff, then the job fails cleanly — readable error, quota refunded, no video
published, no object left in the bucket.

The worker talks to S3 through its own moto endpoint, stopped the moment the job reaches
`post_processing`; the test inspects the same (in-process) moto backend through the
`s3_storage` fixture's endpoint, which stays up.
"""

import re
import uuid

import boto3
import pytest

from generation.models import GenerationJob, QuotaEntry
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BUCKET = "cutaway-test"  # created by the s3_storage fixture


@pytest.fixture
def doomed_endpoint():
    """A second moto endpoint onto the same in-memory S3; the test stops it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    state = {"up": True}

    def stop():
        if state["up"]:
            server.stop()
            state["up"] = False

    yield f"http://{host}:{port}", stop
    stop()


def _objects(endpoint) -> list[str]:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_s3_down_during_post_processing_retries_then_fails_cleanly(
    s3_storage, doomed_endpoint, start_worker, user, auth_client
):
    endpoint, stop_s3 = doomed_endpoint
    worker = start_worker(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_MAX_ATTEMPTS="1",  # botocore's own retries off: the pipeline's backoff is tested
        GENERATION_STORAGE_ATTEMPTS="3",
        GENERATION_STORAGE_BACKOFF_SECONDS="0.5",
    )
    response = auth_client(user).post(
        "/api/v1/generations",
        {"prompt": "A paper boat drifts down a rainy street gutter", "seconds": 10, "seed": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 202, response.content
    job = GenerationJob.objects.get(pk=response.json()["id"])

    def post_processing():
        job.refresh_from_db()
        assert job.status in GenerationJob.ACTIVE, (job.status, worker.log()[-3000:])
        return job.status == GenerationJob.Status.POST_PROCESSING

    wait_for(post_processing, timeout=45, interval=0.05, what="post-processing to start")
    stop_s3()

    def finished():
        job.refresh_from_db()
        return job.is_finished

    wait_for(finished, timeout=45, interval=0.2, what="the job to give up")
    log = worker.log()

    assert job.status == GenerationJob.Status.FAILED
    assert job.error_code == "storage_unavailable"
    assert "storage is unreachable" in job.error_message
    assert "refunded" in job.error_message
    assert job.video_file == job.thumbnail_file == job.preview_file == ""
    assert job.sha256 == ""
    assert job.attempts == 1  # the upload was retried, not the render
    # Backoff: waits of 0.5 s then 1.0 s between the three tries, then it gave up.
    waits = re.findall(
        rf"job {job.pk}: storage unavailable \(try (\d) of 3\), retrying in ([\d.]+) s", log
    )
    assert waits == [("1", "0.5"), ("2", "1.0")], log[-3000:]
    assert f"job {job.pk}: storage unavailable, giving up" in log
    # Refunded once; nothing published, nothing left in the bucket.
    assert sorted(QuotaEntry.objects.filter(job=job).values_list("kind", "amount")) == [
        ("charge", 1),
        ("refund", -1),
    ]
    from feed.models import Video

    assert not Video.objects.filter(job=job).exists()
    assert _objects(s3_storage) == []
    # The API tells the owner what happened.
    body = auth_client(user).get(f"/api/v1/generations/{job.pk}").json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "storage_unavailable"
