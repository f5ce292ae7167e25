"""The experiments journey (issue 21's "Browser journey", its experiment
part): the demo's administrator signs in → the 数据 → A/B 测试 page lists the
demo's finished and running tests → a link experiment is planned in the
page, with both arms' pages on this server (127.0.0.1), and started → the
link is opened in two browser sessions of their own → the read-out shows
both arms with their visitors and the sample-ratio check → the demo's
running test shows its chance to win with its charts → the new test is
ended with its variant promoted, and a third visitor of the link lands on
the winner's page.

Every page the link sends to is this server's own `/healthz`, so no
browser leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from test_foundation_journey import check_no_raw_markup, fill, flash_texts, wait, wait_for_path
from test_inbox_journey import sign_in
from test_publishing_journey import click_through

SLUG = "demo"
EMAIL = "demo@fanfare.local"
NAME = "按钮文案测试"
# Headless Chromium says so in its user agent, and the product rightly
# counts such clicks as robots': the visitors browse as a phone does.
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.4 Mobile/15E148 Safari/604.1")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def visitors(driver) -> list[int]:
    return [int(cell.text.replace(",", "")) for cell in driver.find_elements(By.CSS_SELECTOR, "#arms td.visitors")]


def test_experiments_journey(demo_server, new_browser, shot, soft):
    server = demo_server
    base = server.base_url
    admin = new_browser("admin")
    sign_in(admin, base, EMAIL, server.setup_link, f"/w/{SLUG}/experiments")

    # 1. The demo's two tests are listed, each in its state.
    rows = admin.find_elements(By.CSS_SELECTOR, "#experiments tbody tr[data-experiment]")
    states = [row.find_element(By.CSS_SELECTOR, ".state").text for row in rows]
    soft.check(sorted(states) == ["已结束", "进行中"], f"the demo's tests and their states: {states}")
    check_no_raw_markup(soft, admin, "experiments list")
    shot(admin, "experiments-01-list")

    # 2. Plan a test on one of the demo's post links; both arms' pages are this server's.
    form = admin.find_element(By.ID, "experiment-form")
    fill(admin, form, "name", NAME)
    fill(admin, form, "hypothesis", "“立即抢购”比“了解更多”带来更多购买。")
    Select(form.find_element(By.NAME, "varies")).select_by_value("copy")
    links = Select(form.find_element(By.NAME, "link_id"))
    choice = next(o for o in links.options if "spring?item=1" in o.text)
    links.select_by_value(choice.get_attribute("value"))
    fill(admin, form, "arm0_name", "了解更多")
    fill(admin, form, "arm0_destination", f"{base}/healthz?arm=control")
    fill(admin, form, "arm1_name", "立即抢购")
    fill(admin, form, "arm1_destination", f"{base}/healthz?arm=variant")
    click_through(admin, admin.find_element(By.ID, "create-experiment"))
    match = wait_for_path(admin, base, rf"/w/{SLUG}/experiments/({UUID})")
    page = match.group(0).removeprefix(base)
    soft.check(admin.find_element(By.ID, "experiment-state").text == "草稿", "a new test is a draft")
    click_through(admin, admin.find_element(By.ID, "start-experiment"))
    soft.check(admin.find_element(By.ID, "experiment-state").text == "进行中", "started")
    short_url = admin.find_element(By.ID, "assignment").get_attribute("data-short-url")
    code = short_url.rsplit("/l/", 1)[1]
    shot(admin, "experiments-02-started")

    # 3. Two visitors, each in a browser of their own, each sent to one arm's page and kept there.
    landed = []
    for label in ("visitor-1", "visitor-2"):
        visitor = new_browser(label)
        visitor.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PHONE})
        visitor.get(f"{base}/l/{code}")
        wait(visitor).until(lambda d: "/healthz?arm=" in d.current_url)
        arm = re.search(r"arm=(\w+)", visitor.current_url).group(1)
        visitor.get(f"{base}/l/{code}")
        wait(visitor).until(lambda d: "/healthz?arm=" in d.current_url)
        soft.check(re.search(r"arm=(\w+)", visitor.current_url).group(1) == arm, f"{label} sees the same arm again")
        landed.append(arm)

    # 4. The read-out: both arms listed, two visitors counted, the split checked.
    deadline = time.monotonic() + 30
    while True:
        admin.get(base + page)
        counts = visitors(admin)
        if sum(counts) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    soft.check(len(counts) == 2 and sum(counts) == 2, f"both arms with the two visitors: {counts} (landed {landed})")
    soft.check(admin.find_elements(By.ID, "srm-ok") or admin.find_elements(By.ID, "srm-warning"), "the sample-ratio check is shown")
    check_no_raw_markup(soft, admin, "new experiment page")
    shot(admin, "experiments-03-readout")

    # 5. The demo's running test has numbers: its chance to win, drawn.
    admin.get(f"{base}/w/{SLUG}/experiments")
    running = next(r for r in admin.find_elements(By.CSS_SELECTOR, "#experiments tbody tr[data-experiment]")
                   if r.find_element(By.CSS_SELECTOR, ".state").text == "进行中" and NAME not in r.text)
    click_through(admin, running.find_element(By.TAG_NAME, "a"))
    chance = admin.find_element(By.CSS_SELECTOR, "section.comparison").get_attribute("data-chance")
    soft.check(chance and 0 <= float(chance) <= 1, f"the demo's running test has a chance to win: {chance!r}")
    soft.check(admin.find_elements(By.CSS_SELECTOR, "figure.chart-interval svg") and admin.find_elements(By.CSS_SELECTOR, "figure.chart-posterior svg"),
               "the read-out is drawn")
    shot(admin, "experiments-04-demo-readout")

    # 6. End the new test, promoting its variant; a new visitor lands on the winner's page.
    admin.get(base + page)
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "end-form")))
    winner = Select(form.find_element(By.NAME, "winner_arm_id"))
    winner.select_by_visible_text("立即抢购")
    fill(admin, form, "decision", "“立即抢购”胜出，全部流量切换过去。")
    click_through(admin, admin.find_element(By.ID, "end-experiment"))
    soft.check(admin.find_element(By.ID, "experiment-state").text == "已结束", "ended")
    soft.check(admin.find_elements(By.CSS_SELECTOR, "#arms .winner"), "the winner is marked")
    soft.check(any("已结束" in text for text in flash_texts(admin)), f"notices: {flash_texts(admin)}")
    shot(admin, "experiments-05-ended")
    late = new_browser("visitor-3")
    late.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PHONE})
    late.get(f"{base}/l/{code}")
    wait(late).until(lambda d: "/healthz?arm=" in d.current_url)
    soft.check("arm=variant" in late.current_url, f"after the end every visitor goes to the winner: {late.current_url}")
    soft.assert_all()
