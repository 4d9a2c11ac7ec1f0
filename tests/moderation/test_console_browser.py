"""The moderation console in a real browser (Debian's chromium + chromedriver, Selenium 4).

Not skipped when chromium is missing: .ci/run installs it, and a missing browser is a failure.
"""

import json
import shutil
import urllib.error
import urllib.request

import pytest

from moderation.models import ModerationAction, ReviewItem
from moderation.services import file_report

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or CHROMIUM
    driver_path = shutil.which("chromedriver") or CHROMEDRIVER
    assert shutil.which(binary), "chromium is not installed (apt-get install chromium)"
    assert shutil.which(driver_path), (
        "chromedriver is not installed (apt-get install chromium-driver)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _api_get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 — loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_moderator_removes_a_reported_video_from_the_console(
    browser, live_server, tmp_path, make_moderator, make_user, make_video
):
    from rest_framework_simplejwt.tokens import RefreshToken
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    make_moderator("mod", password=PASSWORD)
    author = make_user("bob")
    reporter = make_user("alice")
    viewer = make_user("carol")
    video = make_video(author, prompt="a neon city skyline at night")
    file_report(reporter, target_type="video", target_id=str(video.id), reason="spam")
    item = ReviewItem.objects.get()
    token = str(RefreshToken.for_user(viewer).access_token)
    assert _api_get(f"{live_server.url}/api/v1/videos/{video.id}", token)[0] == 200

    wait = WebDriverWait(browser, 30)
    # log in as a moderator
    browser.get(f"{live_server.url}/admin/login/?next=/admin/moderation/reviewitem/")
    browser.find_element(By.ID, "id_username").send_keys("mod")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # the queue, open items first
    wait.until(ec.presence_of_element_located((By.ID, "result_list")))
    assert "status__exact=open" in browser.current_url
    browser.save_screenshot(str(tmp_path / "queue.png"))
    browser.find_element(By.PARTIAL_LINK_TEXT, str(video.id)).click()
    # the video element loads inline
    wait.until(ec.presence_of_element_located((By.ID, "review-video")))
    wait.until(
        lambda d: d.execute_script("return document.getElementById('review-video').readyState") >= 1
    )
    duration = browser.execute_script("return document.getElementById('review-video').duration")
    assert duration > 0.5
    assert "a neon city skyline at night" in browser.find_element(By.ID, "job-prompt").text
    browser.save_screenshot(str(tmp_path / "review-item.png"))
    # remove it with a reason
    browser.find_element(By.ID, "id_reason").send_keys("Spam: repeated link farm video")
    browser.find_element(By.ID, "act-remove").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))
    # the removal is in the audit log
    browser.get(f"{live_server.url}/admin/moderation/moderationaction/")
    wait.until(ec.presence_of_element_located((By.ID, "result_list")))
    log = browser.find_element(By.ID, "result_list").text
    assert "Remove" in log and "Spam: repeated link farm video" in log
    screenshot = tmp_path / "audit-log.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 0

    # the owner's history page shows it too
    browser.get(f"{live_server.url}/admin/moderation/reviewitem/history/{author.pk}/")
    wait.until(ec.presence_of_element_located((By.ID, "history-actions")))
    assert "Spam: repeated link farm video" in browser.find_element(By.ID, "history-actions").text
    browser.save_screenshot(str(tmp_path / "history.png"))

    logged = ModerationAction.objects.get()
    assert logged.action == "remove" and logged.review_item_id == item.pk
    # and the video is gone from the feed API for another user
    status, body = _api_get(f"{live_server.url}/api/v1/videos/{video.id}", token)
    assert status == 404, body
