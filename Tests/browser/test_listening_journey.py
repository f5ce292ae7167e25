"""The listening journey (issue 20's "Browser journey"): the demo's
administrator signs in → creates a monitor on the demo brand in the page →
adds a webhook channel (设置 → 通知渠道) pointing at a receiver run by this
test on 127.0.0.1, routed to that monitor's alerts → starts a Sandbox storm
with the demo's button on the 舆情 pages (a second press is refused while it
lasts) → the alert appears on the alerts page, graded → the receiver got a
delivery signed as Standard Webhooks says → an incident is opened from the
alert → publishing is held → a holding statement passes its fast review →
two of the storm's mentions are attached from the incident page → the
statement is sent as a reply to one of the storm's fans → the incident is
resolved → its review page shows the timeline and every clock met.

The server is `serve --demo` (the storm button shows only there) started
with FANFARE_OUTBOUND_ALLOW=127.0.0.1, so it may deliver to the receiver
over plain http; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from conftest import serve_own
from test_foundation_journey import check_no_raw_markup, fill, flash_texts, wait, wait_for_path
from test_inbox_journey import conversation_page, row_of, set_text, sign_in, wait_for_reply
from test_publishing_journey import click_through

SLUG = "demo"
EMAIL = "demo@fanfare.local"
MONITOR = "演示品牌 投诉监测"
QUERY = "演示品牌"
CHANNEL = "值班机器人"
# A Standard Webhooks secret of our own, so the test can check the signature.
SECRET_BYTES = bytes(range(7, 31))
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
STATEMENT = "我们已注意到大家关于演示品牌的反馈，正在逐一核实，一小时内在此更新进展。"
UUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
GRADES = {"blue", "yellow", "orange", "red"}

# A storm raised its alert about 48 s after it began on a fresh demo (the
# inbox fetches each minute, listening grades every ten seconds); CI's
# loaded two cores get generous room.
ALERT_TIMEOUT = 180
DELIVERY_TIMEOUT = 90
REPLY_TIMEOUT = 90


# --------------------------------------------------------------------------
# The webhook receiver


class Receiver:
    """Answers 200 to every POST on 127.0.0.1 and keeps what it got."""

    def __init__(self):
        self.deliveries: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.deliveries.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                                "body": body, "received": time.time()})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fanfare"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    def seen(self) -> list[dict]:
        with self.lock:
            return list(self.deliveries)

    def wait_for(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for delivery in self.seen():
                if predicate(delivery):
                    return delivery
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver got no matching delivery within {timeout} s; it got: "
                                     f"{[(d['path'], d['body'][:200]) for d in self.seen()]}")
            time.sleep(0.5)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def body_json(delivery: dict) -> dict:
    try:
        return json.loads(delivery["body"])
    except ValueError:
        return {}


def signed_correctly(delivery: dict) -> tuple[bool, str]:
    """Standard Webhooks: `v1,<base64 HMAC-SHA256(id.timestamp.body)>` keyed
    with the secret's bytes, a timestamp within five minutes."""
    headers = delivery["headers"]
    message_id, stamp, signatures = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
    if not message_id or not stamp or not signatures:
        return False, f"headers {sorted(headers)}"
    if not stamp.isdigit() or abs(int(stamp) - delivery["received"]) > 300:
        return False, f"webhook-timestamp {stamp!r} is not within five minutes of {delivery['received']:.0f}"
    expected = base64.b64encode(hmac.new(SECRET_BYTES, f"{message_id}.{stamp}.".encode() + delivery["body"],
                                         hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in signatures.split(" ") if part.startswith("v1,")]
    return (any(hmac.compare_digest(expected, g) for g in given),
            f"webhook-signature {signatures!r}, expected v1,{expected}")


@pytest.fixture
def receiver():
    stub = Receiver()
    yield stub
    stub.close()


@pytest.fixture
def listening_server(monkeypatch):
    """`serve --demo` that may deliver to a receiver on 127.0.0.1."""
    monkeypatch.setenv("FANFARE_OUTBOUND_ALLOW", "127.0.0.1")
    yield from serve_own("server-listening.log", demo=True)


# --------------------------------------------------------------------------
# Steps


def errors_on(driver: WebDriver) -> list[str]:
    return [e.text.strip() for e in driver.find_elements(By.CSS_SELECTOR, "main .flash-error, main small.error")]


def create_monitor(driver: WebDriver, base: str) -> str:
    """Creates the monitor in the monitors page's form; returns its id."""
    driver.get(f"{base}/w/{SLUG}/listening/monitors")
    form = wait(driver).until(EC.presence_of_element_located((By.ID, "monitor-form")))
    fill(driver, form, "name", MONITOR)
    fill(driver, form, "query", QUERY)
    save = form.find_elements(By.ID, "save-monitor") or form.find_elements(By.CSS_SELECTOR, "button[value=save]")
    assert save, "the monitor form has no save button"
    click_through(driver, save[0])
    assert not errors_on(driver), f"saving the monitor: {errors_on(driver)}"
    driver.get(f"{base}/w/{SLUG}/listening/monitors")
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "#monitors a") if a.text.strip() == MONITOR]
    assert links, f"the monitors list does not show {MONITOR!r}: {driver.find_element(By.ID, 'monitors').text!r}"
    return re.search(UUID, links[0].get_attribute("href")).group(0).lower()


def add_webhook_channel(driver: WebDriver, base: str, monitor_id: str, url: str, soft) -> None:
    """Opens 通知渠道 from the 设置 group of the navigation and adds a webhook
    for the monitor's alerts."""
    driver.get(f"{base}/w/{SLUG}/listening")
    channels = driver.find_elements(By.CSS_SELECTOR, f'header .nav-group a[href="/w/{SLUG}/settings/channels"]')
    assert len(channels) == 1, f"the navigation links 通知渠道 {len(channels)} times"
    group = channels[0].find_element(By.XPATH, "./ancestor::span[contains(@class, 'nav-group')]")
    soft.check(group.get_attribute("data-group") == "settings",
               f"通知渠道 is in the navigation's {group.get_attribute('data-group')!r} group, not 设置")
    engagement = driver.find_elements(By.CSS_SELECTOR, 'header .nav-group[data-group="engagement"] a[href$="/settings/channels"]')
    soft.check(not engagement, "通知渠道 is also linked under 互动")
    driver.get(channels[0].get_attribute("href"))
    form = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "form select[name=kind]")))
    form = form.find_element(By.XPATH, "./ancestor::form")
    form.find_element(By.CSS_SELECTOR, "select[name=kind] option[value=webhook]").click()
    fill(driver, form, "name", CHANNEL)
    fill(driver, form, "address", url)
    fill(driver, form, "secret", SECRET)
    for box in form.find_elements(By.CSS_SELECTOR, "input[type=checkbox][name=event_kinds]"):
        if box.is_selected() != (box.get_attribute("value") == "alert"):
            box.click()
    fill(driver, form, "monitor_ids", monitor_id)
    click_through(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert not errors_on(driver), f"saving the webhook channel: {errors_on(driver)}"
    wait_for_path(driver, base, re.escape(f"/w/{SLUG}/settings/channels/") + UUID + r"(\?.*)?")


def start_storm(driver: WebDriver, base: str) -> None:
    driver.get(f"{base}/w/{SLUG}/listening/alerts")
    button = wait(driver).until(EC.presence_of_element_located((By.ID, "start-storm")))
    click_through(driver, button)
    wait_for_path(driver, base, re.escape(f"/w/{SLUG}/listening/alerts"))
    assert not errors_on(driver), f"starting the storm: {errors_on(driver)}"
    assert any("舆情风暴已开始" in text for text in flash_texts(driver)), f"after starting the storm: {flash_texts(driver)}"


def wait_for_alert(driver: WebDriver, base: str) -> tuple[str, str]:
    """Reloads the alerts page until the monitor's alert is listed; returns
    its id and the grade its badge shows."""
    deadline = time.monotonic() + ALERT_TIMEOUT
    script = """
    for (const row of document.querySelectorAll('#alerts tbody tr')) {
      const link = row.querySelector('a');
      if (link && link.textContent.trim() === arguments[0]) return [link.getAttribute('href'), row.querySelector('td').innerHTML];
    }
    return null;
    """
    while True:
        driver.get(f"{base}/w/{SLUG}/listening/alerts")
        found = driver.execute_script(script, MONITOR)
        if found:
            href, badge = found
            return re.search(UUID, href).group(0).lower(), badge
        if time.monotonic() > deadline:
            raise AssertionError(f"no alert of {MONITOR!r} on the alerts page within {ALERT_TIMEOUT} s: "
                                 f"{driver.find_element(By.ID, 'alerts').text!r}")
        time.sleep(3)


def incident_action(driver: WebDriver, css: str, what: str) -> None:
    click_through(driver, wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, css))))
    assert not errors_on(driver), f"{what}: {errors_on(driver)}"


def clock_states(driver: WebDriver) -> dict[str, str]:
    return {row.find_element(By.TAG_NAME, "td").text.strip(): row.get_attribute("data-clock-state")
            for row in driver.find_elements(By.CSS_SELECTOR, "#incident-clocks tbody tr")}


# --------------------------------------------------------------------------
# The journey


def test_listening_journey(listening_server, receiver, new_browser, shot, soft):
    server = listening_server
    base = server.base_url
    admin = new_browser("admin")
    sign_in(admin, base, EMAIL, server.setup_link, f"/w/{SLUG}/listening")

    # 1. A monitor on the brand, made in the page.
    monitor_id = create_monitor(admin, base)
    shot(admin, "listening-01-monitor")

    # 2. A webhook for that monitor's alerts, found under 设置.
    add_webhook_channel(admin, base, monitor_id, receiver.url, soft)
    shot(admin, "listening-02-channel")

    # 3. A storm from the 舆情 pages' demo button; a second one waits for it.
    start_storm(admin, base)
    click_through(admin, admin.find_element(By.ID, "start-storm"))
    refused = [text for text in flash_texts(admin) if "正在进行" in text]
    soft.check(refused, f"a second storm while the first lasts: notices {flash_texts(admin)}")
    shot(admin, "listening-03-storm")

    # 4. The alert, graded.
    alert_id, badge = wait_for_alert(admin, base)
    admin.get(f"{base}/w/{SLUG}/listening/alerts/{alert_id}")
    summary = wait(admin).until(EC.presence_of_element_located((By.ID, "alert-summary")))
    grade = summary.get_attribute("data-grade")
    assert grade in GRADES, f"the alert's grade: {grade!r}"
    soft.check(any(word in badge for word in ("蓝", "黄", "橙", "红")), f"the alerts list's grade badge: {badge!r}")
    check_no_raw_markup(soft, admin, "alert page")
    shot(admin, "listening-04-alert")

    # 5. The receiver got the alert, signed.
    delivery = receiver.wait_for(
        lambda d: (body_json(d).get("data", {}).get("facts", {}).get("monitor_id", "").lower() == monitor_id),
        DELIVERY_TIMEOUT)
    assert delivery["path"] == "/hooks/fanfare"
    ok, why = signed_correctly(delivery)
    assert ok, f"the delivery's signature does not verify: {why}"
    facts = body_json(delivery)["data"]["facts"]
    soft.check(facts.get("grade") in GRADES and facts.get("kind") == "alert", f"the delivery's facts: {facts}")
    soft.check(delivery["headers"].get("content-type", "").startswith("application/json"),
               f"the delivery's content type: {delivery['headers'].get('content-type')!r}")

    # 6. An incident from the alert.
    incident_action(admin, "#open-incident", "opening an incident from the alert")
    incident_path = wait_for_path(admin, base, re.escape(f"/w/{SLUG}/incidents/") + f"({UUID})").group(0)
    incident = incident_path.removeprefix(base)

    # 7. Publishing held.
    incident_action(admin, "#incident-hold-form button[type=submit]", "holding publishing")
    wait(admin).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#incident-holds li.held")))

    # 8. A holding statement through its fast review.
    form = admin.find_element(By.ID, "incident-statement-form")
    set_text(admin, form.find_element(By.NAME, "statement_text"), STATEMENT)
    click_through(admin, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert not errors_on(admin), f"submitting the holding statement: {errors_on(admin)}"
    incident_action(admin, '#incident-statements li[data-approved="false"] form button', "approving the statement")
    wait(admin).until(EC.presence_of_element_located((By.CSS_SELECTOR, '#incident-statements li[data-approved="true"]')))
    shot(admin, "listening-05-statement-approved")

    # 8b. Two of the alert's mentions attached from the incident page; the
    #     timeline says so once, and the attached ones are marked.
    boxes = admin.find_elements(By.CSS_SELECTOR, '#incident-mentions-form input[name="mention_ids[]"]')
    assert len(boxes) >= 2, f"the incident page offers {len(boxes)} mentions to attach"
    chosen = [box.get_attribute("value") for box in boxes[:2]]
    for box in boxes[:2]:
        box.click()
    incident_action(admin, "#attach-mentions", "attaching mentions")
    soft.check(any("已关联 2 条提及" in text for text in flash_texts(admin)), f"after attaching: {flash_texts(admin)}")
    for mention in chosen:
        soft.check(admin.find_elements(By.CSS_SELECTOR, f'li[data-mention="{mention}"][data-attached="true"]'),
                   f"the attached mention {mention} is not marked attached")
    attached = admin.find_elements(By.CSS_SELECTOR, '#incident-timeline li[data-kind="mentions_attached"]')
    assert len(attached) == 1 and "2" in attached[0].text, f"the timeline's attached mentions: {[a.text for a in attached]}"

    # 9. Sent as the answer to one of the storm's fans (one the alert heard).
    admin.get(f"{base}/w/{SLUG}/listening/alerts/{alert_id}")
    # A mention's row: time, platform, source, author, text, sentiment, monitors.
    authors = [row.find_elements(By.TAG_NAME, "td")[3].text.strip()
               for row in admin.find_elements(By.CSS_SELECTOR, "tr[data-sentiment]")]
    assert authors, "the alert page lists none of the storm's mentions"
    conversation = row_of(admin, base, SLUG, authors[0])["id"]
    conversation_page(admin, base, SLUG, conversation)
    set_text(admin, admin.find_element(By.ID, "reply-text"), STATEMENT)
    click_through(admin, admin.find_element(By.ID, "send-reply"))
    assert not errors_on(admin), f"replying with the statement: {errors_on(admin)}"
    wait_for_reply(admin, base, SLUG, conversation, 'li.our-reply[data-reply-status="sent"]', STATEMENT[:12], REPLY_TIMEOUT)

    # 10. The reply stopped the first-response clock; resolved.
    admin.get(base + incident)
    states = clock_states(admin)
    assert states.get("首次回应") == "met", f"the incident's clocks after the statement went out: {states}"
    kinds = [li.get_attribute("data-kind") for li in admin.find_elements(By.CSS_SELECTOR, "#incident-timeline li")]
    for kind in ("opened", "hold_started", "statement_submitted", "statement_approved", "mentions_attached", "reply_published"):
        soft.check(kind in kinds, f"the incident's timeline has no {kind}: {kinds}")
    incident_action(admin, '#main form[action$="/state"] input[value=resolved] ~ button', "resolving the incident")
    assert admin.find_element(By.ID, "incident-state").text.strip() == "已解决", admin.find_element(By.ID, "incident-state").text
    states = clock_states(admin)
    for clock in ("发现", "首次回应", "解决"):
        soft.check(states.get(clock) == "met", f"the resolved incident's {clock} clock: {states}")
    shot(admin, "listening-06-resolved")

    # 11. The review: the timeline and the clocks, each met.
    admin.get(base + incident + "/review")
    draft = wait(admin).until(EC.presence_of_element_located((By.ID, "body"))).get_attribute("value")
    for clock in ("发现", "首次回应", "解决"):
        soft.check(re.search(rf"- {clock}：达标", draft), f"the review's draft does not say the {clock} clock was met:\n{draft}")
    for line in ("## 经过", "暂停发布", "以回应声明回复", STATEMENT[:12]):
        soft.check(line in draft, f"the review's draft has no {line!r}:\n{draft}")
    click_through(admin, admin.find_element(By.CSS_SELECTOR, "#incident-review-form button[type=submit]"))
    assert not errors_on(admin), f"saving the review: {errors_on(admin)}"
    shot(admin, "listening-07-review")
    soft.assert_all()
