"""The fans journey, on the demo workspace the product builds for itself:
a fan who wrote on the Weibo account writes again on the Mastodon account →
the two fans are merged into one person, with both identities → their tier
shows core → the segment "上海核心粉丝" counts them → they check in and earn
points → they enter a comment-to-win lottery whose seed hash is published →
the draw is run and re-verified, on the page and with `fanfare lottery
verify` from the published seed and entrant list → an administrator exports,
then erases, their data.

Runs on its own `serve --demo` server: the demo's fans, segments and running
check-in are made by the product's own code paths.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from urllib.parse import quote
import subprocess
import tempfile
import time
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import FANFARE_BIN, HTTPClient
from test_foundation_journey import expect_signed_in_at, fill, flash_texts, submit, wait, wait_for_lang, wait_for_path
from test_publishing_journey import click_through

FAN = "小雨"
SEGMENT = "上海核心粉丝"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def sign_in(driver: WebDriver, base: str, password: str) -> None:
    driver.get(f"{base}/sign-in?next=/w/demo/fans")
    wait_for_lang(driver, "zh-Hans")
    form = driver.find_element(By.ID, "sign-in-form")
    fill(driver, form, "email", "demo@fanfare.local")
    fill(driver, form, "password", password)
    submit(form)
    expect_signed_in_at(driver, base, re.escape("/w/demo/fans"), after="signing in to the demo")


def fan_links(driver: WebDriver, base: str, name: str) -> list[str]:
    """The fans list's links to fans called `name`, found with the list's
    search (the demo's storm brings enough fans to push them off page one)."""
    driver.get(f"{base}/w/demo/fans?q={quote(name)}")
    wait(driver).until(EC.presence_of_element_located((By.ID, "fans")))
    return [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#fans tr.fan-row a") if a.text.strip() == name]


def fact(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text.strip()


def write_as_fan(driver: WebDriver, base: str, handle: str, name: str, text: str) -> None:
    """A message from a Sandbox fan, through the inbox page's own form."""
    driver.get(f"{base}/w/demo/inbox")
    details = driver.find_element(By.CSS_SELECTOR, "details#sandbox-fan")
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()
    form = wait(driver).until(EC.visibility_of_element_located((By.ID, "sandbox-fan-form")))
    Select(form.find_element(By.NAME, "account_id")).select_by_visible_text(f"@{handle}")
    fill(driver, form, "fan_name", name)
    Select(form.find_element(By.NAME, "kind")).select_by_value("direct_message")
    fill(driver, form, "text", text)
    click_through(driver, form.find_element(By.ID, "sandbox-fan-send"))
    assert "粉丝消息已发到沙盒并已拉取。" in flash_texts(driver), f"writing as {name}: {flash_texts(driver)}"


def open_activity(driver: WebDriver, base: str, title: str) -> None:
    driver.get(f"{base}/w/demo/activities")
    link = wait(driver).until(EC.presence_of_element_located((By.LINK_TEXT, title)))
    click_through(driver, link)


def enter_fan(driver: WebDriver, fan_id: str) -> str:
    form = driver.find_element(By.ID, "entry-form")
    Select(form.find_element(By.NAME, "fan_id")).select_by_value(fan_id)
    click_through(driver, form.find_element(By.ID, "enter-fan"))
    return " ".join(flash_texts(driver))


def test_a_fan_is_merged_counted_rewarded_drawn_exported_and_erased(demo_server, browser, shot):
    base = demo_server.base_url
    admin = browser
    sign_in(admin, base, demo_server.setup_link)

    # 1. The Weibo fan writes on Mastodon too: a second fan appears, as a platform would show them.
    weibo_links = fan_links(admin, base, FAN)
    assert len(weibo_links) == 1, f"the demo has one {FAN}: {weibo_links}"
    write_as_fan(admin, base, "fanfare_mastodon", FAN, "在长毛象上也关注你们啦")
    links = fan_links(admin, base, FAN)
    assert len(links) == 2, f"after writing on Mastodon there are two {FAN}: {links}"
    kept_id = re.search(UUID, weibo_links[0], re.I).group(0).lower()
    other_id = next(re.search(UUID, link, re.I).group(0).lower() for link in links if kept_id not in link.lower())

    # 2. Merged by hand into the Weibo one: one person, two identities, tier core.
    admin.get(weibo_links[0])
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "merge-form")))
    Select(form.find_element(By.NAME, "merged_fan_id")).select_by_value(other_id)
    fill(admin, form, "note", "同一位粉丝：微博与长毛象")
    click_through(admin, form.find_element(By.ID, "merge-fans"))
    assert "粉丝已合并。" in flash_texts(admin), flash_texts(admin)
    platforms = [row.find_elements(By.TAG_NAME, "td")[0].text for row in admin.find_elements(By.CSS_SELECTOR, "#identities tbody tr")]
    assert sorted(platforms) == ["Mastodon", "微博"], f"identities after the merge: {platforms}"
    assert fact(admin, "fan-tier") == "核心粉丝", f"the merged fan's tier: {fact(admin, 'fan-tier')}"
    assert len(admin.find_elements(By.CSS_SELECTOR, "#merges li.merge")) == 1
    assert len(fan_links(admin, base, FAN)) == 1, "the merged fan is one person in the list"
    shot(admin, "fans-merged")

    # 3. The segment counts them.
    admin.get(f"{base}/w/demo/segments")
    click_through(admin, wait(admin).until(EC.presence_of_element_located((By.LINK_TEXT, SEGMENT))))
    assert fact(admin, "segment-count") == "匹配 1 位粉丝", fact(admin, "segment-count")
    members = [a.text for a in admin.find_elements(By.CSS_SELECTOR, "#segment-members tr.member-row a")]
    assert members == [FAN], f"members of {SEGMENT}: {members}"

    # 4. They check in and earn points.
    admin.get(f"{base}/w/demo/fans/{kept_id}")
    points_before = int(fact(admin, "fan-points"))
    privileges = fact(admin, "fan-privileges")
    assert "签到奖励" in privileges, f"the level's privileges (check_in_rewards), which let a check-in pay: {privileges}"
    open_activity(admin, base, "每日签到")
    notice = enter_fan(admin, kept_id)
    assert "已参与，获得 5 积分。" in notice, f"checking in: {notice}"
    admin.get(f"{base}/w/demo/fans/{kept_id}")
    assert int(fact(admin, "fan-points")) == points_before + 5
    assert fact(admin, "fan-streak") == "1"
    shot(admin, "fans-checked-in")
    open_activity(admin, base, "每日签到")
    # The refusal is written in the reader's language (a coded message): this page is Chinese.
    assert "今天已签到" in enter_fan(admin, kept_id), "a second check-in the same day pays nothing"

    # 5. A comment-to-win lottery: its seed hash is public before anyone enters.
    zone = ZoneInfo("Asia/Shanghai")
    close = (dt.datetime.now(zone) + dt.timedelta(seconds=75)).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    admin.get(f"{base}/w/demo/activities")
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "activity-form")))
    Select(form.find_element(By.NAME, "kind")).select_by_value("lottery")
    fill(admin, form, "title", "评论抽奖：春季新品")
    admin.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "ends_at"), close.strftime("%Y-%m-%dT%H:%M"))
    fill(admin, form, "prize", "春季新品一件")
    fill(admin, form, "winners", "1")
    click_through(admin, form.find_element(By.ID, "create-activity"))
    seed_hash = fact(admin, "seed-hash")
    assert re.fullmatch(r"[0-9a-f]{64}", seed_hash), f"the seed hash is published: {seed_hash!r}"
    assert fact(admin, "seed") == "开奖后公布"
    click_through(admin, admin.find_element(By.ID, "move-open"))
    assert "已参与" in enter_fan(admin, kept_id)
    shot(admin, "fans-lottery-open")

    # 5b. While entries are open: a meet-up reserved for `meetup` holders turns
    # the core fan away, naming the level that grants it.
    admin.get(f"{base}/w/demo/activities")
    form = wait(admin).until(EC.presence_of_element_located((By.ID, "activity-form")))
    Select(form.find_element(By.NAME, "kind")).select_by_value("sign_up")
    fill(admin, form, "title", "粉丝见面会")
    tomorrow = dt.datetime.now(zone) + dt.timedelta(days=1)
    admin.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "ends_at"), tomorrow.strftime("%Y-%m-%dT%H:%M"))
    Select(form.find_element(By.NAME, "privilege")).select_by_value("meetup")
    fill(admin, form, "venue", "上海静安店")
    fill(admin, form, "places", "2")
    click_through(admin, form.find_element(By.ID, "create-activity"))
    reserved = admin.find_element(By.ID, "reserved-for")
    assert reserved.get_attribute("data-privilege") == "meetup" and "粉丝见面会" in reserved.text, reserved.text
    assert admin.find_element(By.ID, "places-left").get_attribute("data-left") == "2"
    click_through(admin, admin.find_element(By.ID, "move-open"))
    refused = enter_fan(admin, kept_id)
    assert "仅限拥有 meetup 权益的粉丝参与：需等级 4 及以上" in refused, f"a fan below the level: {refused}"
    assert admin.find_element(By.ID, "places-left").get_attribute("data-left") == "2", "a refused fan takes no place"
    shot(admin, "fans-meetup-reserved")
    open_activity(admin, base, "评论抽奖：春季新品")

    # 6. Entries close, the draw runs, and it is re-verified from its seed.
    time.sleep(max(0.0, (close - dt.datetime.now(zone)).total_seconds() + 1))
    admin.refresh()
    click_through(admin, wait(admin).until(EC.element_to_be_clickable((By.ID, "move-closed"))))
    click_through(admin, wait(admin).until(EC.element_to_be_clickable((By.ID, "move-drawn"))))
    assert fact(admin, "activity-status") == "已开奖"
    verification = admin.find_element(By.ID, "verification")
    assert verification.get_attribute("data-outcome") == "ok", verification.text
    seed = fact(admin, "seed")
    entrants = fact(admin, "entrants").split()
    winners = fact(admin, "winners").split()
    assert len(entrants) == 1 and winners == entrants
    shot(admin, "fans-lottery-drawn")
    with tempfile.TemporaryDirectory() as work:
        entrant_file, claimed_file = os.path.join(work, "entrants"), os.path.join(work, "claimed")
        with open(entrant_file, "w") as f:
            f.write("\n".join(entrants) + "\n")
        with open(claimed_file, "w") as f:
            f.write("\n".join(winners) + "\n")
        rerun = subprocess.run(
            [str(FANFARE_BIN), "lottery", "verify", "--seed", seed, "--seed-hash", seed_hash, "--entrants", entrant_file,
             "--winners", "1", "--claimed", claimed_file], capture_output=True, text=True, timeout=30)
    assert rerun.returncode == 0, f"fanfare lottery verify: {rerun.stdout} {rerun.stderr}"
    assert json.loads(rerun.stdout)["outcome"] == "ok"

    # 7. The administrator exports, then erases, their data.
    http_client = HTTPClient(base)
    http_client.copy_cookies_from(admin)
    exported = http_client.get(f"/w/demo/fans/{kept_id}/export")
    assert exported.status == 200, exported.status
    document = json.loads(exported.body)
    assert document["fan"]["display_name"] == FAN and len(document["fan"]["identities"]) == 2
    assert any(m["text"] == "在长毛象上也关注你们啦" for m in document["messages"])
    admin.get(f"{base}/w/demo/fans/{kept_id}")
    form = admin.find_element(By.ID, "erase-form")
    form.find_element(By.ID, "erase-confirm").click()
    click_through(admin, form.find_element(By.ID, "erase-fan"))
    assert "粉丝的个人数据已删除。" in flash_texts(admin), flash_texts(admin)
    assert admin.find_element(By.ID, "fan-erased").is_displayed()
    assert FAN not in fact(admin, "fan-name")
    assert admin.find_elements(By.CSS_SELECTOR, "#identities tbody tr") == []
    shot(admin, "fans-erased")
