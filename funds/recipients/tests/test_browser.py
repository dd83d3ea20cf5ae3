"""A township clerk finds a recipient, sees the masked account and reveals it (logged)."""

from decimal import Decimal

import pytest

from funds.recipients.models import Bank
from funds.recipients.services import bank_account_set
from funds.recipients.tests.support import luhn_complete, registered
from relief.models import DataReveal


@pytest.mark.browser
def test_clerk_filters_the_register_and_reveals_an_account(
    transactional_db, demo, live_server, browser_session, tmp_path
):
    card = luhn_complete("621700123456789")
    recipient = registered(demo, amount=Decimal("580.00"), members=2)
    registered(demo, amount=Decimal("412.50"), members=1)
    bank_account_set(
        household=recipient.household,
        actor=demo.user("clerk"),
        holder_name=recipient.head_name,
        holder_member=recipient.case.applicant,
        bank=Bank.RCC,
        account_number=card,
    )
    with browser_session("clerk") as page:
        page.goto(f"{live_server.url}/")
        page.click("nav >> text=在册对象")
        assert page.locator("[data-testid=total-households]").inner_text() == "2"
        assert page.locator("[data-testid=total-amount]").inner_text() == "992.50 元"
        page.fill("#id_amount_min", "500")
        page.click("text=筛选")
        page.wait_for_load_state()
        assert page.locator("[data-testid=recipient-row]").count() == 1
        page.screenshot(path=str(tmp_path / "list.png"), full_page=True)
        page.click(f"text={recipient.head_name}")
        assert (
            page.locator("[data-testid=account-masked]").inner_text()
            == f"6217 **** **** {card[-4:]}"
        )
        page.fill("#id_purpose", "核对花名册账号")
        page.click("text=查看完整账号")
        page.wait_for_load_state()
        assert page.locator("[data-testid=account-revealed]").inner_text() == card
        page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)
    assert DataReveal.objects.get(kind=DataReveal.Kind.BANK_ACCOUNT).purpose == "核对花名册账号"
