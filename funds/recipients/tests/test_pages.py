import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from funds.recipients.models import Bank, Recipient
from funds.recipients.services import bank_account_set
from funds.recipients.tests.support import luhn_complete, registered
from relief.models import DataReveal

pytestmark = pytest.mark.django_db

CARD = luhn_complete("621700123456789")


def _with_account(demo, recipient):
    return bank_account_set(
        household=recipient.household,
        actor=demo.user("clerk"),
        holder_name=recipient.head_name,
        holder_member=recipient.case.applicant,
        bank=Bank.RCC,
        account_number=CARD,
    )


def test_the_list_shows_counts_and_monthly_totals_of_the_filtered_recipients(client, demo):
    registered(demo, amount=Decimal("580.00"), members=2)
    registered(demo, amount=Decimal("412.50"), members=1)
    registered(demo, amount=Decimal("900.00"), members=3, village=demo.wuxi_village)
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("recipients:list")).content.decode()
    assert 'data-testid="total-households">2<' in page
    assert 'data-testid="total-persons">3<' in page
    assert "992.50 元" in page
    assert "待补账户" in page
    filtered = client.get(reverse("recipients:list"), {"amount_min": "500"}).content.decode()
    assert 'data-testid="total-households">1<' in filtered
    assert "580.00 元" in filtered


def test_the_list_query_count_does_not_grow_with_the_rows(client, demo):
    client.force_login(demo.user("clerk"))
    registered(demo)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("recipients:list"))
    for _ in range(5):
        _with_account(demo, registered(demo))
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("recipients:list"))
    assert len(six) == len(one)


def test_a_county_supervisor_sees_every_township(client, demo):
    registered(demo)
    registered(demo, village=demo.wuxi_village)
    client.force_login(demo.user("supervisor"))
    page = client.get(reverse("recipients:list")).content.decode()
    assert 'data-testid="total-households">2<' in page


def test_another_townships_recipient_is_404(client, demo):
    recipient = registered(demo)
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("recipients:detail", args=[recipient.pk])).status_code == 404
    assert (
        client.post(reverse("recipients:reveal", args=[recipient.pk]), {"purpose": "x"}).status_code
        == 404
    )


def test_the_detail_shows_the_history_and_a_masked_account(client, demo):
    recipient = registered(demo)
    _with_account(demo, recipient)
    client.force_login(demo.user("approver"))
    page = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert "纳入保障" in page and "2026年4月" in page
    assert f"6217 **** **** {CARD[-4:]}" in page
    assert CARD not in page
    assert 'data-testid="reveal-form"' in page


def test_the_detail_and_export_mask_the_head_id_number_and_reveal_it_logged(client, demo):
    recipient = registered(demo)
    number = recipient.head_id_number
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert number not in page and number[:4] + "**********" + number[-4:] in page
    reveal_url = reverse("cases:member_id_reveal", args=[recipient.case.applicant_id])
    assert reveal_url in page
    assert not DataReveal.objects.exists()
    revealed = client.post(reveal_url).content.decode()
    assert number in revealed
    assert DataReveal.objects.get().kind == DataReveal.Kind.ID_NUMBER
    sheet = load_workbook(io.BytesIO(client.get(reverse("recipients:export")).content)).active
    assert number not in str(list(sheet.iter_rows(values_only=True)))


def test_reveal_shows_the_number_once_and_logs_it(client, demo):
    recipient = registered(demo)
    _with_account(demo, recipient)
    client.force_login(demo.user("clerk"))
    url = reverse("recipients:reveal", args=[recipient.pk])
    refused = client.post(url, {"purpose": ""}).content.decode()
    assert "请填写查看完整账号的用途" in refused and CARD not in refused
    response = client.post(url, {"purpose": "核对花名册"}, REMOTE_ADDR="10.1.2.3")
    assert CARD in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    reveal = DataReveal.objects.get(kind=DataReveal.Kind.BANK_ACCOUNT)
    assert (reveal.user.username, reveal.client_address, reveal.purpose) == (
        "clerk",
        "10.1.2.3",
        "核对花名册",
    )
    recipient.refresh_from_db()
    assert reveal.subject == recipient.bank_account and reveal.township == demo.gushu
    assert (reveal.path, reveal.view_name) == (url, "recipients:reveal")


def test_a_village_assistant_sees_the_recipient_but_not_the_number(client, demo):
    recipient = registered(demo)
    _with_account(demo, recipient)
    client.force_login(demo.user("assistant"))
    page = client.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
    assert 'data-testid="reveal-form"' not in page
    url = reverse("recipients:reveal", args=[recipient.pk])
    assert client.post(url, {"purpose": "看看"}).status_code == 403
    assert client.get(reverse("recipients:account", args=[recipient.pk])).status_code == 403
    assert not DataReveal.objects.exists()


def test_the_account_form_puts_the_check_digit_message_at_its_field(client, demo):
    recipient = registered(demo)
    client.force_login(demo.user("clerk"))
    url = reverse("recipients:account", args=[recipient.pk])
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    data = {"holder_member": recipient.case.applicant.pk, "bank": "abc", "kind": "card"}
    page = client.post(url, data | {"account_number": bad}).content.decode()
    assert "卡号校验位不正确" in page
    assert not recipient.household.bank_accounts.exists()
    response = client.post(url, data | {"account_number": CARD})
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.bank_account.account_number == CARD
    assert recipient.bank_account.holder_name == recipient.case.applicant.name


def test_the_xlsx_export_reads_back_with_escaped_cells_and_a_totals_row(client, demo):
    first = registered(demo, amount=Decimal("580.00"))
    second = registered(demo, amount=Decimal("412.50"))
    Recipient.objects.filter(pk=second.pk).update(head_name='=HYPERLINK("x")')
    _with_account(demo, first)
    client.force_login(demo.user("clerk"))
    response = client.get(reverse("recipients:export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "乡镇(街道)",
        "村(社区)",
        "户主(申请人)",
        "身份证号(脱敏)",
        "救助类型",
        "状态",
        "保障人数",
        "月发放额(元)",
    )
    assert rows[1][2] == first.head_name
    assert rows[1][7] == 580
    assert rows[1][9:11] == ("农村信用社", f"6217 **** **** {CARD[-4:]}")
    assert rows[2][2] == '\'=HYPERLINK("x")'
    assert rows[2][9] == "待补账户"
    assert rows[3][0] == "合计" and rows[3][2] == "2户"
    assert Decimal(str(rows[3][7])) == Decimal("992.50")
    assert rows[1][8] == datetime.date(2026, 4, 1).strftime("%Y-%m")


def test_the_navigation_links_the_register(client, demo):
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("home")).content.decode()
    assert reverse("recipients:list") in page


def test_the_case_page_of_a_case_in_payment_links_its_recipient(client, demo):
    recipient = registered(demo)
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[recipient.case_id])).content.decode()
    assert reverse("recipients:detail", args=[recipient.pk]) in page
