"""Playback in a real browser (Debian's chromium + chromedriver, Selenium 4): an HLS stream of
a real post-processed clip plays through hls.js 1.7.4 (npm, tests/browser/package.json) and
switches between both renditions; the moderation console's player seeks (Range requests).

Not skipped when chromium or the npm package is missing: `make test` installs both."""

import posixpath

import pytest

from generation.models import GenerationJob
from generation.services.renditions import create_renditions, store_exactly, store_renditions
from moderation.services import file_report
from tests.browser.urls import HLS_JS
from tests.factories import JobFactory, publish
from tests.moderation.test_console_browser import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _published(user, processed):
    job = JobFactory(user=user, renditions=False, stored=processed.video_path.read_bytes())
    stored = store_renditions(
        posixpath.dirname(job.video_file), processed, original_name=job.video_file,
        store=store_exactly,
    )  # fmt: skip
    create_renditions(job.pk, stored.rows)
    GenerationJob.objects.filter(pk=job.pk).update(hls_file=stored.hls_file)
    return publish(job)


def _wait(browser, script, timeout=40):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(lambda d: d.execute_script(script))


@pytest.mark.urls("tests.browser.urls")
def test_hls_stream_plays_in_chromium_with_hls_js_and_switches_level(
    browser,
    live_server,
    auth_client,
    make_user,
    processed,
):
    import urllib.parse

    assert HLS_JS.exists(), "run `npm ci` in tests/browser (make test does)"
    author, viewer = make_user("bob"), make_user("alice")
    video = _published(author, processed)
    body = auth_client(viewer).get(f"/api/v1/videos/{video.id}").json()
    hls_url = body["hls_url"]
    assert hls_url.startswith("/files/")

    src = urllib.parse.quote(live_server.url + hls_url, safe="")
    browser.get(f"{live_server.url}/test-player/?src={src}")
    assert browser.execute_script("return state.supported") is True
    levels = _wait(browser, "return state.levels.length == 2 && state.levels")
    # hls.js orders levels by bitrate, lowest first
    assert sorted(level[:2] for level in levels) == [[480, 854], [720, 1280]]
    browser.execute_script("document.getElementById('player').play()")
    _wait(browser, "return document.getElementById('player').currentTime > 0.5")
    # Switch to the other level: hls.js loads that rendition's playlist and segments.
    first = browser.execute_script("return hls.currentLevel")
    other = 1 - max(first, 0)
    browser.execute_script(f"hls.currentLevel = {other}")
    _wait(browser, f"return state.switched.includes({other})")
    _wait(
        browser,
        "const v = document.getElementById('player'); return v.currentTime > 1.5 || v.ended",
    )
    fatal = [e for e in browser.execute_script("return state.errors") if e[1]]
    assert fatal == []


def test_console_player_seeks_with_range_requests(
    browser,
    live_server,
    make_moderator,
    make_user,
    processed,
):
    from django.core.signals import request_started
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from moderation.models import ReviewItem

    ranges = []

    def record(sender, environ, **kwargs):
        if environ.get("PATH_INFO", "").startswith("/files/"):
            ranges.append(environ.get("HTTP_RANGE"))

    request_started.connect(record)
    make_moderator("mod", password=PASSWORD)
    video = _published(make_user("bob"), processed)
    file_report(make_user("alice"), target_type="video", target_id=str(video.id), reason="spam")
    item = ReviewItem.objects.get()

    browser.get(
        f"{live_server.url}/admin/login/?next=/admin/moderation/reviewitem/{item.pk}/change/"
    )
    browser.find_element(By.ID, "id_username").send_keys("mod")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "review-video")))
    player = "document.getElementById('review-video')"
    _wait(browser, f"return {player}.readyState >= 1")
    # Chromium makes a file seekable past what it has only when the server answers Range.
    assert browser.execute_script(f"return {player}.seekable.end(0)") > 3.5
    browser.execute_script(f"{player}.muted = true; {player}.currentTime = 3.0; {player}.play()")
    _wait(browser, f"return !{player}.seeking && {player}.currentTime > 3.2")
    assert browser.execute_script(f"return {player}.played.start(0)") >= 2.9
    request_started.disconnect(record)
    print("Range headers the player sent:", ranges)
    assert any(r and r.startswith("bytes=") for r in ranges), ranges
