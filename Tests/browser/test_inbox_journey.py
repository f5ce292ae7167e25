"""The inbox journey: a Sandbox account is connected → a reply template and a
routing rule are set up → fans write (through the inbox page's "write as a
Sandbox fan" form, in a second browser) → their conversations appear live in
the administrator's inbox, analysed → the FAQ question is answered
automatically → the complaint waits for an agent until its service-level
badge turns amber, and the agent answers it from a template, filling in the
order number → a suggestion becomes a feedback ticket, which is closed with a
notice that reaches the fan.

Two browsers, one person: the administrator works the inbox in one and, signed
in again in the other, speaks as the Sandbox fans, so the first one sees the
messages arrive without reloading.

Runs on its own server: the journey starts at the one-time setup link, which
the session server's ``fanfare`` has already used up when the foundation
journey ran before it.
"""

from __future__ import annotations

import re
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from steps import set_up_first_administrator
from test_foundation_journey import (check_no_raw_markup, expect_signed_in_at, fill, flash_texts, submit, wait,
                                     wait_for_lang, wait_for_path)
from test_publishing_journey import click_through, connect_sandbox

ADMIN = ("admin@fanfare.test", "王管理 Admin", "correct horse battery")
WORKSPACE = "品牌丁 Delta"
HANDLE = "delta_weibo"
ACCOUNT_NAME = "丁 微博"

FAQ_TEMPLATE = ("补货时间", "faq.features", "{fan_name} 你好，春季新品每周一补货。")
FAQ_RULE = ("补货问题自动回复", ["补货"], ["question"])
APOLOGY_TEMPLATE = ("发货延迟致歉", "crisis.apology", "{fan_name} 您好，非常抱歉，订单 {order_id} 我们马上处理。")

QUESTION = ("小雨", "请问春季新品什么时候补货？")
COMPLAINT = ("阿杰", "发货太慢了，等了两周还没到，非常失望，差评！")
SUGGESTION = ("晴天", "建议出一个深蓝色款，希望下季能看到")
ORDER_ID = "A1029"
INTERNAL_NOTE = "这位粉丝上周投诉过一次物流，下次先道歉再给单号"
CLOSING_NOTE = "深蓝色款已排进下季新品，谢谢你的建议！"

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
LIVE_TIMEOUT = 20       # a fan's message in the open inbox, over server-sent events
AUTO_REPLY_TIMEOUT = 30  # the job worker sends a reply within a second or two
AMBER_TIMEOUT = 90      # first response 1 minute, warning at 50 %: amber after ~30 s
SENT_TIMEOUT = 20


# --------------------------------------------------------------------------
# Helpers


def sign_in(driver: WebDriver, base: str, email: str, password: str, next_path: str) -> None:
    driver.get(f"{base}/sign-in?next={next_path}")
    wait_for_lang(driver, "zh-Hans")
    form = driver.find_element(By.ID, "sign-in-form")
    fill(driver, form, "email", email)
    fill(driver, form, "password", password)
    submit(form)
    expect_signed_in_at(driver, base, re.escape(next_path), after="signing in again in a second browser")


def write_as_fan(fan: WebDriver, base: str, slug: str, name: str, text: str) -> None:
    """Posts a message as a Sandbox fan through the inbox page's own form."""
    fan.get(f"{base}/w/{slug}/inbox")
    details = fan.find_element(By.CSS_SELECTOR, "details#sandbox-fan")
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()
    form = wait(fan).until(EC.visibility_of_element_located((By.ID, "sandbox-fan-form")))
    accounts = Select(form.find_element(By.NAME, "account_id"))
    assert [o.text.strip() for o in accounts.options] == [f"@{HANDLE}"], \
        f"the fan form offers {[o.text for o in accounts.options]}, expected only the Sandbox account @{HANDLE}"
    fill(fan, form, "fan_name", name)
    Select(form.find_element(By.NAME, "kind")).select_by_value("direct_message")
    fill(fan, form, "text", text)
    click_through(fan, form.find_element(By.ID, "sandbox-fan-send"))
    wait_for_path(fan, base, re.escape(f"/w/{slug}/inbox") + r"(\?.*)?")
    errors = [p.text for p in fan.find_elements(By.CSS_SELECTOR, "main .flash-error")]
    assert not errors, f"writing as the fan {name}: {errors}"
    assert "粉丝消息已发到沙盒并已拉取。" in flash_texts(fan), f"writing as the fan {name}: notices {flash_texts(fan)}"


def conversation_rows(driver: WebDriver) -> dict[str, WebElement]:
    """The inbox list's rows by the fan's name."""
    rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "#conversations tr[data-conversation-id]"):
        rows[row.find_element(By.CSS_SELECTOR, "a.conversation-link").text.strip()] = row
    return rows


def find_row(driver: WebDriver, fan_name: str) -> WebElement | None:
    try:
        return conversation_rows(driver).get(fan_name)
    except StaleElementReferenceException:  # the list was being replaced
        return None


ROW_FACTS = """
for (const row of document.querySelectorAll('#conversations tr[data-conversation-id]')) {
  const link = row.querySelector('a.conversation-link');
  if (!link || link.textContent.trim() !== arguments[0]) continue;
  const text = (css) => Array.from(row.querySelectorAll(css)).map((e) => e.textContent.trim());
  return {id: row.dataset.conversationId, status: row.dataset.status, sentiment: row.dataset.sentiment,
          intent: row.dataset.intent, sentimentBadges: text('.badge.sentiment'), intentBadges: text('.badge.intent'),
          message: text('.message-text').join(' '), text: row.innerText};
}
return null;
"""


def row_facts(driver: WebDriver, fan_name: str) -> dict | None:
    """What the fan's row of the inbox list shows, read in one go (the live
    list may replace its rows at any moment)."""
    return driver.execute_script(ROW_FACTS, fan_name)


def row_of(driver: WebDriver, base: str, slug: str, fan_name: str) -> dict:
    """The fan's row on a freshly loaded inbox list (everything, not only the unresolved)."""
    driver.get(f"{base}/w/{slug}/inbox?status=")
    wait(driver).until(EC.presence_of_element_located((By.ID, "conversation-list")))
    facts = row_facts(driver, fan_name)
    assert facts is not None, f"inbox: no conversation of {fan_name}; rows: {list(conversation_rows(driver))}"
    return facts


def open_conversation(driver: WebDriver, base: str, slug: str, fan_name: str) -> str:
    """Follows the fan's link in the inbox list; returns the conversation's id."""
    for attempt in range(5):
        row = wait(driver).until(lambda d: find_row(d, fan_name))
        try:
            click_through(driver, row.find_element(By.CSS_SELECTOR, "a.conversation-link"))
            break
        except StaleElementReferenceException:  # the live list replaced its rows just then
            if attempt == 4:
                raise
    return wait_for_path(driver, base, re.escape(f"/w/{slug}/inbox/") + f"({UUID})").group(1)


def conversation_page(driver: WebDriver, base: str, slug: str, conversation_id: str) -> None:
    driver.get(f"{base}/w/{slug}/inbox/{conversation_id}")
    wait(driver).until(EC.presence_of_element_located((By.ID, "sla-badge")))


def replies(driver: WebDriver) -> list[dict]:
    return [{"status": li.get_attribute("data-reply-status"), "automatic": li.get_attribute("data-automatic"),
             "text": li.find_element(By.CSS_SELECTOR, ".message-text").text.strip()}
            for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li.our-reply")]


def wait_for_reply(driver: WebDriver, base: str, slug: str, conversation_id: str, css: str, contains: str,
                   timeout: float, every: float = 1) -> WebElement:
    """Reloads the conversation page until a reply matching `css` whose text
    contains `contains` is there; returns it."""
    start = time.monotonic()
    while True:
        conversation_page(driver, base, slug, conversation_id)
        for li in driver.find_elements(By.CSS_SELECTOR, css):
            if contains in li.text:
                return li
        if time.monotonic() - start > timeout:
            raise AssertionError(f"conversation {conversation_id}: no reply {css} with {contains!r} within {timeout} s; "
                                 f"replies: {replies(driver)}")
        time.sleep(every)


UNTRANSLATED = re.compile(r"\b(?:inbox|feedback|platform|moderation)(?:\.[a-z0-9_]+)+\b")


def check_translated(soft, driver: WebDriver, where: str) -> None:
    """A string missing from the translations shows up as its key (inbox.tab_rules)."""
    keys = sorted(set(UNTRANSLATED.findall(driver.find_element(By.ID, "main").text)))
    soft.check(not keys, f"{where} ({driver.current_url}): untranslated strings shown as their keys: {keys}")


def sla_badge(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "sla-badge").get_attribute("data-badge")


def use_template(driver: WebDriver, base: str, slug: str, conversation_id: str, template_name: str,
                 typed: tuple[str, str] = ("", "")) -> WebElement:
    """Types `typed[0] + typed[1]` in the reply box with the cursor between
    them, picks a template and presses "use": the page's script puts the
    template, filled in for this fan, at the cursor without reloading, so
    the typed text stays around it. Returns the reply textarea, focused as
    an agent's would be (the live refresh leaves a reply box alone while it
    has focus or holds an unsent reply)."""
    text = driver.find_element(By.ID, "reply-text")
    before, after = typed
    if before or after:
        text.clear()
        text.send_keys(before + after)
        driver.execute_script("arguments[0].focus(); arguments[0].setSelectionRange(arguments[1], arguments[1]);", text, len(before))
    page = driver.current_url
    form = driver.find_element(By.ID, "template-form")
    inserted = int(form.get_attribute("data-inserted") or "0")
    select = Select(driver.find_element(By.ID, "template-select"))
    options = [o for o in select.options if template_name in o.text]
    assert len(options) == 1, f"template select: {[o.text for o in select.options]}, looking for {template_name!r}"
    select.select_by_visible_text(options[0].text)
    driver.find_element(By.ID, "use-template").click()
    wait(driver).until(lambda d: int(d.find_element(By.ID, "template-form").get_attribute("data-inserted") or "0") > inserted)
    assert driver.current_url == page, f"using a template reloaded the page: {page} → {driver.current_url}"
    value = text.get_attribute("value")
    assert value.startswith(before) and value.endswith(after) and len(value) > len(before) + len(after), \
        f"the template was not put between {before!r} and {after!r}: the reply box holds {value!r}"
    return text


def set_text(driver: WebDriver, element: WebElement, value: str) -> None:
    element.clear()
    element.send_keys(value)
    assert element.get_attribute("value") == value, f"typed {value!r}, the field holds {element.get_attribute('value')!r}"


def form_errors(driver: WebDriver) -> list[str]:
    """The error summary and the errors under fields of the page's forms."""
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "main .flash-error, main small.error, main p.error")]


def add_template(driver: WebDriver, base: str, slug: str, name: str, category: str, body: str) -> None:
    """Adds a template to the reply library (话术库) on its page."""
    driver.get(f"{base}/w/{slug}/inbox/templates")
    form = driver.find_element(By.ID, "template-form")
    fill(driver, form, "name", name)
    Select(form.find_element(By.NAME, "category")).select_by_value(category)
    fill(driver, form, "body", body)
    click_through(driver, form.find_element(By.ID, "add-template"))
    wait_for_path(driver, base, re.escape(f"/w/{slug}/inbox/templates"))
    assert not form_errors(driver), f"adding the template {name!r}: {form_errors(driver)}"
    assert f"模板「{name}」已加入话术库。" in flash_texts(driver), f"after adding {name!r}: notices {flash_texts(driver)}"
    shelf = f'section.template-shelf[id="shelf-{category}"] article.template'
    cards = [c for c in driver.find_elements(By.CSS_SELECTOR, shelf) if c.find_element(By.TAG_NAME, "h3").text.strip() == name]
    assert len(cards) == 1, f"the reply library does not list {name!r} under {category}: {driver.find_element(By.ID, 'main').text!r}"
    assert cards[0].find_element(By.CSS_SELECTOR, ".template-body").text.strip() == body


def add_rule(driver: WebDriver, base: str, slug: str, name: str, keywords: list[str], intents: list[str],
             template: str) -> str:
    """Adds a routing rule that answers with a template, on the rules page;
    returns what the page says the rule does."""
    driver.get(f"{base}/w/{slug}/inbox/rules")
    form = driver.find_element(By.ID, "rule-form")
    fill(driver, form, "name", name)
    fill(driver, form, "keywords", ", ".join(keywords))
    for intent in intents:
        box = form.find_element(By.ID, f"intents-{intent}")
        if not box.is_selected():
            box.click()
    select = Select(form.find_element(By.NAME, "reply_template_id"))
    choices = [o.text for o in select.options if o.text.startswith(template)]
    assert len(choices) == 1, f"rule form: templates offered {[o.text for o in select.options]}, looking for {template!r}"
    select.select_by_visible_text(choices[0])
    click_through(driver, form.find_element(By.ID, "add-rule"))
    wait_for_path(driver, base, re.escape(f"/w/{slug}/inbox/rules"))
    assert not form_errors(driver), f"adding the rule {name!r}: {form_errors(driver)}"
    assert f"规则「{name}」已添加。" in flash_texts(driver), f"after adding the rule {name!r}: notices {flash_texts(driver)}"
    rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "#inbox-rules tbody tr") if name in r.text]
    assert len(rows) == 1 and rows[0].get_attribute("data-enabled") == "true", \
        f"the rules page does not list {name!r} as enabled: {[r.text for r in rows]}"
    return rows[0].find_element(By.CSS_SELECTOR, ".rule-summary").text


def set_service_levels(driver: WebDriver, base: str, slug: str, first_response_minutes: int, warning_percent: int) -> None:
    driver.get(f"{base}/w/{slug}/inbox/service-levels")
    form = driver.find_element(By.ID, "service-level-form")
    fill(driver, form, "first_response_minutes", str(first_response_minutes))
    fill(driver, form, "warning_percent", str(warning_percent))
    click_through(driver, form.find_element(By.ID, "save-service-levels"))
    wait_for_path(driver, base, re.escape(f"/w/{slug}/inbox/service-levels"))
    assert not form_errors(driver), f"saving the service levels: {form_errors(driver)}"
    assert "服务时效已保存。" in flash_texts(driver), f"after saving the service levels: notices {flash_texts(driver)}"
    form = driver.find_element(By.ID, "service-level-form")
    saved = (form.find_element(By.NAME, "first_response_minutes").get_attribute("value"),
             form.find_element(By.NAME, "warning_percent").get_attribute("value"))
    assert saved == (str(first_response_minutes), str(warning_percent)), f"service levels after saving: {saved}"


# --------------------------------------------------------------------------
# The journey


def test_inbox_journey(own_server, new_browser, shot, soft):
    server = own_server
    base = server.base_url

    # 1. The administrator sets Fanfare up, creates the workspace and
    #    connects one Sandbox account (following Weibo's rules).
    admin, slug = set_up_first_administrator(new_browser, server, ADMIN, WORKSPACE)
    connect_sandbox(admin, base, slug, HANDLE, ACCOUNT_NAME, "weibo")
    handles = [r.get_attribute("data-handle") for r in admin.find_elements(By.CSS_SELECTOR, "#account-list tbody tr")]
    assert handles == [HANDLE], handles
    inbox = f"/w/{slug}/inbox"

    # 2. The team's setup, on the inbox's own pages: the FAQ template, the
    #    rule that answers with it, and service levels short enough to see
    #    amber within the journey (first response 1 minute, warning at 50 %).
    add_template(admin, base, slug, *FAQ_TEMPLATE)
    check_no_raw_markup(soft, admin, "reply library")
    check_translated(soft, admin, "reply library")
    summary = add_rule(admin, base, slug, FAQ_RULE[0], FAQ_RULE[1], FAQ_RULE[2], FAQ_TEMPLATE[0])
    soft.check("补货" in summary and "咨询" in summary and FAQ_TEMPLATE[0] in summary,
               f"rules page: the rule's summary does not say what it does: {summary!r}")
    check_no_raw_markup(soft, admin, "rules page")
    check_translated(soft, admin, "rules page")
    shot(admin, "inbox-01-rules")
    set_service_levels(admin, base, slug, first_response_minutes=1, warning_percent=50)
    check_translated(soft, admin, "service-levels page")

    # 3. The inbox, open in the administrator's browser; the fan writes in a
    #    second browser, and the conversation appears without a reload.
    admin.get(base + inbox)
    wait(admin).until(EC.presence_of_element_located((By.ID, "conversation-list")))
    assert admin.find_elements(By.ID, "no-conversations"), \
        f"a new workspace's inbox should be empty: {admin.find_element(By.ID, 'conversation-list').text!r}"
    try:
        wait(admin).until(EC.visibility_of_element_located((By.ID, "live-status")))
    except TimeoutException:
        scripts = admin.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "Promise.all(Array.from(document.scripts).filter((s) => s.src).map((s) =>"
            "  fetch(s.src).then((r) => s.src.replace(location.origin, '') + ' ' + r.status)))"
            ".then(done, (e) => done(String(e)));")
        raise AssertionError(f"inbox: #live-status never became visible: the live updates did not start "
                             f"(the page's scripts answer: {scripts})") from None
    admin.execute_script("window.__inboxJourneyPage = 'not reloaded';")

    fan = new_browser("fan")
    sign_in(fan, base, ADMIN[0], ADMIN[2], inbox)
    assert fan.find_elements(By.CSS_SELECTOR, "details#sandbox-fan"), \
        "the inbox page offers no 'write as a Sandbox fan' form, though a Sandbox account is connected"
    shot(fan, "inbox-02-fan-form")
    write_as_fan(fan, base, slug, *QUESTION)

    try:
        facts = wait(admin, LIVE_TIMEOUT).until(lambda d: row_facts(d, QUESTION[0]))
    except TimeoutException:
        raise AssertionError(f"the open inbox did not show {QUESTION[0]}'s message within {LIVE_TIMEOUT} s "
                             f"(live update over server-sent events); it shows "
                             f"{admin.find_element(By.ID, 'conversation-list').text!r}") from None
    assert admin.execute_script("return window.__inboxJourneyPage") == "not reloaded", \
        "the inbox page was reloaded: the row did not arrive as a live update"
    assert admin.find_element(By.ID, "conversation-list").get_attribute("data-refreshed"), \
        "the list changed without the live refresh marking it"
    assert facts["sentimentBadges"] and facts["sentimentBadges"][0], f"{QUESTION[0]}'s row has no sentiment badge: {facts}"
    assert facts["intentBadges"] and facts["intentBadges"][0], f"{QUESTION[0]}'s row has no intent badge: {facts}"
    assert QUESTION[1] in facts["message"], f"{QUESTION[0]}'s row: {facts}"
    soft.check(facts["intent"] == "question" and facts["intentBadges"] == ["咨询"],
               f"inbox: {QUESTION[1]!r} is not taken for a question: intent {facts['intent']!r} {facts['intentBadges']}")
    soft.check(facts["sentiment"] != "neg", f"inbox: a polite question is shown as negative: {facts['sentimentBadges']}")
    check_no_raw_markup(soft, admin, "inbox with a live conversation")
    check_translated(soft, admin, "inbox")
    shot(admin, "inbox-03-live-row")

    # 4. The FAQ question is answered automatically, by the rule.
    question_id = open_conversation(admin, base, slug, QUESTION[0])
    assert question_id == facts["id"], (question_id, facts)
    auto = wait_for_reply(admin, base, slug, question_id, 'li.our-reply[data-automatic="true"][data-reply-status="sent"]',
                          "每周一补货", AUTO_REPLY_TIMEOUT)
    soft.check(f"{QUESTION[0]} 你好" in auto.text, f"the automatic reply does not greet the fan by name: {auto.text!r}")
    soft.check("自动回复" in auto.text, f"the automatic reply is not labelled as one: {auto.text!r}")
    assert len(replies(admin)) == 1, f"{QUESTION[0]} got more than one reply: {replies(admin)}"
    check_no_raw_markup(soft, admin, "conversation answered automatically")
    check_translated(soft, admin, "conversation page")
    shot(admin, "inbox-04-automatic-reply")

    # 5. A complaint lands with an agent: no automatic reply, and amber once
    #    half the first-response time has passed.
    write_as_fan(fan, base, slug, *COMPLAINT)
    posted = time.monotonic()
    facts = row_of(admin, base, slug, COMPLAINT[0])
    assert facts["status"] == "open", f"{COMPLAINT[0]}'s conversation: {facts}"
    soft.check(facts["sentiment"] == "neg", f"inbox: the complaint is not shown as negative: {facts['sentimentBadges']}")
    soft.check(facts["intent"] == "complaint", f"inbox: the complaint is not taken for one: {facts['intentBadges']}")
    complaint_id = facts["id"]
    conversation_page(admin, base, slug, complaint_id)
    assert replies(admin) == [], f"the complaint was answered automatically: {replies(admin)}"
    assert admin.find_element(By.ID, "conversation-status").get_attribute("data-status") == "open"
    assert sla_badge(admin) == "ok", f"a fresh complaint's badge: {sla_badge(admin)}"

    # While its clock runs, the team adds an apology to its reply library.
    add_template(admin, base, slug, *APOLOGY_TEMPLATE)

    seen = []
    while True:
        conversation_page(admin, base, slug, complaint_id)
        badge = sla_badge(admin)
        if not seen or seen[-1][1] != badge:
            seen.append((round(time.monotonic() - posted), badge))
        if badge == "warning":
            break
        assert badge == "ok", f"the complaint's badge went {seen} without turning amber first"
        if time.monotonic() - posted > AMBER_TIMEOUT:
            raise AssertionError(f"the complaint's badge did not turn amber within {AMBER_TIMEOUT} s: {seen}")
        time.sleep(2)
    print(f"amber {time.monotonic() - posted:.0f} s after the complaint; badges seen: {seen}")
    badge = admin.find_element(By.ID, "sla-badge")
    soft.check("warning" in badge.get_attribute("class").split() and badge.text.strip() == "即将超时",
               f"the amber badge reads {badge.text!r} (class {badge.get_attribute('class')!r})")
    clocks = admin.find_element(By.CSS_SELECTOR, "dl.clocks").text
    soft.check("80%" not in clocks, f"conversation page: the clocks of the amber conversation read {clocks!r}, "
                                    f"though the workspace warns at 50 %")
    shot(admin, "inbox-05-complaint-amber")

    # 6. The agent starts typing, then puts the apology template mid-sentence
    #    (no reload, nothing typed lost), and fills in the order number.
    text = use_template(admin, base, slug, complaint_id, APOLOGY_TEMPLATE[0], typed=("抱歉久等。", "我们会跟进。"))
    draft = text.get_attribute("value")
    assert f"{COMPLAINT[0]} 您好" in draft and "{order_id}" in draft, f"the template's draft: {draft!r}"
    note = admin.find_element(By.ID, "template-note")
    soft.check(note.is_displayed() and "{order_id}" in note.text and "发送前请填写" in note.text,
               f"conversation page: the variable left to fill is not named under the reply box: {note.text!r}")
    shot(admin, "inbox-06-template-draft")
    # Sent with the placeholder still in: refused, saying what is missing.
    click_through(admin, admin.find_element(By.ID, "send-reply"))
    errors = [p.text for p in admin.find_elements(By.CSS_SELECTOR, "main .flash-error")]
    assert any("order_id" in e for e in errors), f"sending a reply with {{order_id}} left in: errors {errors}, " \
                                                 f"notices {flash_texts(admin)}"
    assert replies(admin) == [], f"a reply with an unfilled variable was queued: {replies(admin)}"
    soft.check(all(re.search(r"[\u4e00-\u9fff]", e) for e in errors),
               f"conversation page (Chinese): the refusal of the unfilled reply is not in Chinese: {errors}")
    shot(admin, "inbox-07-unfilled-variable-refused")
    kept = admin.find_element(By.ID, "reply-text").get_attribute("value")
    soft.check(kept == draft, f"conversation page: after the refused reply the reply box holds {kept!r}: the agent's "
                              f"text (and the template it came from) is gone and has to be picked again")
    if kept != draft:
        text = use_template(admin, base, slug, complaint_id, APOLOGY_TEMPLATE[0])
    else:
        text = admin.find_element(By.ID, "reply-text")
        text.click()
    answer = text.get_attribute("value").replace("{order_id}", ORDER_ID)
    set_text(admin, text, answer)
    admin.find_element(By.ID, "reply-resolve").click()
    assert admin.find_element(By.ID, "reply-resolve").is_selected()
    click_through(admin, admin.find_element(By.ID, "send-reply"))
    wait_for_path(admin, base, re.escape(f"{inbox}/{complaint_id}"))
    errors = [p.text for p in admin.find_elements(By.CSS_SELECTOR, "main .flash-error")]
    assert not errors, f"the filled-in reply was refused: {errors}"
    soft.check("回复正在发送，会话已标记为已解决。" in flash_texts(admin), f"after replying: notices {flash_texts(admin)}")
    assert sla_badge(admin) == "done", f"the answered and resolved complaint's badge: {sla_badge(admin)}"
    assert admin.find_element(By.ID, "conversation-status").get_attribute("data-status") == "resolved"
    sent = wait_for_reply(admin, base, slug, complaint_id, 'li.our-reply[data-automatic="false"][data-reply-status="sent"]',
                          f"订单 {ORDER_ID} 我们马上处理", SENT_TIMEOUT)
    soft.check(ADMIN[1] in sent.text, f"the agent's reply does not name who sent it: {sent.text!r}")
    assert "{" not in sent.find_element(By.CSS_SELECTOR, ".message-text").text
    check_no_raw_markup(soft, admin, "complaint answered from a template")
    shot(admin, "inbox-08-complaint-resolved")

    # 6b. An internal note for the team: shown in the thread as a note,
    #     never sent; the fan's panel stands beside the thread.
    sent_before = replies(admin)
    panel = admin.find_element(By.ID, "fan-panel")
    soft.check(panel.find_elements(By.ID, "fan-points") and panel.find_elements(By.ID, "fan-page-link"),
               f"the complaint's page has no fan panel with points and a link to the fan: {panel.text!r}")
    admin.find_element(By.CSS_SELECTOR, "#note-box summary").click()
    set_text(admin, admin.find_element(By.ID, "note-text"), INTERNAL_NOTE)
    click_through(admin, admin.find_element(By.ID, "add-note"))
    wait_for_path(admin, base, re.escape(f"{inbox}/{complaint_id}"))
    soft.check("备注已保存，只有团队成员能看到。" in flash_texts(admin), f"after the note: notices {flash_texts(admin)}")
    notes = admin.find_elements(By.CSS_SELECTOR, "#timeline li.internal-note")
    assert len(notes) == 1 and INTERNAL_NOTE in notes[0].text, [n.text for n in notes]
    assert "内部备注，不会发送" in notes[0].text, notes[0].text
    assert [r["text"] for r in replies(admin)] == [r["text"] for r in sent_before], "the note was listed as a reply"
    check_translated(soft, admin, "conversation with a note")
    shot(admin, "inbox-08b-internal-note")

    # 7. A suggestion becomes a feedback ticket, closed with a notice the
    #    fan receives as a reply.
    write_as_fan(fan, base, slug, *SUGGESTION)
    row_of(admin, base, slug, SUGGESTION[0])
    suggestion_id = open_conversation(admin, base, slug, SUGGESTION[0])
    # The keys an agent works with: A assigns the conversation to oneself.
    assert admin.find_elements(By.ID, "assign-me"), "the new suggestion's conversation offers no 'assign to me'"
    assert ADMIN[1] not in admin.find_element(By.CSS_SELECTOR, "p.facts-line").text
    admin.find_element(By.TAG_NAME, "body").send_keys("a")
    wait(admin).until(lambda d: ADMIN[1] in d.find_element(By.CSS_SELECTOR, "p.facts-line").text)
    messages = admin.find_elements(By.CSS_SELECTOR, "#timeline li.fan-message")
    assert len(messages) == 1 and SUGGESTION[1] in messages[0].text, [m.text for m in messages]
    click_through(admin, messages[0].find_element(By.CSS_SELECTOR, "button.make-ticket"))
    ticket_path = wait_for_path(admin, base, f"(/w/{re.escape(slug)}/feedback/{UUID})").group(1)
    assert "工单 #1 已创建。" in flash_texts(admin), f"after making the ticket: notices {flash_texts(admin)}"
    assert admin.find_element(By.ID, "ticket-body").text.strip() == SUGGESTION[1]
    assert admin.find_element(By.ID, "ticket-summary").get_attribute("data-status") == "new"
    soft.check(SUGGESTION[0] in admin.find_element(By.ID, "ticket-source").text,
               f"the ticket does not say which fan it came from: {admin.find_element(By.ID, 'ticket-source').text!r}")
    check_no_raw_markup(soft, admin, "feedback ticket")
    check_translated(soft, admin, "feedback ticket")
    shot(admin, "inbox-09-ticket")
    close_form = admin.find_element(By.ID, "close-ticket-form")
    Select(close_form.find_element(By.NAME, "resolution")).select_by_value("adopted")
    set_text(admin, close_form.find_element(By.NAME, "note"), CLOSING_NOTE)
    click_through(admin, close_form.find_element(By.ID, "close-ticket"))
    wait_for_path(admin, base, re.escape(ticket_path))
    assert not form_errors(admin), f"closing the ticket: {form_errors(admin)}"
    soft.check("工单 #1 已关闭。" in flash_texts(admin), f"after closing the ticket: notices {flash_texts(admin)}")
    assert admin.find_element(By.ID, "ticket-summary").get_attribute("data-status") == "closed"
    assert admin.find_element(By.ID, "ticket-resolution").text.strip() == "已采纳"
    assert admin.find_element(By.ID, "ticket-note").text.strip() == CLOSING_NOTE
    assert not admin.find_elements(By.ID, "close-ticket"), "the closed ticket still offers to close it"
    notice_state = admin.find_element(By.ID, "notice-state").get_attribute("data-state")
    assert notice_state in ("queued", "sent"), f"the closing notice to {SUGGESTION[0]}: {notice_state}"
    shot(admin, "inbox-10-ticket-closed")
    # The notice reaches the fan: a reply in their conversation, sent.
    click_through(admin, admin.find_element(By.ID, "ticket-conversation"))
    wait_for_path(admin, base, re.escape(f"{inbox}/{suggestion_id}"))
    notice = wait_for_reply(admin, base, slug, suggestion_id, 'li.our-reply[data-reply-status="sent"]', CLOSING_NOTE,
                            SENT_TIMEOUT)
    assert notice.get_attribute("data-automatic") == "false"
    assert len(replies(admin)) == 1, f"{SUGGESTION[0]} got more than the closing notice: {replies(admin)}"
    shot(admin, "inbox-11-notice-sent")
    admin.get(base + ticket_path)
    soft.check(admin.find_element(By.ID, "notice-state").get_attribute("data-state") == "sent",
               f"ticket page: the notice was sent, yet the ticket says "
               f"{admin.find_element(By.ID, 'notice-state').text!r}")

    soft.assert_all()
