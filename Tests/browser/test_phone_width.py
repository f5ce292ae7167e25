"""Every page of the demo fits a 375 px phone, in 简体中文 and in English.

The demo administrator's pages are found the way the language test finds
them (every link inside the workspace and the person's own pages; one page
per shape of path, since two fans' pages are drawn alike), then each is
opened in Chromium 375 px wide. A page fails when the document is wider
than the window, or when any element reaches past the window's right edge
without sitting in something that scrolls sideways on purpose (a wide
table inside ``.table-scroll``). Each failure names the element, so the
fix is where the finding points. The findings are written to
``artifacts/phone-width.txt``; a screenshot of each failing page is kept.
"""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from conftest import ARTIFACTS, HTTPClient
from test_language_completeness import crawl, sign_in, switch_language

WIDTH = 375

# Elements past the right edge that are not inside something scrolling
# sideways; each described by tag, id and classes. Hidden ones do not count.
OVERFLOWING = """
const width = document.documentElement.clientWidth;
const scrolls = (element) => {
  for (let e = element.parentElement; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (['auto', 'scroll', 'hidden'].includes(style.overflowX) && e !== document.body && e !== document.documentElement) return true;
  }
  return false;
};
const found = [];
for (const element of document.body.querySelectorAll('*')) {
  const rect = element.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) continue;
  const style = getComputedStyle(element);
  if (style.visibility === 'hidden' || style.position === 'fixed') continue;
  if (rect.right > width + 1 && !scrolls(element)) {
    const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
      (typeof element.className === 'string' && element.className.trim() ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
    found.push(name + ' reaches ' + Math.round(rect.right) + ' px');
  }
}
return {scrollWidth: document.documentElement.scrollWidth, width: width, found: found.slice(0, 8)};
"""


def shapes(paths: list[str]) -> list[str]:
    """One path per shape (ids and query values folded), the first found."""
    chosen: dict[str, str] = {}
    for path in sorted(paths):
        shape = re.sub(r"[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}", "{id}", path)
        shape = re.sub(r"=[^&]*", "=", shape)
        chosen.setdefault(shape, path)
    return sorted(chosen.values())


def test_every_demo_page_fits_a_phone(demo_server, new_browser, shot):
    client = HTTPClient(demo_server.base_url)
    sign_in(client, demo_server.setup_link)
    slugs = sorted(set(re.findall(r'href="/w/([a-z0-9-]+)"', client.get("/workspaces").body)))
    assert slugs, "the demo administrator sees no workspace"
    starts = [f"/w/{slug}" for slug in slugs] + ["/workspaces", "/settings/profile", "/settings/password", "/settings/tokens"]
    starts += [f"/p/{slug}/feedback" for slug in slugs]
    paths = shapes(list(crawl(client, starts)))
    assert len(paths) > 25, f"only {len(paths)} kinds of page were reached"

    driver = new_browser("phone")
    driver.set_window_size(WIDTH, 900)
    driver.get(demo_server.base_url + "/sign-in")
    driver.find_element(By.NAME, "email").send_keys("demo@fanfare.local")
    driver.find_element(By.NAME, "password").send_keys(demo_server.setup_link)
    driver.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]").click()

    report: list[str] = []
    failures: list[str] = []
    for locale in ("zh-Hans", "en"):
        switch_language(client, locale)  # the same person: the language is theirs
        for path in paths:
            driver.get(demo_server.base_url + path)
            lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
            assert lang == locale, f"{path} is in {lang}, expected {locale}"
            measured = driver.execute_script(OVERFLOWING)
            too_wide = measured["scrollWidth"] > measured["width"]
            if too_wide or measured["found"]:
                line = f"{locale} {path}: document {measured['scrollWidth']} px in {measured['width']}; " + "; ".join(measured["found"])
                report.append(line)
                failures.append(line)
                shot(driver, f"phone-{locale}-{path.strip('/').replace('/', '_').replace('?', '_')[:80]}")
    switch_language(client, "zh-Hans")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-width.txt").write_text(f"{len(paths)} kinds of page at {WIDTH} px\n" + "\n".join(report) + "\n")
    assert not failures, f"{len(failures)} pages do not fit {WIDTH} px (artifacts/phone-width.txt):\n" + "\n".join(failures[:25])
