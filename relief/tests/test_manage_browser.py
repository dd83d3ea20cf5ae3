"""The administrator's pages in a real browser at a phone's size (Debian chromium)."""

import pytest

from relief.models import Delegation, PolicySetting, Region
from tests.browser_support import settle


@pytest.fixture
def phone(live_server, demo, browser_session):
    with browser_session("admin", phone=True) as page:
        yield page, live_server.url


@pytest.mark.browser
def test_an_administrator_manages_regions_policies_and_delegations_on_a_phone(phone, demo):
    page, base = phone

    # a new village under 乌溪镇, first with a code that does not match the township
    page.goto(f"{base}/manage/regions/new/?parent={demo.wuxi.pk}")
    page.fill("#id_code", "340521101299")
    page.fill("#id_name", "新河村")
    page.click("form button[type=submit]")
    assert "代码前9位须与上级" in page.inner_text("[data-testid=error-code]")
    settle(page)
    page.fill("#id_code", "340521102299")
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=region-tree]")
    assert page.is_visible("[data-code='340521102299']")
    assert Region.objects.get(code="340521102299").parent == demo.wuxi

    # a bad policy value shows its Chinese message at the field, a good one is saved
    page.goto(f"{base}/manage/policies/{demo.county.pk}/notice_days/")
    page.fill("#id_value", "0")
    page.click("form button[type=submit]")
    assert "公示期：不能小于 1" in page.inner_text("[data-testid=error-value]")
    settle(page)
    page.fill("#id_value", "10")
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-testid=snapshot-note]")
    assert PolicySetting.objects.get(region=demo.county, key="notice_days").value == 10

    # suspend 黄池镇's 低保 power from today: the matrix cards on the phone follow
    d = Delegation.objects.get(township=demo.huangchi, assistance_type__code="dibao_rural")
    page.goto(f"{base}/manage/delegations/{d.pk}/")
    page.select_option("#id_status", "suspended")
    page.fill("#id_reason", "抽查问题率高，暂停整改")
    page.click("form button.btn-warning")
    assert page.inner_text("[data-testid=status-today]") == "暂停"
    page.goto(f"{base}/manage/delegations/")
    cards = page.inner_text("[data-testid=delegation-cards]")
    assert "农村最低生活保障 ✗ 暂停" in cards
