"""Cameo fixtures: real MP4 clips (PyAV) and cameos in each state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cameos.clips import write_clip


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """Paths of real clips: good (sound + motion), silent, static, short, fast (30 fps)."""
    folder = tmp_path_factory.mktemp("cameo-clips")
    return {
        "good": write_clip(folder / "good.mp4"),
        "silent": write_clip(folder / "silent.mp4", audio=False),
        "static": write_clip(folder / "static.mp4", motion=False),
        "short": write_clip(folder / "short.mp4", seconds=1.5),
        # 30 fps, movement repeating every 4 frames: in step with a naive 4-per-second sampler.
        "fast": write_clip(folder / "fast.mp4", fps=30),
    }


@pytest.fixture
def clip_upload(clips):
    def _upload(name="good"):
        return SimpleUploadedFile(f"{name}.mp4", clips[name].read_bytes(), "video/mp4")

    return _upload


@pytest.fixture
def make_cameo(clip_upload):
    """`make_cameo(owner, permission=..., verify=True)` → a cameo made the way the API makes it."""
    from accounts.services import cameos

    def _make(owner, *, permission=None, instructions=None, verify=True, clip="good"):
        cameo = cameos.create_cameo(owner, upload=clip_upload(clip), consent=True)
        if verify:
            cameo = cameos.verify_cameo(cameo)
        if permission or instructions is not None:
            cameo = cameos.update_cameo_settings(
                owner, permission=permission, instructions=instructions
            )
        cameo.refresh_from_db()
        return cameo

    return _make
