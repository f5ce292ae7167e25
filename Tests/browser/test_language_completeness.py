"""Every page of the demo workspace reads in the reader's language.

The demo administrator's pages are crawled (every link inside the
workspace, the person's settings and the fans' public pages), once in
简体中文 and once in English. A Chinese page fails on any Latin word or raw
code (`check_in_rewards`, `silent→potential`) that is not on the written
allow-list below; an English page fails on any Chinese character. What
people typed (posts, messages, names, handles) is marked `translate="no"`
by the pages and is not judged, nor is text marked with its own `lang`. The findings are written to
``artifacts/language-<locale>.txt`` either way.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from conftest import ARTIFACTS, HTTPClient

DEMO_EMAIL = "demo@fanfare.local"

# Words a Chinese page may show in Latin letters: product, platform and
# technology names that Chinese teams write in Latin letters themselves,
# units and the names of standard formats.
ALLOWED = {
    "fanfare", "api", "csv", "json", "url", "id", "ip", "utc", "http", "https", "html", "sse",
    "mastodon", "bluesky", "webhook", "ok", "p50", "p90", "p99", "kb", "mb", "gb", "emoji",
    "english", "sandbox", "ugc", "kol", "koc", "vip", "ab", "ctr", "roi", "sla", "okr", "kpi", "raci",
    "openapi", "yaml", "bearer", "fnf", "rss", "gzip", "iana",
    # "UTM 参数" is how Chinese marketers name link-tracking parameters;
    # 日活（DAU）, 周活（WAU）, 月活（MAU）: the industry's own abbreviations.
    "utm", "dau", "wau", "mau",
    # The import form's hint names the programs (Excel, WPS), the workbook
    # format (.xlsx) and the text encodings (UTF-8, GB18030) as their own
    # Chinese menus do.
    "excel", "wps", "xlsx", "utf-8", "gb18030",
    # Picture and video formats, as upload dialogs name them.
    "jpeg", "png", "gif", "webp", "mp4", "mov",
    # A monitor's query operators, typed as they are whatever the language
    # (the query help names them), and the mail protocols as Chinese mail
    # clients' settings name them.
    "and", "or", "not", "starttls", "tls",
}

# Pages that still show the other language, by path pattern, while the
# pages are being moved to view models. This list only ever shrinks.
PENDING: list[str] = []

SKIP = re.compile(r"/(export|events|sign-out)(/|$)|\.csv$|/download")
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[._→-][A-Za-z0-9_]+)*")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class PageText(HTMLParser):
    """The text a reader sees, without what people typed (translate="no"),
    scripts and styles; plus the links to follow."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.pieces: list[str] = []
        self.links: list[str] = []

    @property
    def hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        # The <title> repeats the page's heading (judged in the body) after
        # the workspace's name, which people typed.
        # Text marked as another language (the language switch names the
        # other language in itself) is that language on purpose.
        hidden = (attributes.get("translate") == "no" or tag in ("script", "style", "template", "title")
                  or (tag != "html" and bool(attributes.get("lang"))))
        if tag == "a" and attributes.get("href") and "download" not in attributes:
            self.links.append(attributes["href"])
        if not (self.hidden or hidden):
            for name in SHOWN_ATTRIBUTES:
                if attributes.get(name):
                    self.pieces.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
                self.pieces.append(attributes["value"])
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.pieces.append(data)


def sign_in(client: HTTPClient, password: str) -> None:
    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.body).group(1)
    signed = client.post("/sign-in", {"email": DEMO_EMAIL, "password": password, "csrf_token": token})
    assert signed.status == 303, f"demo sign-in failed: {signed.status}"


def switch_language(client: HTTPClient, locale: str) -> None:
    page = client.get("/workspaces")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.body).group(1)
    switched = client.post("/locale", {"locale": locale, "next": "/workspaces", "csrf_token": token})
    assert switched.status == 303


def crawl(client: HTTPClient, starts: list[str], limit: int = 600) -> dict[str, str]:
    """Every page reachable from `starts` inside the workspace and the
    person's own pages, by path; the body of each that answered 200."""
    seen: set[str] = set()
    # A calendar links to the month before and after for ever: a few
    # variants of one path's query are enough to read its words.
    variants: dict[str, int] = {}
    queue = deque(starts)
    pages: dict[str, str] = {}
    allowed_prefixes = ("/w/", "/workspaces", "/settings", "/p/", "/sandbox/")
    while queue and len(pages) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        result = client.get(path)
        content_type = next((value for name, value in result.headers.items() if name.lower() == "content-type"), "")
        if result.status != 200 or "text/html" not in content_type:
            continue
        pages[path] = result.body
        parser = PageText()
        parser.feed(result.body)
        for href in parser.links:
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith(allowed_prefixes) or SKIP.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in seen:
                continue
            if parts.query:
                shape = re.sub(r"[0-9a-fA-F-]{36}", "{id}", parts.path)
                variants[shape] = variants.get(shape, 0) + 1
                if variants[shape] > 3:
                    continue
            queue.append(target)
    return pages


def findings(body: str, locale: str) -> list[str]:
    parser = PageText()
    parser.feed(body)
    found: list[str] = []
    for piece in parser.pieces:
        if locale == "zh-Hans":
            for word in LATIN.findall(piece):
                if word.lower() not in ALLOWED and not word.lower().startswith(("fnf_",)):
                    found.append(f"{word!r} in {piece.strip()[:80]!r}")
        else:
            for run in CJK.findall(piece):
                found.append(f"{run!r} in {piece.strip()[:80]!r}")
    return found


def test_every_demo_page_reads_in_chinese_and_in_english(demo_server):
    password = demo_server.setup_link
    client = HTTPClient(demo_server.base_url)
    sign_in(client, password)
    workspaces = client.get("/workspaces").body
    slugs = sorted(set(re.findall(r'href="/w/([a-z0-9-]+)"', workspaces)))
    assert slugs, "the demo administrator sees no workspace"
    ARTIFACTS.mkdir(exist_ok=True)
    failures: list[str] = []
    for locale in ("zh-Hans", "en"):
        switch_language(client, locale)
        starts = [f"/w/{slug}" for slug in slugs] + ["/workspaces", "/settings/profile", "/settings/password", "/settings/tokens"]
        starts += [f"/p/{slug}/feedback" for slug in slugs] + [f"/p/{slug}/adopted" for slug in slugs]
        pages = crawl(client, starts)
        report: list[str] = [f"{len(pages)} pages in {locale}"]
        for path, body in sorted(pages.items()):
            found = findings(body, locale)
            if not found:
                continue
            pending = any(re.search(pattern, path) for pattern in PENDING)
            report.append(f"{'PENDING ' if pending else ''}{path}: {len(found)}")
            report.extend(f"    {line}" for line in found[:40])
            if not pending:
                failures.append(f"{locale} {path}: {found[:5]}")
        (ARTIFACTS / f"language-{locale}.txt").write_text("\n".join(report) + "\n")
        assert len(pages) > 30, f"only {len(pages)} pages were reached in {locale}"
    switch_language(client, "zh-Hans")
    assert not failures, f"{len(failures)} pages show the other language (see artifacts/language-*.txt):\n" + "\n".join(failures[:30])
