"""The segment builder journey, on the demo workspace: an administrator
builds a segment of two rule groups in the page ("core fans in 上海" OR
"fans with at least 1 point who are silent"), watches the live count follow
each change without pressing anything, meets an incomplete row named by
group and row, saves the segment, and opens it again in the builder.
"""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from steps import live_count
from test_fans_journey import sign_in
from test_foundation_journey import wait
from test_publishing_journey import click_through

COUNT = re.compile(r"^匹配 ([\d,.万]+) 位粉丝$")


def rows(group):
    return group.find_elements(By.CSS_SELECTOR, "li.segment-row-edit")


def test_a_segment_of_two_groups_is_built_counted_live_and_saved(demo_server, browser, shot):
    base = demo_server.base_url
    admin = browser
    sign_in(admin, base, demo_server.setup_link)
    admin.get(f"{base}/w/demo/segments")
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "segment-form")))
    first = live_count(admin, lambda text: bool(COUNT.match(text)))
    assert COUNT.match(first), f"the example rule is counted on arrival: {first}"

    # Group 1: activity tier = core AND region = 上海 (the example), then OR between groups.
    Select(admin.find_element(By.ID, "join")).select_by_value("any")
    groups = form.find_elements(By.CSS_SELECTOR, "fieldset.segment-group")
    assert len(groups) == 1
    form.find_element(By.ID, "add-group").click()
    groups = form.find_elements(By.CSS_SELECTOR, "fieldset.segment-group")
    assert len(groups) == 2, "a second group appears in place"
    assert groups[1].find_element(By.TAG_NAME, "legend").text == "第 2 组"

    # Group 2: points ≥ (nothing yet) → the count names the row.
    row = rows(groups[1])[0]
    Select(row.find_element(By.CSS_SELECTOR, "select.row-field")).select_by_value("points")
    ops = [o.get_attribute("value") for o in row.find_elements(By.CSS_SELECTOR, "select.row-op option")]
    assert "between" in ops and "contains" not in ops, f"a number's operators: {ops}"
    Select(row.find_element(By.CSS_SELECTOR, "select.row-op")).select_by_value("gte")
    problem = live_count(admin, lambda text: "尚未计数" in text)
    assert "第 2 组第 1 个条件 · 值" in problem, f"the incomplete row is named: {problem}"
    row.find_element(By.CSS_SELECTOR, "input.row-value").send_keys("1")
    # A second row in group 2: activity tier is one of silent, potential.
    groups[1].find_element(By.CSS_SELECTOR, "button.add-row").click()
    second = rows(groups[1])[1]
    assert second.find_element(By.CSS_SELECTOR, "select.row-field").get_attribute("name") == "g1.r1.field"
    Select(second.find_element(By.CSS_SELECTOR, "select.row-op")).select_by_value("in")
    choice = Select(second.find_element(By.CSS_SELECTOR, "select.row-choice"))
    choice.select_by_value("silent")
    choice.select_by_value("potential")
    time.sleep(0.6)
    counted = live_count(admin, lambda text: bool(COUNT.match(text)))
    assert COUNT.match(counted), f"the two-group rule is counted: {counted}"
    shot(admin, "segment-builder-two-groups")

    # Saved, it reads in words and opens again in the builder.
    name = form.find_element(By.ID, "name")
    name.send_keys("上海核心或有积分的新粉丝")
    click_through(admin, admin.find_element(By.ID, "save-segment"))
    assert admin.find_element(By.ID, "segment-count").text.strip() == counted
    words = admin.find_element(By.ID, "segment-rule").text
    assert "核心粉丝" in words and "上海" in words and "沉默粉丝" in words and "或" in words, words
    click_through(admin, admin.find_element(By.ID, "edit-segment"))
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "segment-form")))
    groups = form.find_elements(By.CSS_SELECTOR, "fieldset.segment-group")
    assert len(groups) == 2 and len(rows(groups[1])) == 2
    assert Select(admin.find_element(By.ID, "join")).first_selected_option.get_attribute("value") == "any"
    assert live_count(admin, lambda text: text == counted) == counted
    shot(admin, "segment-builder-editing")
