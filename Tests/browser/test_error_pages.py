"""Paths that match no route must give the 404 error page, and must not take
the server down. Runs on its own server: at the time of writing a single such
request crashes the process (Fatal error: No `SessionsMiddleware` detected),
which would break every other test sharing a server.
"""

from __future__ import annotations

import time

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from conftest import HTTPClient


def alive(server, seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        time.sleep(0.1)
    return server.process.poll() is None


@pytest.mark.parametrize("path", ["/favicon.ico", "/robots.txt", "/no/such/page"])
def test_unrouted_path_gives_404_page_and_server_survives(own_server, path):
    client = HTTPClient(own_server.base_url)
    try:
        result = client.get(path, headers={"Accept-Language": "zh-CN"})
    except OSError as error:  # connection reset: the process died mid-request
        result = None
        failure = f"{error!r}"
    server_alive = alive(own_server)
    crash = "" if server_alive else f"\nserver exited with {own_server.process.returncode}:\n" + "\n".join(
        line for line in own_server.log_tail(400).splitlines() if "Fatal error" in line or "crashed" in line)
    assert result is not None, f"GET {path}: no response ({failure}){crash}"
    assert server_alive, f"GET {path} answered {result.status} but the server died{crash}"
    assert result.status == 404, f"GET {path}: expected 404, got {result.status}"
    assert '<small class="muted">404</small>' in result.body
    assert client.get("/healthz").status == 200


def test_real_browser_does_not_crash_the_server(own_server, new_browser):
    """An ordinary browser asks for /favicon.ico after the first page."""
    driver = new_browser("plain", block_favicon=False)
    for attempt in range(2):
        try:
            driver.get(own_server.base_url + "/sign-in")
            assert driver.find_elements(By.ID, "sign-in-form")
        except WebDriverException:
            pass  # judged below: did the server die?
        assert alive(own_server, 1.5), (  # time for the favicon request to arrive
            f"the server died after a browser opened /sign-in ({attempt + 1}. time); log:\n" + "\n".join(
                line for line in own_server.log_tail(400).splitlines() if "Fatal error" in line or "crashed" in line))
