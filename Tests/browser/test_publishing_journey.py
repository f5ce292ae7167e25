"""The publishing journey: compose a post for Weibo and Mastodon → the Weibo
variant shows the rule it breaks → fix it → submit → a reviewer approves,
legal approves → schedule it → it is on the calendar → the worker publishes
it to the Sandbox → the post shows published, with the platform's link, and
its metrics.

Three people in three browsers: the administrator (through the one-time setup
link), a reviewer and a legal reviewer (each through their own invitation
link). Both accounts are Sandbox accounts, one following Weibo's content
rules and one Mastodon's, so publishing needs no network.

Runs on its own server: the journey starts at the one-time setup link, which
the session server's ``fanfare`` has already used up when the foundation
journey ran before it.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from conftest import HTTPClient
from steps import join_by_invitation, set_up_first_administrator
from test_foundation_journey import check_no_raw_markup, fill, flash_texts, nav_links, wait, wait_for_path

ADMIN = ("admin@fanfare.test", "王管理 Admin", "correct horse battery")
REVIEWER = ("reviewer@fanfare.test", "赵审核 Reviewer", "review-the-copy-77")
LEGAL = ("legal@fanfare.test", "钱法务 Legal", "read-the-fine-print-31")
WORKSPACE = "品牌丙 Gamma"
WEIBO_HANDLE = "gamma_weibo"
MASTODON_HANDLE = "gamma_mastodon"
TITLE = "春季新品预告"
TAGS = "新品"
# 200 full-width characters: 200 汉字 units for Weibo (limit 140), 200
# characters for Mastodon (limit 500).
_SENTENCES = ("春天来了，我们的新品咖啡豆今天正式上市。这款豆子来自云南高山产区，经过三个月的烘焙测试，"
              "口感柔和，带有淡淡的花香和坚果的甜味。欢迎到门店免费试饮，也可以在小程序预约，首批限量供应，"
              "售完即止。")
BODY = (_SENTENCES * 3)[:200]
WEIBO_FIX = BODY[:100]  # 100 units: well inside Weibo's 140
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
PUBLISH_TIMEOUT = 60


# --------------------------------------------------------------------------
# Helpers


def click_through(driver: WebDriver, element: WebElement, timeout: float = 20) -> None:
    """Clicks a link or a submit button and waits until the next page has
    loaded (the old document is gone and the new one is complete); fails if
    that page is an error page. While the page is being replaced,
    chromedriver may answer with transient errors; they are waited out."""
    old = driver.find_element(By.TAG_NAME, "html")
    where = re.sub(r"^https?://[^/]+", "", driver.current_url)
    action = f"clicking {element_label(element)} on {where}"
    element.click()
    deadline = time.monotonic() + timeout
    while True:
        try:
            old.tag_name  # raises once the old document is gone
        except StaleElementReferenceException:
            break
        except WebDriverException:
            pass  # navigating
        if time.monotonic() > deadline:
            raise AssertionError(f"{action} did not load a new page")
        time.sleep(0.1)
    while True:
        try:
            if driver.execute_script("return document.readyState") == "complete":
                break
        except WebDriverException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the page after {driver.current_url} did not finish loading")
        time.sleep(0.1)
    # Nothing in this journey should end on an error page: say so plainly.
    status = driver.find_elements(By.CSS_SELECTOR, "main h1 small.muted")
    if status and re.fullmatch(r"[45]\d\d", status[0].text.strip()):
        raise AssertionError(f"{action} ended on the server's {status[0].text.strip()} page at {driver.current_url}: "
                             f"{driver.find_element(By.ID, 'main').text.strip()!r}")


def element_label(element: WebElement) -> str:
    try:
        return f"<{element.tag_name} id={element.get_attribute('id')!r}> {element.text.strip()!r}"
    except WebDriverException:
        return "an element"


def open_nav(driver: WebDriver, base: str, path: str) -> None:
    """Follows the primary navigation's link to `path`, as a person would."""
    links = nav_links(driver)
    assert path in links, f"no navigation link to {path} on {driver.current_url}; links: {links}"
    link = driver.find_element(By.CSS_SELECTOR, f'header nav.primary a[href$="{path}"]')
    click_through(driver, link)
    wait_for_path(driver, base, re.escape(path) + r"(\?.*)?")


def status_text(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "post-status").text.strip()


def variant_card(driver: WebDriver, platform: str) -> WebElement:
    cards = driver.find_elements(By.CSS_SELECTOR, f'#variants article.variant[data-platform="{platform}"]')
    assert len(cards) == 1, f"expected one {platform} variant on {driver.current_url}, found {len(cards)}"
    return cards[0]


def violations(card: WebElement, severity: str | None = None) -> list[tuple[str, str]]:
    """(data-rule, text) of the violations listed on a variant card or a counter."""
    css = "li.violation" + (f".{severity}" if severity else "")
    return [(li.get_attribute("data-rule"), li.text.strip()) for li in card.find_elements(By.CSS_SELECTOR, css)]


def counters(driver: WebDriver) -> dict[str, WebElement]:
    return {c.get_attribute("data-platform"): c for c in driver.find_elements(By.CSS_SELECTOR, "#counters .counter")}


def counter_numbers(counter: WebElement) -> tuple[int, int | None]:
    """`length / limit` as the counter shows them."""
    text = counter.find_element(By.CSS_SELECTOR, ".count").text.strip()
    match = re.fullmatch(r"(\d+)(?:\s*/\s*(\d+))?", text)
    assert match, f"counter for {counter.get_attribute('data-platform')} shows {text!r}, not 'length / limit'"
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def post_page(driver: WebDriver, base: str, slug: str, post_id: str) -> None:
    driver.get(f"{base}/w/{slug}/posts/{post_id}")
    wait(driver).until(EC.presence_of_element_located((By.ID, "post-status")))


def review_history(driver: WebDriver) -> list[str]:
    """The decisions of the review history, oldest first."""
    items = driver.find_elements(By.CSS_SELECTOR, "#review ol.history > li")
    return [li.get_attribute("data-decision") for li in reversed(items)]


def csrf_token(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "input[name=csrf_token]").get_attribute("value")


def invite(admin: WebDriver, base: str, slug: str, role: str) -> str:
    """Creates an invitation on the members page; returns its link."""
    admin.get(f"{base}/w/{slug}/members")
    form = admin.find_element(By.ID, "invite-form")
    Select(form.find_element(By.ID, "invite-role")).select_by_value(role)
    click_through(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    link = wait(admin).until(EC.visibility_of_element_located((By.ID, "invitation-link"))).get_attribute("value")
    assert re.fullmatch(re.escape(base) + r"/invitations/[A-Za-z0-9_\-]+", link), link
    return link


def connect_sandbox(admin: WebDriver, base: str, slug: str, handle: str, name: str, simulates: str) -> None:
    admin.get(f"{base}/w/{slug}/accounts")
    form = admin.find_element(By.ID, "connect-account-form")
    assert form.find_element(By.NAME, "platform").get_attribute("value") == "sandbox"
    fill(admin, form, "handle", handle)
    fill(admin, form, "display_name", name)
    Select(form.find_element(By.NAME, "simulates")).select_by_value(simulates)
    click_through(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(admin, base, re.escape(f"/w/{slug}/accounts"))
    assert f"{name} 已连接。" in flash_texts(admin), f"connecting {handle}: notices {flash_texts(admin)}"


def wait_until_published(driver: WebDriver, base: str, slug: str, post_id: str) -> float:
    """Reloads the post page until it says published; returns the seconds it took."""
    start = time.monotonic()
    seen = []
    while True:
        post_page(driver, base, slug, post_id)
        status = status_text(driver)
        states = {c.get_attribute("data-platform"): c.get_attribute("data-state")
                  for c in driver.find_elements(By.CSS_SELECTOR, "#variants article.variant")}
        if not seen or seen[-1] != (status, states):
            seen.append((status, states))
        if status == "已发布":
            return time.monotonic() - start
        if status == "发布失败" or "failed" in states.values() or "hand_off" in states.values():
            errors = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "#variants .variant-error")]
            raise AssertionError(f"publishing to the Sandbox did not succeed: status {status!r}, variants {states}, "
                                 f"errors {errors}")
        if time.monotonic() - start > PUBLISH_TIMEOUT:
            raise AssertionError(f"the post was not published within {PUBLISH_TIMEOUT} s; states seen: {seen}")
        time.sleep(2)


# --------------------------------------------------------------------------
# The journey


def test_publishing_journey(own_server, new_browser, shot, soft):
    server = own_server
    base = server.base_url

    # 1. The administrator sets Fanfare up and creates the workspace.
    admin, slug = set_up_first_administrator(new_browser, server, ADMIN, WORKSPACE)

    # 2. A reviewer and a legal reviewer join, each in their own browser.
    reviewer_link = invite(admin, base, slug, "reviewer")
    legal_link = invite(admin, base, slug, "legal")
    reviewer = join_by_invitation(new_browser, base, slug, reviewer_link, REVIEWER, "审核员", "reviewer",
                                  workspace=WORKSPACE)
    legal = join_by_invitation(new_browser, base, slug, legal_link, LEGAL, "法务", "legal", workspace=WORKSPACE)
    admin.get(f"{base}/w/{slug}/members")
    emails = [r.get_attribute("data-email") for r in admin.find_elements(By.CSS_SELECTOR, "#member-list tbody tr")]
    assert sorted(emails) == sorted([ADMIN[0], REVIEWER[0], LEGAL[0]]), emails

    # 3. Two Sandbox accounts: one follows Weibo's rules, one Mastodon's.
    connect_sandbox(admin, base, slug, WEIBO_HANDLE, "丙 微博", "weibo")
    connect_sandbox(admin, base, slug, MASTODON_HANDLE, "Gamma Mastodon", "mastodon")
    rows = {r.get_attribute("data-handle"): r.text for r in admin.find_elements(By.CSS_SELECTOR, "#account-list tbody tr")}
    assert set(rows) == {WEIBO_HANDLE, MASTODON_HANDLE}, rows
    soft.check("微博" in rows[WEIBO_HANDLE],
               f"accounts page: the Weibo-simulating account does not say so: {rows[WEIBO_HANDLE]!r}")
    soft.check("Mastodon" in rows[MASTODON_HANDLE].replace("Gamma Mastodon", ""),
               f"accounts page: the Mastodon-simulating account does not say so: {rows[MASTODON_HANDLE]!r}")
    check_no_raw_markup(soft, admin, "accounts page")
    shot(admin, "publishing-01-accounts")

    # 4. Compose: one text for both accounts; the live counters show that it
    #    is too long for Weibo (140 汉字) but fine for Mastodon (500).
    open_nav(admin, base, f"/w/{slug}/posts")
    click_through(admin, admin.find_element(By.ID, "new-post"))
    wait_for_path(admin, base, re.escape(f"/w/{slug}/posts/new"))
    compose = admin.find_element(By.ID, "compose-form")
    fill(admin, compose, "title", TITLE)
    fill(admin, compose, "tags", TAGS)
    boxes = {b.get_attribute("data-handle"): b for b in compose.find_elements(By.NAME, "account_ids[]")}
    assert set(boxes) == {WEIBO_HANDLE, MASTODON_HANDLE}, boxes
    assert boxes[WEIBO_HANDLE].get_attribute("data-platform") == "weibo"
    assert boxes[MASTODON_HANDLE].get_attribute("data-platform") == "mastodon"
    for box in boxes.values():
        box.click()
    # 4a. Sensitive words are highlighted as they are typed, even when
    #     spaces and an emoji are slipped between the characters.
    body_field = compose.find_element(By.ID, "body")
    body_field.send_keys("我们是国 ♥ 家级品牌")
    try:
        wait(admin).until(lambda d: [m.text for m in d.find_elements(By.CSS_SELECTOR, "#sensitive mark.hit.block")] == ["国 ♥ 家级"])
    except TimeoutException:
        raise AssertionError(f"the compose page did not highlight the Advertising-Law term: "
                             f"{admin.find_element(By.ID, 'sensitive').text!r}") from None
    assert "国家级" in admin.find_element(By.CSS_SELECTOR, "#sensitive li.hit.block").text
    shot(admin, "publishing-02a-compose-sensitive")
    body_field.clear()
    body_field.send_keys(BODY)
    wait(admin).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "#sensitive mark.hit"))
    try:
        wait(admin).until(lambda d: set(counters(d)) == {"weibo", "mastodon"}
                          and counter_numbers(counters(d)["mastodon"])[0] >= len(BODY))
    except TimeoutException:
        raise AssertionError(f"the live counters did not show both accounts for the whole text: "
                             f"{[c.text for c in counters(admin).values()]}") from None
    shot(admin, "publishing-02-compose-counters")
    weibo, mastodon = counters(admin)["weibo"], counters(admin)["mastodon"]
    weibo_length, weibo_limit = counter_numbers(weibo)
    mastodon_length, mastodon_limit = counter_numbers(mastodon)
    assert weibo_limit == 140 and mastodon_limit == 500, (weibo_limit, mastodon_limit)
    assert "over" in weibo.get_attribute("class").split() and weibo_length > 140 and \
        any(rule == "text.too_long" for rule, _ in violations(weibo, "error")), (
        f"compose page: a {len(BODY)}-汉字 text for Weibo (limit 140) should be shown over the limit with a "
        f"text.too_long error, but the Weibo counter shows {weibo_length} / {weibo_limit}, "
        f"class {weibo.get_attribute('class')!r}, violations {violations(weibo)}")
    assert "over" not in mastodon.get_attribute("class").split(), f"Mastodon counter: {mastodon.text!r}"
    assert violations(mastodon, "error") == [], f"Mastodon counter: {violations(mastodon)}"
    assert mastodon_length <= 500

    # Save the draft: the post's own page.
    form_bytes = admin.execute_script("return new URLSearchParams(new FormData(arguments[0])).toString().length",
                                      compose)
    try:
        click_through(admin, admin.find_element(By.ID, "save-post"))
    except AssertionError as error:
        raise AssertionError(f"{error}\n(saving a {len(BODY)}-character post: the compose form sent about "
                             f"{form_bytes} bytes, form-encoded)") from None
    post_id = wait_for_path(admin, base, re.escape(f"/w/{slug}/posts/") + f"({UUID})").group(1)
    soft.check("内容已保存。" in flash_texts(admin), f"after saving the draft: notices {flash_texts(admin)}")
    assert status_text(admin) == "草稿"
    assert admin.find_element(By.CSS_SELECTOR, "main h1").text.strip() == TITLE

    # 5. The Weibo variant shows the rule it breaks, the Mastodon one is fine.
    weibo_card, mastodon_card = variant_card(admin, "weibo"), variant_card(admin, "mastodon")
    assert any(rule == "text.too_long" for rule, _ in violations(weibo_card, "error")), (
        f"post page: the Weibo variant should list text.too_long; it lists {violations(weibo_card)}")
    assert violations(mastodon_card, "error") == [], violations(mastodon_card)
    assert mastodon_card.find_elements(By.CSS_SELECTOR, "p.ok")
    soft.check("#新品#" in weibo_card.find_element(By.CSS_SELECTOR, ".variant-text").text,
               "Weibo variant: the hashtag is not written Weibo's way (#新品#)")
    mastodon_text = mastodon_card.find_element(By.CSS_SELECTOR, ".variant-text").text
    soft.check(BODY in mastodon_text and "#新品" in mastodon_text and "#新品#" not in mastodon_text,
               f"Mastodon variant: not the whole text with an inline #新品: {mastodon_text!r}")
    fix = weibo_card.find_element(By.CSS_SELECTOR, "details.fix")
    assert fix.get_attribute("open") is not None, "the fix form of the broken Weibo variant should be open"
    assert mastodon_card.find_element(By.CSS_SELECTOR, "details.fix").get_attribute("open") is None
    check_no_raw_markup(soft, admin, "post page with a broken variant")
    shot(admin, "publishing-03-post-weibo-violation")

    # Fix it: a shorter Weibo text, in the variant's own form. The form
    # offers a shortened version; it should keep the topic, which carries reach.
    text = fix.find_element(By.NAME, "text")
    suggested = text.get_attribute("value")
    if fix.find_elements(By.CSS_SELECTOR, "small.hint"):
        soft.check("#新品#" in suggested, f"post page: the shortened Weibo text the fix form offers drops the topic "
                                         f"#新品#: it ends {suggested[-24:]!r}")
    text.clear()
    text.send_keys(WEIBO_FIX + "\n\n#新品#")
    click_through(admin, fix.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_path(admin, base, re.escape(f"/w/{slug}/posts/{post_id}"))
    soft.check(any("版本已保存" in t for t in flash_texts(admin)), f"after saving the variant: notices {flash_texts(admin)}")
    fragment = admin.current_url.partition("#")[2]
    soft.check(fragment and admin.find_elements(By.ID, fragment),
               f"after saving the variant the page goes to #{fragment}, which is no element of the page "
               f"(the variants were written anew with new ids), so the browser does not scroll back to the variant")
    weibo_card, mastodon_card = variant_card(admin, "weibo"), variant_card(admin, "mastodon")
    assert violations(weibo_card, "error") == [], f"the fixed Weibo variant still breaks {violations(weibo_card)}"
    assert weibo_card.find_elements(By.CSS_SELECTOR, "p.ok"), "the fixed Weibo variant does not say it fits"
    assert WEIBO_FIX in weibo_card.find_element(By.CSS_SELECTOR, ".variant-text").text
    assert BODY in mastodon_card.find_element(By.CSS_SELECTOR, ".variant-text").text, \
        "fixing the Weibo variant changed the Mastodon variant"
    assert status_text(admin) == "草稿"

    # 6. Submit: the automatic check passes, the editorial step is next.
    click_through(admin, admin.find_element(By.ID, "submit-post"))
    soft.check("内容已进入审核。" in flash_texts(admin), f"after submitting: notices {flash_texts(admin)}")
    assert status_text(admin) == "审核中"
    assert review_history(admin) == ["submitted", "auto_passed"], review_history(admin)
    current = admin.find_element(By.CSS_SELECTOR, "#review ol.chain li.current").text
    assert "审核员" in current, f"the current review step should be the editorial one: {current!r}"
    # The administrator submitted it and so cannot approve it.
    soft.check(not admin.find_elements(By.ID, "approve"),
               "post page: the submitter (an administrator) is offered Approve on the editorial step, "
               "which the server then refuses (the submitter cannot approve)")
    if admin.find_elements(By.ID, "approve"):
        click_through(admin, admin.find_element(By.ID, "approve"))
        assert status_text(admin) == "审核中", "the submitter's own approval was accepted"
        assert admin.find_elements(By.CSS_SELECTOR, "main .flash-error"), "the submitter's approval was refused silently"
        assert review_history(admin) == ["submitted", "auto_passed"], review_history(admin)
    shot(admin, "publishing-04-submitted")

    # 7. The reviewer finds the post among those in review and approves it.
    open_nav(reviewer, base, f"/w/{slug}/posts")
    row = reviewer.find_element(By.CSS_SELECTOR, '#post-list tr[data-status="in_review"]')
    click_through(reviewer, row.find_element(By.TAG_NAME, "a"))
    wait_for_path(reviewer, base, re.escape(f"/w/{slug}/posts/{post_id}"))
    assert reviewer.find_elements(By.CSS_SELECTOR, "#review-form"), "the reviewer is not offered the review form"
    assert not reviewer.find_elements(By.ID, "schedule-form")
    reviewer.find_element(By.ID, "comment").send_keys("文案没问题，微博版本已缩短。")
    click_through(reviewer, reviewer.find_element(By.ID, "approve"))
    soft.check("你已通过这一级审核。" in flash_texts(reviewer), f"reviewer after approving: notices {flash_texts(reviewer)}")
    assert status_text(reviewer) == "审核中"  # legal is next
    assert not reviewer.find_elements(By.ID, "review-form"), "the reviewer is offered the legal step too"
    assert "法务" in reviewer.find_element(By.CSS_SELECTOR, "#review ol.chain li.current").text
    shot(reviewer, "publishing-05-reviewer-approved")

    # 8. Legal approves: the post is approved.
    post_page(legal, base, slug, post_id)
    assert legal.find_elements(By.ID, "review-form"), "legal is not offered the review form"
    click_through(legal, legal.find_element(By.ID, "approve"))
    soft.check("你已通过这一级审核。" in flash_texts(legal), f"legal after approving: notices {flash_texts(legal)}")
    assert status_text(legal) == "已通过"
    assert review_history(legal) == ["submitted", "auto_passed", "approved", "approved"], review_history(legal)
    assert not legal.find_elements(By.ID, "schedule-form"), "legal may not schedule, yet is offered the form"
    shot(legal, "publishing-06-legal-approved")

    # The reviewer may not schedule it either (exact status, not only a hidden form).
    post_page(reviewer, base, slug, post_id)
    assert not reviewer.find_elements(By.ID, "schedule-form")
    as_reviewer = HTTPClient(base)
    as_reviewer.copy_cookies_from(reviewer)
    refused = as_reviewer.post(f"/w/{slug}/posts/{post_id}/schedule",
                               {"csrf_token": csrf_token(reviewer), "scheduled_at": "2030-01-01T10:00"})
    assert refused.status == 403, f"a reviewer scheduling a post: expected 403, got {refused.status}"

    # 9. The administrator schedules it two minutes ahead, in the workspace's time zone.
    post_page(admin, base, slug, post_id)
    schedule = admin.find_element(By.ID, "schedule-form")
    zone_label = schedule.find_element(By.CSS_SELECTOR, "label[for=scheduled_at] .muted").text.strip()
    assert zone_label == "(Asia/Shanghai)", zone_label
    field = schedule.find_element(By.ID, "scheduled_at")
    assert field.get_attribute("type") == "datetime-local"
    when = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    # Typing into a datetime-local field depends on the browser's locale
    # format; set the value as the picker would.
    admin.execute_script("arguments[0].value = arguments[1];"
                         "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                         "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                         field, when.strftime("%Y-%m-%dT%H:%M"))
    click_through(admin, schedule.find_element(By.ID, "schedule-post"))
    assert "内容已排期。" in flash_texts(admin), f"after scheduling: notices {flash_texts(admin)}"
    assert status_text(admin) == "已排期"
    assert admin.find_element(By.ID, "scheduled_at").get_attribute("value") == when.strftime("%Y-%m-%dT%H:%M")
    states = {c.get_attribute("data-platform"): c.get_attribute("data-state")
              for c in admin.find_elements(By.CSS_SELECTOR, "#variants article.variant")}
    assert states == {"weibo": "queued", "mastodon": "queued"}, states
    assert admin.find_elements(By.ID, "unschedule-post")
    shot(admin, "publishing-07-scheduled")

    # 10. It is on the calendar, at that time, once per account.
    open_nav(admin, base, f"/w/{slug}/calendar")
    if not admin.find_elements(By.CSS_SELECTOR, f'td.day[data-day="{when.date().isoformat()}"]'):
        admin.get(f"{base}/w/{slug}/calendar?date={when.date().isoformat()}")  # the new week began meanwhile
    entries = admin.find_elements(By.CSS_SELECTOR, f'#calendar li.entry[data-post="{post_id}"]')
    assert len(entries) == 2, f"calendar: expected the post once per account, found {len(entries)} entries"
    for entry in entries:
        assert entry.get_attribute("data-time") == when.strftime("%H:%M"), entry.get_attribute("data-time")
        day = entry.find_element(By.XPATH, "ancestor::td[1]").get_attribute("data-day")
        assert day == when.date().isoformat(), f"calendar: the post is on {day}, scheduled for {when.date()}"
        assert "state-queued" in entry.get_attribute("class").split()
        soft.check(entry.get_attribute("draggable") == "true", "calendar: a scheduled entry cannot be dragged")
    labels = {e.text for e in entries}
    assert all(TITLE in label for label in labels), labels
    assert {re.search(r"@(\S+)", label).group(1) for label in labels} == {WEIBO_HANDLE, MASTODON_HANDLE}, labels
    check_no_raw_markup(soft, admin, "calendar")
    shot(admin, "publishing-08-calendar")

    # 11. Rather than wait the two minutes: publish now. The in-process
    #     worker publishes to the Sandbox within a few seconds.
    post_page(admin, base, slug, post_id)
    assert status_text(admin) == "已排期", "the post changed before its time"
    click_through(admin, admin.find_element(By.ID, "publish-now"))
    soft.check("内容正在发布。" in flash_texts(admin), f"after publish now: notices {flash_texts(admin)}")
    took = wait_until_published(admin, base, slug, post_id)
    print(f"published {took:.1f} s after 'publish now'")

    # 12. Published, with the platform's link on each variant: a Sandbox
    #     post's page is served by Fanfare itself.
    hrefs = {}
    for platform, handle in (("weibo", WEIBO_HANDLE), ("mastodon", MASTODON_HANDLE)):
        card = variant_card(admin, platform)
        assert card.get_attribute("data-state") == "published", (platform, card.get_attribute("data-state"))
        links = card.find_elements(By.CSS_SELECTOR, "a.platform-link")
        assert len(links) == 1, f"{platform} variant: {len(links)} platform links"
        href = links[0].get_attribute("href")
        assert re.fullmatch(re.escape(base) + r"/sandbox/@" + re.escape(handle) + r"/sbx_[A-Za-z0-9_]+", href), href
        assert links[0].text.strip() == "在平台上查看"
        hrefs[platform] = href
    assert not admin.find_elements(By.ID, "submit-post") and not admin.find_elements(By.ID, "edit-post")
    assert not admin.find_elements(By.ID, "schedule-form")
    shot(admin, "publishing-09-published")
    admin.get(hrefs["weibo"])
    page = wait(admin).until(EC.presence_of_element_located((By.ID, "sandbox-post")))
    assert admin.find_element(By.ID, "sandbox-text").text.strip(), "the Sandbox page shows the post's text"
    tiles = admin.find_elements(By.CSS_SELECTOR, "#sandbox-metrics .tile")
    assert [t.get_attribute("data-metric") for t in tiles] == ["impressions", "likes", "comments", "shares"], page.text
    shot(admin, "publishing-09b-sandbox-page")
    post_page(admin, base, slug, post_id)

    # 13. Its metrics: the latest snapshot, now and a little later.
    for attempt in range(2):
        click_through(admin, admin.find_element(By.ID, "refresh-metrics"))
        assert "数据已更新。" in flash_texts(admin), f"after refreshing the metrics: notices {flash_texts(admin)}"
        for platform in ("weibo", "mastodon"):
            rows = variant_card(admin, platform).find_elements(By.CSS_SELECTOR, 'table.metrics tr[data-label="latest"]')
            assert len(rows) == 1, f"{platform} variant: {len(rows)} 'latest' metrics rows"
            cells = [td.text.strip() for td in rows[0].find_elements(By.TAG_NAME, "td")]
            assert len(cells) == 4 and all(re.fullmatch(r"[\d,.]+(万|亿|K|M)?|—", c) for c in cells), (platform, cells)
            print(f"metrics of the {platform} variant ({'now' if attempt == 0 else 'later'}): {cells}")
        if attempt == 0:
            time.sleep(5)
    shot(admin, "publishing-10-metrics")

    # The post list and the calendar agree.
    open_nav(admin, base, f"/w/{slug}/posts")
    assert [r.get_attribute("data-status") for r in admin.find_elements(By.CSS_SELECTOR, "#post-list tbody tr")] == ["published"]
    admin.get(f"{base}/w/{slug}/calendar?date={datetime.now(ZoneInfo('Asia/Shanghai')).date().isoformat()}")
    published = admin.find_elements(By.CSS_SELECTOR, f'#calendar li.entry.state-published[data-post="{post_id}"]')
    soft.check(len(published) == 2, f"calendar after publishing: {len(published)} published entries for the post, expected 2")

    soft.assert_all()
