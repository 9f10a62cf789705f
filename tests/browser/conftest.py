"""Fixtures of the browser tests: the session app on a live server, Debian's Chromium.

Chromium is launched from /usr/bin/chromium (never `playwright install`); the test module
is skipped as a whole when it is absent. Every page records what went wrong while it was
open (failed requests, error responses, requests to other hosts, script errors) so that a
test can assert that nothing did.
"""

import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path("/tmp/wuye-shots")
LOCAL_HOST = "127.0.0.1"

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def live_server_url(app):
    """The session app served on 127.0.0.1 (a free port) by a thread of this process."""
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, one for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """The folder of screenshots, for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@dataclass
class Traffic:
    """What the pages of one browser context asked for and what went wrong."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_status: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"request to another host: {url}" for url in self.foreign),
            *(f"request failed: {what}" for what in self.failed),
            *(f"error response: {what}" for what in self.bad_status),
            *(f"script error: {what}" for what in self.script_errors),
        ]


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == LOCAL_HOST


def _open_context(browser, options: dict):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    traffic = Traffic()

    def guard(route):
        # Nothing may leave the machine: other hosts are recorded and refused.
        url = route.request.url
        if _is_local(url):
            route.continue_()
        else:
            if url not in traffic.foreign:
                traffic.foreign.append(url)
            route.abort("blockedbyclient")

    def on_request(request):
        traffic.requests.append(request.url)
        if not _is_local(request.url) and request.url not in traffic.foreign:
            traffic.foreign.append(request.url)

    def on_failed(request):
        # The browser fetches the tab's icon on its own and drops it when the page moves on
        # or the network goes: not a request of the page's. Nor is a read the page started
        # (a chart's figures) and the browser dropped because the test moved to another page;
        # a write that never arrived still counts.
        if not _is_local(request.url) or "favicon" in urlsplit(request.url).path:
            return
        dropped_read = (
            request.method == "GET"
            and request.resource_type == "fetch"
            and "ERR_ABORTED" in (request.failure or "")
        )
        if not dropped_read:
            traffic.failed.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response):
        if response.status >= 400:
            traffic.bad_status.append(f"{response.status} {response.request.method} {response.url}")

    def on_page(page):
        page.on("pageerror", lambda error: traffic.script_errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                traffic.script_errors.append(message.text) if message.type == "error" else None
            ),
        )

    context.route("**/*", guard)
    context.on("request", on_request)
    context.on("requestfailed", on_failed)
    context.on("response", on_response)
    context.on("page", on_page)
    return context, traffic


@pytest.fixture
def phone(browser):
    """A phone-sized browser context (390×844, touch) and its traffic record."""
    context, traffic = _open_context(browser, PHONE)
    yield context, traffic
    context.close()


@pytest.fixture
def desktop(browser):
    """A desktop-sized browser context (1366×900) and its traffic record."""
    context, traffic = _open_context(browser, DESKTOP)
    yield context, traffic
    context.close()
