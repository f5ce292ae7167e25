"""Issue 18's journey, at 1366 px: sign in to the demo → the 数据概览 shows
KPI tiles and charts → click a point on the follower chart → the rows behind
it → export them as CSV → open the weekly report → its print view (no
navigation, no buttons) → make a short link for a post → open it in the
browser → the click is on the post's page and on the Links page under 数据.

The link points back at this server (its /healthz), so the browser never
leaves loopback.
"""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from conftest import HTTPClient
from test_foundation_journey import fill, wait
from test_publishing_journey import click_through
from test_review_journey import sign_in

# A person's browser: headless Chromium says "HeadlessChrome", which the bot
# filter rightly counts as a robot, not a click.
PERSON_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def test_the_numbers_can_be_seen_drilled_into_reported_and_tracked(demo_server, browser, shot, soft):
    base = demo_server.base_url
    driver = browser
    driver.set_window_size(1366, 900)
    sign_in(driver, base, "demo@fanfare.local", demo_server.setup_link)

    # The overview: tiles and charts from the demo's history.
    driver.get(base + "/w/demo/analytics")
    tiles = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#analytics-kpis .tile"))
    assert len(tiles) >= 4, "KPI tiles"
    assert driver.find_elements(By.CSS_SELECTOR, "#chart-followers svg"), "the follower chart"
    shot(driver, "analytics-overview")

    # A point on the follower chart opens the rows behind it.
    points = driver.find_elements(By.CSS_SELECTOR, "#chart-followers a[href*='/analytics/rows']")
    assert points, "the follower chart's points are links"
    href = points[-1].get_attribute("href")
    href = href if href.startswith("http") else base + href
    driver.get(href)
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#analytics-rows tbody tr"))
    assert rows, "the rows behind the point"
    shot(driver, "analytics-rows")

    # …exported as CSV at the same granularity.
    csv_link = driver.find_element(By.ID, "rows-csv").get_attribute("href")
    client = HTTPClient(base)
    client.copy_cookies_from(driver)
    exported = client.get(csv_link.removeprefix(base))
    assert exported.status == 200, exported.status
    assert exported.body.startswith("\ufeff"), "a byte-order mark for Excel"
    assert len(exported.body.strip().splitlines()) >= 2, "a header and rows"

    # The weekly report, and its print view.
    driver.get(base + "/w/demo/reports")
    weekly = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#reports-list a"))
    click_through(driver, weekly[-1])
    wait(driver).until(EC.presence_of_element_located((By.ID, "report-kpis")))
    shot(driver, "report")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    soft.check(not driver.find_element(By.CSS_SELECTOR, "header.topbar").is_displayed(), "the navigation is not printed")
    soft.check(not driver.find_element(By.ID, "report-print").is_displayed(), "the buttons are not printed")
    shot(driver, "report-print")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # A short link for a post, pointing back at this server.
    driver.get(base + "/w/demo/posts")
    post_links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href*='/w/demo/posts/']")]
    post_ids = [m.group(1) for m in (re.search(r"/posts/([0-9a-fA-F-]{36})(?:[?#]|$)", h or "") for h in post_links) if m]
    assert post_ids, "the demo has posts"
    post_id = post_ids[0]
    driver.get(base + "/w/demo/links")
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "link-form")))
    fill(driver, form, "destination", base + "/healthz")
    fill(driver, form, "post_id", post_id)
    click_through(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    row = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#links-list tbody tr"))[0]
    code = row.get_attribute("data-code")
    short_url = row.find_element(By.CSS_SELECTOR, "input.copy").get_attribute("value")
    assert short_url.endswith("/l/" + code), short_url

    # Opened by a person's browser: redirected to the destination, click recorded.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PERSON_AGENT})
    driver.get(base + "/l/" + code)
    wait(driver).until(lambda d: "/healthz" in d.current_url)
    assert "fnf_click=" in driver.current_url and "utm_" in driver.current_url, driver.current_url
    time.sleep(1.0)  # the click recorder writes every 250 ms

    driver.get(base + f"/w/demo/posts/{post_id}")
    item = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, f"#post-links li[data-code='{code}']")))
    soft.check(re.search(r"\b1\b", item.text) is not None, f"the post page counts the click: {item.text!r}")
    shot(driver, "post-links")
    driver.get(base + "/w/demo/links")
    total = driver.find_element(By.CSS_SELECTOR, f"#links-list tr[data-code='{code}'] td[data-total]").get_attribute("data-total")
    soft.check(total == "1", f"the Links page under 数据 counts the click once: {total}")
    soft.assert_all()
