"""Fixtures for Fanfare's browser journey tests.

* ``fanfare`` (session): the real ``fanfare serve`` binary on a free port with
  a fresh SQLite data directory; gives the base URL and the one-time setup
  link it printed. Stopped with SIGTERM at the end, which must finish within
  15 s (graceful shutdown).
* ``browser`` / ``new_browser``: headless Chromium sessions, each with its own
  profile and therefore its own cookie jar. When a test fails, every browser
  it opened leaves a screenshot and its page source in ``artifacts/``.
* ``shot(driver, name)``: a screenshot of a key step into ``artifacts/``.
* ``soft``: checks that are recorded and reported together at the end
  (``soft.assert_all()``), so one cosmetic defect does not hide the rest of
  the journey.
* ``http``: urllib helpers (no third-party HTTP client) for checking exact
  status codes, optionally with a session cookie copied out of a browser.
"""

from __future__ import annotations

import base64
import http.cookiejar as cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = HERE / "artifacts"

FANFARE_BIN = Path(os.environ.get("FANFARE_BIN", str(REPO / ".build" / "debug" / "fanfare")))
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
HEADLESS = os.environ.get("BROWSER_HEADED", "") == ""

STARTUP_TIMEOUT = 60
# `serve --demo` answers at once and prepares the demo in the background
# (a month of history through the product's services: seconds in a release
# build, longer in a debug one on a busy machine).
DEMO_TIMEOUT = 180
SHUTDOWN_TIMEOUT = 15
SETUP_LINK = re.compile(r"(http://\S+/setup/[A-Za-z0-9_\-]+)")
# `serve --demo` prints the demo administrator's password once the demo is
# ready; kept in `setup_link`.
DEMO_PASSWORD = re.compile(r"Sign in as demo@fanfare\.local with password (\S+)")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"


# --------------------------------------------------------------------------
# The server


@dataclass
class FanfareServer:
    process: subprocess.Popen
    base_url: str
    data_dir: Path
    stderr_path: Path
    stdout_lines: list[str] = field(default_factory=list)
    setup_link: str | None = None
    reader: threading.Thread | None = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class ServerStartError(Exception):
    pass


def start_server(demo: bool = False) -> FanfareServer:
    """Starts ``fanfare serve`` on a free port with a fresh data directory and
    waits for GET /healthz == 200 and the setup link on stdout (with
    ``demo``: the demo administrator's password instead)."""
    if not FANFARE_BIN.is_file() or not os.access(FANFARE_BIN, os.X_OK):
        raise ServerStartError(f"Fanfare binary not found or not executable: {FANFARE_BIN} (set FANFARE_BIN)")
    ARTIFACTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fanfare-browser-"))
    data_dir = work / "data"
    data_dir.mkdir()
    stderr_path = work / "server.log"
    port = _free_port()
    env = dict(os.environ, FANFARE_DATA_DIR=str(data_dir), PORT=str(port), HOST="127.0.0.1")
    env.pop("DATABASE_URL", None)
    env.pop("FANFARE_SECRET_KEY", None)
    with open(stderr_path, "wb") as stderr_file:
        process = subprocess.Popen(
            [str(FANFARE_BIN), "serve"] + (["--demo"] if demo else []), env=env, cwd=str(work),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file,
            text=True, encoding="utf-8", errors="replace", bufsize=1,
        )
    server = FanfareServer(process=process, base_url=f"http://127.0.0.1:{port}",
                           data_dir=data_dir, stderr_path=stderr_path)
    link_seen = threading.Event()

    def read_stdout():
        for line in process.stdout:
            server.stdout_lines.append(line.rstrip("\n"))
            match = (DEMO_PASSWORD if demo else SETUP_LINK).search(line)
            if match and server.setup_link is None:
                server.setup_link = match.group(1)
                link_seen.set()

    server.reader = threading.Thread(target=read_stdout, name="fanfare-stdout", daemon=True)
    server.reader.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(server.base_url):
            if process.poll() is not None:
                raise ServerStartError(f"fanfare serve exited with {process.returncode} during start-up.\n"
                                       f"stdout: {server.stdout_lines}\nstderr:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerStartError(f"GET /healthz did not answer 200 within {STARTUP_TIMEOUT} s.\n"
                                       f"stderr:\n{server.log_tail()}")
            time.sleep(0.2)
        # The setup link is printed before the HTTP server starts, so it is
        # there by now; the demo's sign-ins come when the demo is ready.
        if not link_seen.wait(DEMO_TIMEOUT if demo else 5):
            raise ServerStartError(f"no setup link on stdout; stdout was: {server.stdout_lines}")
        if not demo and not server.setup_link.startswith(server.base_url + "/setup/"):
            raise ServerStartError(f"setup link {server.setup_link} is not under {server.base_url}")
    except BaseException:
        process.kill()
        process.wait()
        raise
    return server


def stop_server(server: FanfareServer, log_name: str = "server.log") -> None:
    """SIGTERM; the process must exit with 0 within 15 s (graceful shutdown).
    The server's log is kept as ``artifacts/<log_name>``; the temporary data
    directory is removed either way."""
    process = server.process
    log = ARTIFACTS / log_name
    try:
        if process.poll() is not None:
            raise AssertionError(f"fanfare serve had already exited with {process.returncode} before SIGTERM "
                                 f"(crashed?); log: {log}\n{server.log_tail(15)}")
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"fanfare serve did not exit within {SHUTDOWN_TIMEOUT} s of SIGTERM (log: {log})")
        assert code == 0, f"fanfare serve exited with {code} after SIGTERM; log: {log}\n{server.log_tail(15)}"
    finally:
        if server.reader is not None:
            server.reader.join(timeout=5)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(server.stderr_path, log)
        shutil.rmtree(server.stderr_path.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def fanfare():
    """The server shared by the journey tests."""
    try:
        server = start_server()
    except ServerStartError as error:
        pytest.fail(str(error))
    yield server
    stop_server(server)


@pytest.fixture
def demo_server(request):
    """A server of its own started with ``--demo``: the demo workspace made
    by the product's own code paths; ``setup_link`` holds the password."""
    journey = request.module.__name__.removeprefix("test_").removesuffix("_journey")
    try:
        server = start_server(demo=True)
    except ServerStartError as error:
        pytest.fail(str(error))
    yield server
    if server.process.poll() is None:
        stop_server(server, log_name=f"server-{journey}.log")
    else:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(server.stderr_path, ARTIFACTS / f"server-{journey}.log")
        shutil.rmtree(server.stderr_path.parent, ignore_errors=True)


@pytest.fixture
def own_server(request):
    """A server of its own for a journey that must start from an empty
    database (its setup link unused). The log is kept as
    ``artifacts/server-<journey>.log``, also when the server crashed."""
    journey = request.module.__name__.removeprefix("test_").removesuffix("_journey")
    yield from serve_own(f"server-{journey}.log")


def serve_own(log_name: str, demo: bool = False):
    """Starts a server for one test (with ``demo``: ``serve --demo``) and
    stops it afterwards, keeping its log as ``artifacts/<log_name>`` (also
    when it crashed): the body of a fixture, for fixtures that set the
    environment first."""
    try:
        server = start_server(demo=demo)
    except ServerStartError as error:
        pytest.fail(str(error))
    yield server
    if server.process.poll() is None:
        stop_server(server, log_name=log_name)
    else:  # it crashed; the test reports that: keep the log, clean up
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(server.stderr_path, ARTIFACTS / log_name)
        shutil.rmtree(server.stderr_path.parent, ignore_errors=True)


# --------------------------------------------------------------------------
# Browsers


def make_driver(block_favicon: bool = False) -> webdriver.Chrome:
    """A fresh headless Chromium with its own profile (own cookie jar).

    ``block_favicon``: Chromium fetches ``/favicon.ico`` after each page, which
    Fanfare answers with its 404 page; blocking it only quiets the server log
    while debugging.
    """
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if HEADLESS:
        options.add_argument("--headless=new")
    for argument in ("--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN", "--window-size=1280,900",
                     "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                     "--disable-features=Translate,PasswordLeakDetection"):
        options.add_argument(argument)
    # --lang alone does not always reach Accept-Language in headless mode.
    options.add_experimental_option("prefs", {
        "intl.accept_languages": "zh-CN,zh",
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
    })
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    if block_favicon:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/favicon.ico"]})
    return driver


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def save_screenshot(driver: webdriver.Chrome, path: Path, full_page: bool = True) -> None:
    """The whole page (not only the window) when full_page, via DevTools."""
    if full_page:
        try:
            width, height = driver.execute_script(
                "const e = document.documentElement;"
                "return [Math.max(e.scrollWidth, e.clientWidth), Math.max(e.scrollHeight, e.clientHeight)];")
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1}})
            path.write_bytes(base64.b64decode(shot["data"]))
            return
        except Exception:
            pass  # fall back to the visible part
    driver.save_screenshot(str(path))


def _save_failure_artifacts(test_name: str, drivers: dict[str, webdriver.Chrome]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for label, driver in drivers.items():
        stem = ARTIFACTS / f"FAILED-{_safe(test_name)}-{_safe(label)}"
        try:
            save_screenshot(driver, Path(str(stem) + ".png"))
        except Exception as error:  # the browser may be gone already
            print(f"could not save screenshot for {label}: {error}")
        try:
            Path(str(stem) + ".html").write_text(
                f"<!-- {driver.current_url} -->\n" + driver.page_source, encoding="utf-8")
        except Exception as error:
            print(f"could not save page source for {label}: {error}")


@pytest.fixture
def new_browser(request):
    """Opens further browsers: ``new_browser("member")``. Each is independent."""
    drivers: dict[str, webdriver.Chrome] = {}

    def open_browser(label: str = "browser", block_favicon: bool = False) -> webdriver.Chrome:
        assert label not in drivers, f"browser {label!r} already open"
        drivers[label] = make_driver(block_favicon=block_favicon)
        return drivers[label]

    yield open_browser

    failed = any(getattr(request.node, "rep_" + when, None) is not None
                 and getattr(request.node, "rep_" + when).failed for when in ("setup", "call"))
    if failed:
        _save_failure_artifacts(request.node.name, drivers)
    for driver in drivers.values():
        try:
            driver.quit()
        except Exception:
            pass


@pytest.fixture
def browser(new_browser):
    return new_browser("main")


@pytest.fixture
def shot():
    """Saves a screenshot of a key step as ``artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(driver: webdriver.Chrome, name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{_safe(name)}.png"
        save_screenshot(driver, path, full_page)
        return path

    return take


class SoftChecks:
    def __init__(self):
        self.failures: list[str] = []

    def check(self, condition, message: str) -> bool:
        if not condition:
            self.failures.append(message)
        return bool(condition)

    def assert_all(self) -> None:
        if self.failures:
            failures, self.failures = self.failures, []
            raise AssertionError(f"{len(failures)} check(s) failed along the way:\n- " + "\n- ".join(failures))


@pytest.fixture
def soft(request):
    checks = SoftChecks()
    yield checks
    if checks.failures:  # the test stopped before assert_all(): still say what was seen
        print("Soft checks that had failed before the test stopped:\n- " + "\n- ".join(checks.failures))


# --------------------------------------------------------------------------
# Plain HTTP (urllib) for exact status codes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class HTTPResult:
    status: int
    headers: dict
    body: str


class HTTPClient:
    """A tiny urllib client with its own cookie jar that never follows redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def copy_cookies_from(self, driver: webdriver.Chrome) -> None:
        host = urllib.parse.urlsplit(self.base_url).hostname
        for c in driver.get_cookies():
            self.jar.set_cookie(cookiejar.Cookie(
                version=0, name=c["name"], value=c["value"], port=None, port_specified=False,
                domain=c.get("domain") or host, domain_specified=False, domain_initial_dot=False,
                path=c.get("path", "/"), path_specified=True, secure=c.get("secure", False),
                expires=c.get("expiry"), discard=False, comment=None, comment_url=None,
                rest={"HttpOnly": None} if c.get("httpOnly") else {}))

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> HTTPResult:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as response:
                return HTTPResult(response.status, dict(response.headers), response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            body = error.read().decode("utf-8", "replace")
            return HTTPResult(error.code, dict(error.headers), body)

    def get(self, path: str, **kwargs) -> HTTPResult:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> HTTPResult:
        return self.request("POST", path, form=form, **kwargs)


@pytest.fixture
def http_client(fanfare):
    """``http()`` gives a fresh urllib client for the running server."""
    return lambda: HTTPClient(fanfare.base_url)
