"""Browser test infrastructure: Debian's chromium driven by Playwright against pytest-django's
``live_server``. Never run ``playwright install``: the browser is /usr/bin/chromium.

Fixtures:

- ``browser`` (module): one headless chromium per test module. Not per session: a Playwright
  sync session owns the thread's event loop until it stops, and test modules that start
  their own ``sync_playwright()`` would then fail ("Sync API inside the asyncio loop").
- ``browser_page``: a fresh context (own cookies) with a desktop viewport, closed after the
  test; ``phone_page`` is the same at a phone's size (390×844).
- ``login_as(username, password=DEMO_PASSWORD, page=None)``: logs in through the real login
  form of ``live_server`` and returns the page, waiting for the signed-in navigation bar.

Mark tests ``@pytest.mark.browser`` (the root conftest fails them under CI=true, and skips
them locally, when chromium is missing).
"""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


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
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


@pytest.fixture
def browser_page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, PHONE)
    yield page
    context.close()


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
