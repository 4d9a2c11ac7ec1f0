"""The cameo fixtures (real MP4 clips, cameos made through the services) for these tests."""

from tests.cameos.conftest import clip_upload, clips, make_cameo  # noqa: F401
