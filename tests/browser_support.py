"""Browser test infrastructure: Debian's chromium driven by Playwright against pytest-django's
``live_server``. Never run ``playwright install``: the browser is /usr/bin/chromium.

Fixtures:

- ``browser`` (module): one headless chromium per test module. Not per session: a Playwright
  sync session owns the thread's event loop until it stops, and test modules that start
  their own ``sync_playwright()`` would then fail ("Sync API inside the asyncio loop").
- ``browser_page``: a fresh context (own cookies) with a desktop viewport, closed after the
  test; ``phone_page`` is the same at a phone's size (390×844). Every page fails its test
  when chromium reports a Content-Security-Policy violation (inline script or style).
- ``login_as(username, password=DEMO_PASSWORD, page=None)``: logs in through the real login
  form of ``live_server`` and returns the page, waiting for the signed-in navigation bar.
- ``browser_session``: ``with browser_session("clerk", phone=True) as page:`` — a logged-in
  page in a context of its own (own cookies), for tests where several users take turns.

Loaded for every test directory as a plugin from the root conftest.py.

Mark tests ``@pytest.mark.browser`` (the root conftest fails them under CI=true, and skips
them locally, when chromium is missing).
"""

import os
from contextlib import contextmanager

import pytest

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Project modules and Playwright are imported inside the fixtures: this plugin is loaded
# before pytest-django has configured Django, and only browser tests need Playwright.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000  # the machine has 2 cores shared with the live server and PostgreSQL


@pytest.fixture(scope="module")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        from tests.worker import skip_or_fail

        skip_or_fail(f"needs Debian chromium at {CHROMIUM}: apt-get install chromium")
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _page(browser, viewport):
    mobile = viewport == PHONE
    context = browser.new_context(
        viewport=viewport,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        is_mobile=mobile,
        has_touch=mobile,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # The Content-Security-Policy allows no inline script or style: chromium reports each
    # blocked script, handler or style="" on the console, and the test fails on any of them.
    page.csp_violations = []
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    return context, page


def assert_no_csp_violations(page) -> None:
    assert page.csp_violations == [], f"Content-Security-Policy violations: {page.csp_violations}"


@pytest.fixture
def browser_page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()
    assert_no_csp_violations(page)


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, PHONE)
    yield page
    context.close()
    assert_no_csp_violations(page)


def settle(page) -> None:
    """After a form came back with its errors: wait for that page's load, so that its
    scripts have run (the error summary takes the focus and scrolls to the top) before the
    test types and clicks again. Read as soon as the error is parsed, the page could still
    scroll under the next click, which then missed its button (a flaky failure in CI)."""
    page.wait_for_load_state("load")


def submit_login(page, base_url: str, username: str, password: str) -> None:
    """Fill and submit the real login form (no waiting for the outcome)."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


@pytest.fixture
def login_as(live_server, browser_page):
    """``login_as("clerk")`` → the page, signed in as that demo account (needs ``demo``)."""
    from relief.demo import DEMO_PASSWORD

    def login(username: str, password: str = DEMO_PASSWORD, page=None):
        page = page or browser_page
        submit_login(page, live_server.url, username, password)
        page.wait_for_selector("[data-testid=whoami]", state="attached")
        return page

    return login


@pytest.fixture
def browser_session(browser, live_server):
    """``with browser_session("supervisor") as page:`` — signed in, own cookies, closed after;
    fails the test if the page requested anything from outside the server (no CDN)."""
    from relief.demo import DEMO_PASSWORD

    @contextmanager
    def session(username: str, *, phone: bool = False, password: str = DEMO_PASSWORD):
        context, page = _page(browser, PHONE if phone else DESKTOP)
        # Township intranets are closed: every asset must come from the server itself.
        outside = []
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
        )
        try:
            submit_login(page, live_server.url, username, password)
            page.wait_for_selector("[data-testid=whoami]", state="attached")
            yield page
        finally:
            context.close()
        assert outside == [], f"requests outside the server: {outside}"
        assert_no_csp_violations(page)

    return session
