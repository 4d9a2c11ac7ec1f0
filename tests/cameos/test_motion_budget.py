"""The cameo motion check has a time and a pixel budget (issue 12, finding 10): an upload
that would make the verifier decode more than CAMEO_MOTION_MAX_PIXELS, or take longer than
CAMEO_MOTION_MAX_SECONDS, ends `rejected` with `motion_budget_exceeded`, and nothing is
decoded once the budget is known to be too small. Outcomes only, never times."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import ConsentEvent
from accounts.services import cameos
from media.errors import MOTION_BUDGET_EXCEEDED, InvalidMedia
from media.motion import measure_motion_area
from tests.cameos.clips import write_clip

pytestmark = pytest.mark.django_db

# The good clip (128x128, 10 fps, 4 s) decodes 40 frames = 0.66 Mpx; the hostile one
# (320x240 at 240 fps for 3 s: the shape of a 4K 240 fps upload, scaled down so the suite
# can encode it) needs 720 frames = 55 Mpx. A budget between the two tells them apart.
BUDGET_PIXELS = 5_000_000


@pytest.fixture(scope="module")
def hostile_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("motion-budget")
    return write_clip(folder / "hostile.mp4", seconds=3, fps=240, size=(320, 240))


def _verified(owner, path):
    upload = SimpleUploadedFile("clip.mp4", path.read_bytes(), "video/mp4")
    cameo = cameos.create_cameo(owner, upload=upload, consent=True)
    return cameos.verify_cameo(cameo)


def test_clip_over_the_pixel_budget_is_rejected_with_reason(user, hostile_clip, settings):
    settings.CAMEO_MOTION_MAX_PIXELS = BUDGET_PIXELS
    cameo = _verified(user, hostile_clip)
    assert cameo.status == "rejected"
    assert "too large to check for movement" in cameo.rejection_reason
    event = ConsentEvent.objects.get(owner=user, action="rejected")
    assert event.data["code"] == MOTION_BUDGET_EXCEEDED


def test_clip_within_the_pixel_budget_is_judged(user, clips, settings):
    settings.CAMEO_MOTION_MAX_PIXELS = BUDGET_PIXELS
    assert _verified(user, clips["good"]).status == "active"


def test_the_same_hostile_clip_is_judged_when_the_budget_allows_it(user, hostile_clip, settings):
    settings.CAMEO_MOTION_MAX_PIXELS = 100_000_000
    assert measure_motion_area(hostile_clip) > cameos.MIN_MOTION_AREA


@pytest.fixture
def decoded_frames(monkeypatch):
    """Timestamps of the frames PyAV decodes during the test (a spy on InputContainer.decode)."""
    import av.container

    decoded = []
    real_decode = av.container.InputContainer.decode

    def counting_decode(self, *args, **kwargs):
        for frame in real_decode(self, *args, **kwargs):
            decoded.append(frame.pts)
            yield frame

    monkeypatch.setattr(av.container.InputContainer, "decode", counting_decode)
    return decoded


def test_pixel_budget_is_refused_before_decoding(hostile_clip, decoded_frames):
    with pytest.raises(InvalidMedia) as refused:
        measure_motion_area(hostile_clip, max_pixels=BUDGET_PIXELS)
    assert refused.value.code == MOTION_BUDGET_EXCEEDED
    assert decoded_frames == []
    measure_motion_area(hostile_clip, max_pixels=100_000_000)
    assert len(decoded_frames) == 720


def test_passed_deadline_rejects_with_reason(user, clips, settings):
    settings.CAMEO_MOTION_MAX_SECONDS = -1  # a deadline already behind us: deterministic
    cameo = _verified(user, clips["good"])
    assert cameo.status == "rejected"
    event = ConsentEvent.objects.get(owner=user, action="rejected")
    assert event.data["code"] == MOTION_BUDGET_EXCEEDED


def test_default_budget_judges_ordinary_clips(user, clips):
    assert _verified(user, clips["fast"]).status == "active"
    assert measure_motion_area(clips["static"]) < cameos.MIN_MOTION_AREA
