"""The foundation journey (issue): sign in with the setup link → create a
workspace → invite a member as editor → the member accepts and sees only
that workspace → switch the language to English and back → a viewer cannot
reach the members page (403 page).

Plus sign-in with a wrong password and the CSRF check on the sign-in form.
"""

from __future__ import annotations

import re

from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN_EMAIL = "admin@fanfare.test"
ADMIN_NAME = "王管理 Admin"
ADMIN_PASSWORD = "correct horse battery"
MEMBER_EMAIL = "member@fanfare.test"
MEMBER_NAME = "李编辑 Member"
MEMBER_PASSWORD = "staple-gun-orange-42"
WORKSPACE_A = "品牌甲 Alpha"
WORKSPACE_B = "品牌乙 Beta"
WAIT = 20


# --------------------------------------------------------------------------
# Helpers


def wait(driver: WebDriver, timeout: float = WAIT) -> WebDriverWait:
    # Pages are replaced while we wait: elements of the old page go stale.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))


def html_lang(driver: WebDriver) -> str:
    # One script call: finding the element and then reading it raced a
    # navigation in CI ("Node with given id does not belong to the document").
    # Mid-navigation the old document may be gone: not this language yet.
    try:
        return driver.execute_script("return document.documentElement.lang")
    except WebDriverException:
        return ""


def wait_for_lang(driver: WebDriver, lang: str) -> None:
    try:
        wait(driver).until(lambda d: html_lang(d) == lang)
    except TimeoutException:
        raise AssertionError(f"expected <html lang={lang!r}> on {driver.current_url}, got {html_lang(driver)!r}")


def wait_for_path(driver: WebDriver, base_url: str, pattern: str) -> re.Match:
    """Waits until the current URL is base_url + a path matching `pattern` (full match)."""
    regex = re.compile(re.escape(base_url) + pattern)
    try:
        wait(driver).until(lambda d: regex.fullmatch(d.current_url.split("#")[0]))
    except TimeoutException:
        raise AssertionError(f"expected a URL like {pattern!r}, still on {driver.current_url}")
    return regex.fullmatch(driver.current_url.split("#")[0])


def expect_signed_in_at(driver: WebDriver, base_url: str, pattern: str, after: str) -> re.Match:
    """Like wait_for_path, but says plainly when `after` left the browser signed out."""
    try:
        return wait_for_path(driver, base_url, pattern)
    except AssertionError:
        if driver.current_url.startswith(base_url + "/sign-in"):
            raise AssertionError(
                f"{after} should leave the browser signed in on {pattern!r}, but the next page sent it to "
                f"{driver.current_url.removeprefix(base_url)}: the sign-in did not stick") from None
        raise


def fill(driver: WebDriver, form, name: str, value: str) -> None:
    element = form.find_element(By.NAME, name)
    element.clear()
    element.send_keys(value)


def submit(form) -> None:
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def nav_links(driver: WebDriver) -> dict[str, str]:
    """Path → label of the primary navigation."""
    links = driver.find_elements(By.CSS_SELECTOR, "header nav.primary a")
    return {re.sub(r"^https?://[^/]+", "", a.get_attribute("href")): a.text.strip() for a in links}


def flash_texts(driver: WebDriver) -> list[str]:
    return [p.text.strip() for p in driver.find_elements(By.CSS_SELECTOR, "main .flash")]


def error_status(driver: WebDriver) -> str:
    """The status number an error page shows in its heading."""
    return driver.find_element(By.CSS_SELECTOR, "main h1 small").text.strip()


RAW_MARKUP = re.compile(r"</?(?:table|thead|tbody|tr|td|th|p|form|input|button|a|li|ul|section|div|span|small|code)\b[^>]*>")


def check_no_raw_markup(soft, driver: WebDriver, where: str) -> None:
    """Markup that was escaped by mistake shows up as text on the page."""
    text = driver.find_element(By.ID, "main").text
    found = RAW_MARKUP.search(text)
    soft.check(found is None, f"{where} ({driver.current_url}): escaped HTML is shown as text: "
                              f"{text[max(0, found.start() - 40):found.end() + 80]!r}" if found else "")


def switcher_workspaces(driver: WebDriver) -> list[tuple[str, str]]:
    """(path, text) of every workspace listed in the header's workspace switcher."""
    switcher = driver.find_element(By.ID, "workspace-switcher")
    switcher.find_element(By.TAG_NAME, "summary").click()  # open it, as a person would
    wait(driver).until(lambda d: switcher.get_attribute("open") is not None)
    entries = []
    for a in switcher.find_elements(By.CSS_SELECTOR, "ul li a"):
        path = re.sub(r"^https?://[^/]+", "", a.get_attribute("href"))
        if path.startswith("/w/"):
            assert a.is_displayed(), f"switcher entry {path} is not visible when the switcher is open"
            entries.append((path, a.text.strip()))
    switcher.find_element(By.TAG_NAME, "summary").click()  # and close it again
    return entries


def create_workspace(driver: WebDriver, base_url: str, name: str) -> str:
    """Creates a workspace through the form on /workspaces; returns its slug."""
    driver.get(base_url + "/workspaces")
    form = driver.find_element(By.ID, "new-workspace-form")
    fill(driver, form, "name", name)
    assert form.find_element(By.NAME, "time_zone").get_attribute("value") == "Asia/Shanghai"
    submit(form)
    slug = wait_for_path(driver, base_url, r"/w/([a-z0-9-]+)").group(1)
    assert driver.find_element(By.CSS_SELECTOR, "main h1").text.strip() == name
    return slug


# --------------------------------------------------------------------------
# The journey


def test_foundation_journey(fanfare, new_browser, shot, http_client, soft):
    http = http_client
    base = fanfare.base_url

    # 1. The administrator signs in with the one-time setup link.
    admin = new_browser("admin")
    admin.get(fanfare.setup_link)
    wait_for_lang(admin, "zh-Hans")  # a Chinese browser gets Chinese pages
    form = admin.find_element(By.ID, "setup-form")
    assert Select(form.find_element(By.NAME, "locale")).first_selected_option.get_attribute("value") == "zh-Hans"
    fill(admin, form, "email", ADMIN_EMAIL)
    fill(admin, form, "display_name", ADMIN_NAME)
    fill(admin, form, "password", ADMIN_PASSWORD)
    assert form.find_element(By.NAME, "time_zone").get_attribute("value") == "Asia/Shanghai"
    submit(form)
    expect_signed_in_at(admin, base, r"/workspaces", after="completing the setup form")
    assert admin.find_element(By.CSS_SELECTOR, "#user-menu summary").text.strip() == ADMIN_NAME
    soft.check(flash_texts(admin), "after setup: no welcome notice for the new administrator")

    # The link works once only.
    used = http().get(fanfare.setup_link.removeprefix(base))
    assert used.status == 404, f"a used setup link should be 404, got {used.status}"

    # 2. Two workspaces: A (the member joins it) and B (the member must not see it).
    slug_a = create_workspace(admin, base, WORKSPACE_A)
    soft.check(any(WORKSPACE_A in text for text in flash_texts(admin)),
               f"after creating {WORKSPACE_A}: no notice naming it; notices: {flash_texts(admin)}")
    assert admin.find_element(By.ID, "your-role").text.strip() == "管理员"
    slug_b = create_workspace(admin, base, WORKSPACE_B)
    assert slug_a != slug_b
    assert {path for path, _ in switcher_workspaces(admin)} == {f"/w/{slug_a}", f"/w/{slug_b}"}

    # 3. Invite a member to A as editor.
    admin.get(f"{base}/w/{slug_a}/members")
    assert "/w/%s/members" % slug_a in nav_links(admin)
    rows = admin.find_elements(By.CSS_SELECTOR, "#member-list tbody tr")
    assert [r.get_attribute("data-email") for r in rows] == [ADMIN_EMAIL]
    check_no_raw_markup(soft, admin, "members page before inviting")
    invite = admin.find_element(By.ID, "invite-form")
    Select(invite.find_element(By.ID, "invite-role")).select_by_value("editor")
    submit(invite)
    link_box = wait(admin).until(EC.visibility_of_element_located((By.ID, "invitation-link")))
    invitation_link = link_box.get_attribute("value")
    assert re.fullmatch(re.escape(base) + r"/invitations/[A-Za-z0-9_\-]+", invitation_link), invitation_link
    assert "内容编辑" in admin.find_element(By.ID, "invitation-created").text  # "editor" in Chinese
    shot(admin, "01-members-invitation-link")
    soft.check(len(admin.find_elements(By.CSS_SELECTOR, "#invitation-list tbody tr")) == 1,
               "members page after inviting: the open invitation is not listed as a row of #invitation-list")
    check_no_raw_markup(soft, admin, "members page after inviting")

    # 4. The member, in another browser, opens the link, registers and joins.
    member = new_browser("member")
    member.get(invitation_link)
    wait_for_lang(member, "zh-Hans")
    lead = member.find_element(By.CSS_SELECTOR, "main .lead").text
    assert WORKSPACE_A in lead and "内容编辑" in lead, lead
    register = member.find_element(By.ID, "register-form")
    fill(member, register, "email", MEMBER_EMAIL)
    fill(member, register, "display_name", MEMBER_NAME)
    fill(member, register, "password", MEMBER_PASSWORD)
    register.find_element(By.ID, "accept-invitation").click()
    expect_signed_in_at(member, base, re.escape(f"/w/{slug_a}"), after="registering through the invitation")
    assert member.find_element(By.CSS_SELECTOR, "#user-menu summary").text.strip() == MEMBER_NAME
    assert member.find_element(By.ID, "your-role").text.strip() == "内容编辑"
    soft.check(any(WORKSPACE_A in text for text in flash_texts(member)),
               f"after joining: no welcome notice naming {WORKSPACE_A}; notices: {flash_texts(member)}")

    # ... and sees only that workspace: in the switcher ...
    entries = switcher_workspaces(member)
    assert [path for path, _ in entries] == [f"/w/{slug_a}"], entries
    assert WORKSPACE_A in entries[0][1] and WORKSPACE_B not in " ".join(t for _, t in entries)
    # ... on the list of workspaces ...
    member.get(base + "/workspaces")
    listed = [a.get_attribute("href").removeprefix(base)
              for a in member.find_elements(By.CSS_SELECTOR, "#workspace-list tbody a")]
    assert listed == [f"/w/{slug_a}"], listed
    assert WORKSPACE_B not in member.find_element(By.ID, "main").text
    # ... and, not being an instance administrator, is told who creates
    # workspaces instead of being shown a form that would only refuse.
    assert not member.find_elements(By.ID, "new-workspace-form")
    soft.check(bool(member.find_elements(By.ID, "workspaces-admins-only")),
               "the member's workspace list does not say that only administrators create workspaces")
    check_no_raw_markup(soft, member, "workspace list of the member")
    # ... and B is simply not there for them (404, not 403: its existence is not revealed).
    member.get(f"{base}/w/{slug_b}")
    assert error_status(member) == "404"
    assert member.find_element(By.CSS_SELECTOR, "main h1").text.startswith("未找到")  # "Not found"
    assert WORKSPACE_B not in member.page_source
    member_http = http()
    member_http.copy_cookies_from(member)
    for path in (f"/w/{slug_b}", f"/w/{slug_b}/members", "/w/no-such-workspace"):
        result = member_http.get(path)
        assert result.status == 404, f"GET {path} as the member: expected 404, got {result.status}"
        assert "<small class=\"muted\">404</small>" in result.body
    assert member_http.get(f"/w/{slug_a}").status == 200  # the copied session really is the member's

    # An editor has no Members entry in the navigation (only admin/manager may see members).
    member.get(f"{base}/w/{slug_a}")
    assert f"/w/{slug_a}/members" not in nav_links(member), nav_links(member)

    # 5. Switch the language to English ...
    switch = member.find_element(By.ID, "switch-language")
    assert switch.text.strip() == "English"
    switch.click()
    wait_for_lang(member, "en")
    wait_for_path(member, base, re.escape(f"/w/{slug_a}"))  # stays on the same page
    labels = set(nav_links(member).values())
    # The navigation is grouped; the workspace's home is its first entry and
    # the list of workspaces is reached through the switcher.
    assert "Workbench" in labels, labels
    assert member.find_element(By.CSS_SELECTOR, "#workspace-switcher a[href='/workspaces#new']").get_attribute("textContent").strip() == "New workspace…"
    assert member.find_element(By.ID, "your-role").text.strip() == "Editor"
    assert member.find_element(By.ID, "switch-language").text.strip() == "简体中文"
    shot(member, "02-overview-english")
    check_no_raw_markup(soft, member, "overview in English")
    # The choice is stored with the account, not only in this page.
    member.get(base + "/workspaces")
    wait_for_lang(member, "en")
    assert member.find_element(By.CSS_SELECTOR, "main h1").text.strip() == "Workspaces"

    # ... and back to Chinese.
    member.find_element(By.ID, "switch-language").click()
    wait_for_lang(member, "zh-Hans")
    wait_for_path(member, base, re.escape("/workspaces"))
    assert member.find_element(By.CSS_SELECTOR, "main h1").text.strip() == "工作区"
    assert member.find_element(By.ID, "switch-language").text.strip() == "English"
    # The administrator's own language was not touched.
    admin.get(f"{base}/w/{slug_a}/members")
    wait_for_lang(admin, "zh-Hans")

    # 6. The administrator makes the member a viewer ...
    row = admin.find_element(By.CSS_SELECTOR, f'#member-list tr[data-email="{MEMBER_EMAIL}"]')
    role_form = row.find_element(By.CSS_SELECTOR, "form[action$='/role']")
    assert Select(role_form.find_element(By.NAME, "role")).first_selected_option.get_attribute("value") == "editor"
    Select(role_form.find_element(By.NAME, "role")).select_by_value("viewer")
    submit(role_form)
    # The answer comes back to the same address: wait for the new page, not
    # only the URL, before reading its notice.
    wait(admin).until(EC.staleness_of(role_form))
    wait_for_path(admin, base, re.escape(f"/w/{slug_a}/members"))
    soft.check("角色已更改。" in flash_texts(admin), f"after changing the role: no notice; notices: {flash_texts(admin)}")
    row = admin.find_element(By.CSS_SELECTOR, f'#member-list tr[data-email="{MEMBER_EMAIL}"]')
    assert Select(row.find_element(By.NAME, "role")).first_selected_option.get_attribute("value") == "viewer"

    # ... who then cannot reach the members page: the 403 page, in their language.
    member.get(f"{base}/w/{slug_a}/members")
    wait_for_lang(member, "zh-Hans")
    assert error_status(member) == "403"
    assert member.find_element(By.CSS_SELECTOR, "main h1").text.startswith("无权访问")  # "Not allowed"
    assert member.find_elements(By.ID, "member-list") == []
    assert member.find_elements(By.ID, "invite-form") == []
    assert f"/w/{slug_a}/members" not in nav_links(member), nav_links(member)
    assert f"/w/{slug_a}" in nav_links(member)  # still a member: the overview stays in the nav
    shot(member, "03-viewer-members-403")

    member_http = http()
    member_http.copy_cookies_from(member)
    result = member_http.get(f"/w/{slug_a}/members")
    assert result.status == 403, f"members page for a viewer: expected 403, got {result.status}"
    assert "<small class=\"muted\">403</small>" in result.body
    assert 'id="member-list"' not in result.body
    overview = member_http.get(f"/w/{slug_a}")
    assert overview.status == 200 and "只读成员" in overview.body  # "viewer"

    # The administrator still gets the page.
    admin_http = http()
    admin_http.copy_cookies_from(admin)
    assert admin_http.get(f"/w/{slug_a}/members").status == 200

    soft.assert_all()


# --------------------------------------------------------------------------
# Sign-in errors and CSRF


def test_wrong_password_and_csrf(fanfare, browser, shot, http_client):
    http = http_client
    base = fanfare.base_url
    browser.get(base + "/sign-in")
    wait_for_lang(browser, "zh-Hans")
    form = browser.find_element(By.ID, "sign-in-form")
    fill(browser, form, "email", ADMIN_EMAIL)
    fill(browser, form, "password", "definitely-not-the-password")
    submit(form)
    alert = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "main .flash-error[role=alert]")))
    assert alert.text.strip() == "邮箱或密码不正确。"
    # Still the sign-in page, still signed out; the email is kept, the password is not.
    assert browser.current_url.split("?")[0] == base + "/sign-in"
    form = browser.find_element(By.ID, "sign-in-form")
    assert form.find_element(By.NAME, "email").get_attribute("value") == ADMIN_EMAIL
    assert form.find_element(By.NAME, "password").get_attribute("value") == ""
    assert browser.find_elements(By.ID, "user-menu") == []
    shot(browser, "04-sign-in-wrong-password")

    # The same in plain HTTP: the page comes with 401.
    client = http()
    page = client.get("/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.body)
    assert token, "the sign-in form carries a csrf_token"
    wrong = client.post("/sign-in", {"csrf_token": token.group(1), "next": "/", "email": ADMIN_EMAIL,
                                     "password": "definitely-not-the-password"})
    assert wrong.status == 401, f"wrong password: expected 401, got {wrong.status}"
    assert "邮箱或密码不正确。" in wrong.body

    # Without the csrf_token the same form post is refused with 403 ...
    refused = client.post("/sign-in", {"next": "/", "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert refused.status == 403, f"sign-in without csrf_token: expected 403, got {refused.status}"
    assert "<small class=\"muted\">403</small>" in refused.body
    # ... and with a wrong one, too (even with the right password).
    forged = client.post("/sign-in", {"csrf_token": "forged", "next": "/", "email": ADMIN_EMAIL,
                                      "password": ADMIN_PASSWORD})
    assert forged.status == 403, f"sign-in with a forged csrf_token: expected 403, got {forged.status}"

    # In the browser: a form whose token was removed gets the 403 error page.
    browser.get(base + "/sign-in")
    browser.execute_script("document.querySelector('#sign-in-form input[name=csrf_token]').remove()")
    form = browser.find_element(By.ID, "sign-in-form")
    fill(browser, form, "email", ADMIN_EMAIL)
    fill(browser, form, "password", ADMIN_PASSWORD)
    submit(form)
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "main h1 small")))
    assert error_status(browser) == "403"
    assert browser.find_elements(By.ID, "user-menu") == []  # not signed in
