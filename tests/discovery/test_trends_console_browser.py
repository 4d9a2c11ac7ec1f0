"""The trends review page of the moderation console in a real browser (Debian's chromium +
chromedriver, Selenium 4), like tests/moderation/test_console_browser.py: a moderator approves
a pending trend, it appears in GET trends, and the approval is in the audit log."""

import pytest

from discovery.models import Trend
from discovery.trends import refresh_trends
from feed.services import like_video
from moderation.models import ModerationAction
from tests.moderation.test_console_browser import PASSWORD, _api_get, browser  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_moderator_approves_a_trend_from_the_console(
    browser,  # noqa: F811
    live_server,
    tmp_path,
    make_moderator,
    make_user,
    make_video,
):
    from rest_framework_simplejwt.tokens import RefreshToken
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    make_moderator("mod", password=PASSWORD)
    author = make_user("author")
    video = make_video(author, caption="Kites over the dunes #kites")
    for i in range(8):
        like_video(make_user(f"fan{i}"), video.id)
    refresh_trends()
    tag_trend = Trend.objects.get(kind="hashtag")
    assert tag_trend.status == Trend.Status.PENDING
    token = str(RefreshToken.for_user(make_user("viewer")).access_token)
    assert _api_get(f"{live_server.url}/api/v1/trends", token)[1]["hashtags"] == []

    wait = WebDriverWait(browser, 30)
    browser.get(f"{live_server.url}/admin/login/?next=/admin/discovery/trend/")
    browser.find_element(By.ID, "id_username").send_keys("mod")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "result_list")))
    assert "status=pending" in browser.current_url
    assert "#kites" in browser.find_element(By.ID, "result_list").text
    browser.save_screenshot(str(tmp_path / "trends.png"))
    # select the hashtag trend and approve it as teen-safe
    row = browser.find_element(By.XPATH, "//span[@class='trend-tag']/ancestor::tr")
    row.find_element(By.CSS_SELECTOR, "input.action-select").click()
    browser.find_element(
        By.CSS_SELECTOR, "select[name=action] option[value=approve_teen_safe]"
    ).click()
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))

    tag_trend.refresh_from_db()
    assert tag_trend.status == Trend.Status.APPROVED and tag_trend.teen_safe
    status, body = _api_get(f"{live_server.url}/api/v1/trends", token)
    assert status == 200 and [h["tag"] for h in body["hashtags"]] == ["kites"]
    # the decision is in the audit log, also in the console
    logged = ModerationAction.objects.get(target_type="trend")
    assert logged.action == "approve" and logged.moderator.handle == "mod"
    browser.get(f"{live_server.url}/admin/moderation/moderationaction/")
    wait.until(ec.presence_of_element_located((By.ID, "result_list")))
    assert "Approve" in browser.find_element(By.ID, "result_list").text
    assert browser.save_screenshot(str(tmp_path / "audit-log.png"))
