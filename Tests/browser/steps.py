"""Steps several journeys take the same way: setting Fanfare up as its first
administrator, joining a workspace by invitation, reading the segment
builder's live count. One copy each, so a change to the page is followed in
one place."""

from __future__ import annotations

import re

from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from test_foundation_journey import create_workspace, expect_signed_in_at, fill, submit, wait_for_lang


def set_up_first_administrator(new_browser, server, person: tuple[str, str, str], workspace: str) -> tuple[WebDriver, str]:
    """Opens the server's one-time setup link in a new browser, completes the
    setup form as `person` (email, name, password) and creates `workspace`;
    returns the administrator's browser and the workspace's slug."""
    email, name, password = person
    admin = new_browser("admin")
    admin.get(server.setup_link)
    wait_for_lang(admin, "zh-Hans")
    form = admin.find_element("id", "setup-form")
    fill(admin, form, "email", email)
    fill(admin, form, "display_name", name)
    fill(admin, form, "password", password)
    submit(form)
    expect_signed_in_at(admin, server.base_url, r"/workspaces", after="completing the setup form")
    return admin, create_workspace(admin, server.base_url, workspace)


def join_by_invitation(new_browser, base: str, slug: str, link: str, person: tuple[str, str, str], role_label: str,
                       label: str, workspace: str | None = None) -> WebDriver:
    """Registers `person` through an invitation link in a browser of their
    own; when `workspace` is given, the invitation page must name it and the
    role."""
    # Imported here: test_publishing_journey imports this module.
    from test_publishing_journey import click_through

    email, name, password = person
    driver = new_browser(label)
    driver.get(link)
    wait_for_lang(driver, "zh-Hans")
    if workspace is not None:
        lead = driver.find_element("css selector", "main .lead").text
        assert workspace in lead and role_label in lead, f"invitation page for the {label}: {lead!r}"
    form = driver.find_element("id", "register-form")
    fill(driver, form, "email", email)
    fill(driver, form, "display_name", name)
    fill(driver, form, "password", password)
    click_through(driver, form.find_element("id", "accept-invitation"))
    expect_signed_in_at(driver, base, re.escape(f"/w/{slug}"), after=f"the {label} registering through the invitation")
    assert driver.find_element("id", "your-role").text.strip() == role_label
    return driver


def live_count(driver: WebDriver, expect=lambda text: True) -> str:
    """The segment builder's live count once it settles (it counts 400 ms
    after the last change) on a text `expect` accepts; the last text seen if
    it never does."""
    box = driver.find_element("id", "segment-live-count")
    seen = {"text": ""}

    def settled(_):
        seen["text"] = box.text.strip()
        return seen["text"] and seen["text"] != "正在计数…" and expect(seen["text"])

    try:
        WebDriverWait(driver, 15).until(settled)
    except Exception:  # a timeout: the caller reports the text it got
        pass
    return seen["text"]
