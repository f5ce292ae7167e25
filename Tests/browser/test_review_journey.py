"""A demo one person can walk, on a phone and on a laptop: with the sign-ins
``serve --demo`` prints, the demo's editor writes a post and submits it; the
demo's reviewer finds it on their 工作台 ("待我审核的内容"), opens it from
there and approves it; the demo's legal reviewer does the same; the editor
sends it out and it is published on the Sandbox. The journey runs at 375 px
(the navigation folded behind 菜单) and at 1366 px; every step's screenshot
is kept as a CI artefact.
"""

from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC

from test_foundation_journey import fill, flash_texts, wait, wait_for_lang
from test_publishing_journey import PUBLISH_TIMEOUT, click_through, review_history, status_text

BODY = "春天来了，新品咖啡豆今天上市。欢迎到门店免费试饮，首批限量供应。"


def demo_sign_ins(server) -> dict[str, tuple[str, str]]:
    """role → (email, password), from the file ``serve --demo`` writes next
    to printing the same lines."""
    lines = (server.data_dir / "demo-sign-ins").read_text().splitlines()
    result = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            role, email, password = line.split("\t")
            result[role] = (email, password)
    return result


def sign_in(driver: WebDriver, base: str, email: str, password: str) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/sign-in")
    form = driver.find_element(By.ID, "sign-in-form")
    fill(driver, form, "email", email)
    fill(driver, form, "password", password)
    click_through(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait_for_lang(driver, "zh-Hans")


def follow_menu(driver: WebDriver, path_end: str) -> None:
    """Follows a navigation link as a person would: on a phone the menu is
    folded behind its button first."""
    toggle = driver.find_elements(By.CSS_SELECTOR, "label.nav-toggle-label")
    if toggle and toggle[0].is_displayed():
        toggle[0].click()
    link = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, f'header nav.primary a[href$="{path_end}"]')))
    click_through(driver, link)


def page_fits(driver: WebDriver, width: int, where: str) -> None:
    # The window's own width less its scroll bar: what the page may use.
    used, room = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert used <= room, f"{where} is {used} px wide in a {width} px window ({room} px for the page)"


def open_from_workbench(driver: WebDriver, base: str, slug: str, title: str, width: int, shot, name: str) -> None:
    """The reviewer's day starts on the 工作台: the count of posts waiting
    for them opens the list, the list opens the post."""
    driver.get(f"{base}/w/{slug}")
    tile = driver.find_element(By.ID, "work-review")
    count = int(tile.find_element(By.CSS_SELECTOR, ".count").text)
    assert count >= 1, f"{name}: the 工作台 shows {count} posts waiting for review"
    page_fits(driver, width, f"{name}'s 工作台")
    shot(driver, f"review-{width}-{name}-01-workbench")
    click_through(driver, tile)
    assert "review=mine" in driver.current_url
    links = [a for a in driver.find_elements(By.CSS_SELECTOR, "#post-list a") if title in a.text]
    assert links, f"{name}: the post is not among those waiting for their review"
    page_fits(driver, width, f"{name}'s review queue")
    shot(driver, f"review-{width}-{name}-02-queue")
    click_through(driver, links[0])


@pytest.mark.parametrize("width", [375, 1366])
def test_one_person_walks_a_post_through_every_review_step(width, demo_server, new_browser, shot):
    base = demo_server.base_url
    people = demo_sign_ins(demo_server)
    for role in ("editor", "reviewer", "legal"):
        assert role in people, f"serve --demo printed no sign-in for the {role}; it printed {sorted(people)}"
    driver = new_browser(f"walker-{width}")
    driver.set_window_size(width, 900)
    title = f"新品预告 {width}"

    # The editor writes the post for one Sandbox account and submits it.
    sign_in(driver, base, *people["editor"])
    driver.get(base + "/workspaces")
    slug = re.search(r'href="/w/([a-z0-9-]+)"', driver.page_source).group(1)
    driver.get(f"{base}/w/{slug}")
    follow_menu(driver, f"/w/{slug}/posts")
    driver.get(f"{base}/w/{slug}/posts/new")
    compose = driver.find_element(By.ID, "compose-form")
    fill(driver, compose, "title", title)
    fill(driver, compose, "body", BODY)
    boxes = compose.find_elements(By.NAME, "account_ids[]")
    assert boxes, "the compose form offers no account"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", boxes[0])
    if not boxes[0].is_selected():
        boxes[0].click()
    page_fits(driver, width, "the compose form")
    shot(driver, f"review-{width}-editor-01-compose")
    click_through(driver, compose.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    post_url = driver.current_url
    assert re.search(r"/posts/[0-9a-fA-F-]{36}$", post_url), post_url
    click_through(driver, driver.find_element(By.ID, "submit-post"))
    assert status_text(driver) == "审核中", status_text(driver)
    page_fits(driver, width, "the post page")
    shot(driver, f"review-{width}-editor-02-submitted")

    # The reviewer, then legal, each from their own 工作台.
    for role, name in (("reviewer", "reviewer"), ("legal", "legal")):
        sign_in(driver, base, *people[role])
        open_from_workbench(driver, base, slug, title, width, shot, name)
        assert driver.find_elements(By.ID, "review-form"), f"the {name} is not offered the review form"
        click_through(driver, driver.find_element(By.ID, "approve"))
        assert "你已通过这一级审核。" in flash_texts(driver), flash_texts(driver)
        shot(driver, f"review-{width}-{name}-03-approved")
    assert status_text(driver) == "已通过"
    assert review_history(driver) == ["submitted", "auto_passed", "approved", "approved"], review_history(driver)

    # The editor sends it out now; the worker publishes it to the Sandbox.
    sign_in(driver, base, *people["editor"])
    driver.get(post_url)
    click_through(driver, driver.find_element(By.ID, "publish-now"))
    deadline = time.monotonic() + PUBLISH_TIMEOUT
    while status_text(driver) != "已发布":
        assert time.monotonic() < deadline, f"not published within {PUBLISH_TIMEOUT} s: {status_text(driver)}"
        time.sleep(2)
        driver.get(post_url)
    page_fits(driver, width, "the published post")
    shot(driver, f"review-{width}-editor-03-published")
