"""The app's URLs plus a test-only player page (hls.js from tests/browser/node_modules), so the
page and the streams it plays come from the same live server."""

from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.urls import include, path

HLS_JS = Path(__file__).resolve().parent / "node_modules" / "hls.js" / "dist" / "hls.min.js"

PLAYER = """<!doctype html>
<html><head><meta charset="utf-8"><title>hls.js player</title></head>
<body>
<video id="player" muted playsinline width="360" height="640"></video>
<script src="/test-player/hls.min.js"></script>
<script>
  window.state = {levels: [], switched: [], errors: [], supported: Hls.isSupported()};
  const video = document.getElementById("player");
  const hls = new Hls({capLevelToPlayerSize: false, startLevel: 0});
  hls.on(Hls.Events.MANIFEST_PARSED, (event, data) => {
    state.levels = data.levels.map((l) => [l.width, l.height, l.bitrate]);
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => state.switched.push(data.level));
  hls.on(Hls.Events.ERROR, (event, data) => state.errors.push([data.details, data.fatal]));
  hls.loadSource(new URLSearchParams(location.search).get("src"));
  hls.attachMedia(video);
  window.hls = hls;
</script>
</body></html>
"""


def player(request):
    return HttpResponse(PLAYER)


def hls_js(request):
    return FileResponse(open(HLS_JS, "rb"), content_type="text/javascript")  # noqa: SIM115


urlpatterns = [
    path("test-player/", player),
    path("test-player/hls.min.js", hls_js),
    path("", include("config.urls")),
]
