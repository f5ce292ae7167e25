"""The goals journey (issue 21's "Browser journey", its first half): the
demo's administrator signs in → 数据 → 目标 → the three-phase plan's form,
started a month ago, one item left out and one target changed → the goals
page lists the three phases with their key results → the workspace
overview shows their progress → a tracked goal's page draws the actual
line against the target path.
"""

from __future__ import annotations

import datetime
import re

from selenium.webdriver.common.by import By

from test_foundation_journey import check_no_raw_markup, wait_for_path
from test_inbox_journey import sign_in
from test_publishing_journey import click_through

SLUG = "demo"
EMAIL = "demo@fanfare.local"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def set_value(driver, element, value: str) -> None:
    # A date input types by the browser's locale; its value is set as the form sends it.
    driver.execute_script("arguments[0].value = arguments[1];", element, value)


def test_goals_journey(demo_server, new_browser, shot, soft):
    server = demo_server
    base = server.base_url
    admin = new_browser("admin")
    sign_in(admin, base, EMAIL, server.setup_link, f"/w/{SLUG}/goals")
    before = len(admin.find_elements(By.CSS_SELECTOR, "section.objective"))
    # The demo already has the plan once (its own goals): count, not look for, the left-out item.
    def roi_rows() -> int:
        return sum("投入产出比达到" in row.text for row in admin.find_elements(By.CSS_SELECTOR, "tr[data-goal]"))
    roi_before = roi_rows()
    shot(admin, "goals-01-list-before")

    # 1. The three-phase plan, from the page's own link, started 30 days ago.
    click_through(admin, admin.find_element(By.CSS_SELECTOR, "a[href$='/goals/template']"))
    wait_for_path(admin, base, re.escape(f"/w/{SLUG}/goals/template"))
    form = admin.find_element(By.ID, "template-form")
    start = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    set_value(admin, form.find_element(By.NAME, "start_day"), start)
    roi = form.find_element(By.ID, "include_roi")
    if roi.is_selected():
        roi.click()
    rate = form.find_element(By.NAME, "target_comment_rate")
    rate.clear()
    rate.send_keys("0.12")
    check_no_raw_markup(soft, admin, "template form")
    shot(admin, "goals-02-template")
    click_through(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(admin, base, re.escape(f"/w/{SLUG}/goals") + r"(#.*)?")
    objectives = admin.find_elements(By.CSS_SELECTOR, "section.objective")
    soft.check(len(objectives) == before + 3, f"three phases written: {before} → {len(objectives)}")
    titles = [o.find_element(By.TAG_NAME, "h2").text for o in objectives]
    soft.check(any("用户基础建设" in t for t in titles), f"the phases' titles in Chinese: {titles}")
    soft.check(roi_rows() == roi_before, "the item left out was not written")
    soft.check(any(row.get_attribute("data-state") == "untracked" for row in admin.find_elements(By.CSS_SELECTOR, "tr[data-goal]")),
               "untracked items are listed as such")
    check_no_raw_markup(soft, admin, "goals list")
    shot(admin, "goals-03-list")

    # 2. The overview shows the goals' progress.
    admin.get(f"{base}/w/{SLUG}")
    items = admin.find_elements(By.CSS_SELECTOR, "#overview-goals-list li.goal-item")
    soft.check(0 < len(items) <= 5, f"the overview lists up to five goals: {len(items)}")
    bars = admin.find_elements(By.CSS_SELECTOR, "#overview-goals [role=progressbar]")
    soft.check(len(bars) > 0, "the overview draws progress bars")
    states = [b.text for b in admin.find_elements(By.CSS_SELECTOR, "#overview-goals .goal-state")]
    soft.check(states and all(re.search(r"[\u4e00-\u9fff]", s) for s in states), f"states in Chinese: {states}")
    shot(admin, "goals-04-overview")

    # 3. A tracked key result's page: its chart and its quarters.
    admin.get(f"{base}/w/{SLUG}/goals")
    row = next(r for r in admin.find_elements(By.CSS_SELECTOR, "tr[data-goal]") if "净增粉丝" in r.text or "粉丝" in r.text)
    click_through(admin, row.find_element(By.CSS_SELECTOR, "a"))
    wait_for_path(admin, base, rf"/w/{SLUG}/goals/{UUID}")
    soft.check(len(admin.find_elements(By.CSS_SELECTOR, "#goal-chart svg")) == 1, "the goal page draws its chart")
    soft.check(len(admin.find_elements(By.CSS_SELECTOR, "#quarters tbody tr")) >= 1, "the quarters are listed")
    soft.check(admin.find_element(By.ID, "goal-explanation").text.strip() != "", "the state is explained")
    check_no_raw_markup(soft, admin, "goal page")
    shot(admin, "goals-05-goal")
    soft.assert_all()
