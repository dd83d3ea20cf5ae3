"""Each demo role logs in through the login page and lands on its own home page; a wrong
password is answered in Chinese and django-axes locks the account after the limit."""

from urllib.parse import urlparse

import pytest
from axes.models import AccessAttempt
from django.urls import NoReverseMatch, reverse

from relief.demo import ACCOUNTS, DEMO_PASSWORD
from relief.models import Role
from relief.navigation import NAV_ITEMS
from tests.browser_support import submit_login

pytestmark = pytest.mark.browser

HOME_TITLES = {
    Role.ADMINISTRATOR: "系统管理",
    Role.COUNTY_SUPERVISOR: "县级监管",
    Role.COUNTY_VERIFIER: "经济状况核对",
    Role.TOWNSHIP_CLERK: "乡镇经办",
    Role.TOWNSHIP_APPROVER: "乡镇审核确认",
    Role.VILLAGE_ASSISTANT: "村级协理",
    Role.DEPARTMENT_OFFICER: "协同办理",
}
ROLE_ACCOUNTS = [
    "admin",
    "supervisor",
    "verifier",
    "clerk",
    "approver",
    "assistant",
    "dept_yibao",
]


def expected_nav(roles: set[str]) -> list[str]:
    """The menu relief/navigation.py promises for these roles (entries whose page exists)."""
    labels = []
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
        if roles & set(item.roles):
            try:
                reverse(item.url_name)
            except NoReverseMatch:
                continue
            labels.append(item.label)
    return labels


def test_every_role_logs_in_through_the_form_and_sees_its_own_home_page(
    demo, login_as, browser_page
):
    accounts = {a.username: a for a in ACCOUNTS}
    assert {accounts[u].role for u in ROLE_ACCOUNTS} == set(Role.values)  # one account per role
    menus = {}
    for username in ROLE_ACCOUNTS:
        account = accounts[username]
        page = login_as(username)
        assert urlparse(page.url).path == "/"  # LOGIN_REDIRECT_URL: the home page
        assert page.inner_text("h1") == HOME_TITLES[account.role]
        assert page.inner_text("[data-testid=home-role]").strip() == account.role
        whoami = page.inner_text("[data-testid=whoami]")
        assert account.full_name in whoami and Role(account.role).label in whoami
        nav = [
            t.strip()
            for t in page.locator("#mainnav .navbar-nav.me-auto .nav-link").all_inner_texts()
        ]
        assert nav == expected_nav({account.role}), username
        assert nav[0] == "首页"
        menus[account.role] = nav
        if username == "clerk":
            page.screenshot(path="/tmp/relief-home-clerk.png", full_page=True)
        page.click("text=退出")
        page.wait_for_selector("#id_username")
    # menus differ by role: the village assistant never sees the administrator's pages
    admin_only = set(menus[Role.ADMINISTRATOR]) - set(menus[Role.VILLAGE_ASSISTANT])
    assert admin_only or len(menus[Role.ADMINISTRATOR]) == 1


def test_the_assistant_sees_only_their_village_on_a_phone(demo, live_server, phone_page):
    submit_login(phone_page, live_server.url, "assistant", DEMO_PASSWORD)
    phone_page.wait_for_selector("[data-testid=home-role]", state="attached")
    assert phone_page.inner_text("h1") == "村级协理"
    assert "城东社区" in phone_page.inner_text("main")
    # the collapsed menu opens from the toggler on a phone
    phone_page.click(".navbar-toggler")
    phone_page.wait_for_selector("#mainnav.show")
    assert phone_page.locator("#mainnav .nav-link", has_text="首页").is_visible()


def test_a_wrong_password_is_refused_in_chinese(demo, live_server, browser_page):
    submit_login(browser_page, live_server.url, "clerk", "not-the-password")
    alert = browser_page.inner_text(".alert-danger")
    assert "正确的" in alert and "用户名" in alert and "密码" in alert
    assert browser_page.input_value("#id_username") == "clerk"
    assert browser_page.locator("[data-testid=whoami]").count() == 0


def test_axes_locks_the_account_after_the_failure_limit(demo, live_server, browser_page, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        submit_login(browser_page, live_server.url, "approver", "wrong-password")
        assert "锁定" not in browser_page.inner_text("main")
    submit_login(browser_page, live_server.url, "approver", "wrong-password")
    assert "登录失败次数过多，账户已暂时锁定" in browser_page.inner_text("main")
    # even the right password is refused now
    submit_login(browser_page, live_server.url, "approver", DEMO_PASSWORD)
    assert "账户已暂时锁定" in browser_page.inner_text("main")
    assert browser_page.locator("[data-testid=whoami]").count() == 0
    assert AccessAttempt.objects.get(username="approver").failures_since_start >= limit
    # another account from the same address is not locked
    submit_login(browser_page, live_server.url, "clerk", DEMO_PASSWORD)
    browser_page.wait_for_selector("[data-testid=whoami]", state="attached")
