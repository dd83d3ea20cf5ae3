"""Emergency pages: the phone entry, field errors, the grant form, the list with both
clocks, the case page's card, and another township's emergency answering 404."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cases.models import Emergency, EmergencyGrant
from cases.temporary.tests.test_emergency import register
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from tests.factories import make_id_number


@pytest.fixture
def as_user(client, demo):
    def login(username):
        client.force_login(demo.user(username))
        return client

    return login


def test_the_assistant_registers_on_one_short_form(as_user, demo):
    client = as_user("assistant")
    page = client.get(reverse("cases:emergency_new"))
    assert page.status_code == 200 and "火灾" in page.content.decode()
    response = client.post(
        reverse("cases:emergency_new"),
        {
            "village": demo.village.pk,
            "person_name": "王大山",
            "id_number": make_id_number(birth=datetime.date(1970, 5, 1)),
            "cause": "火灾",
            "needs": "临时住所",
            "address": "城东社区幸福路1号",
            "hukou_type": "rural",
        },
    )
    emergency = Emergency.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:emergency_detail", args=[emergency.pk])


def test_missing_cause_and_identity_are_refused_at_the_field(as_user, demo):
    client = as_user("assistant")
    response = client.post(
        reverse("cases:emergency_new"),
        {"village": demo.village.pk, "person_name": "王大山", "needs": "x", "address": "y"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-cause"' in body and "请选择事由" in body
    assert not Emergency.objects.exists()
    response = client.post(
        reverse("cases:emergency_new"),
        {
            "village": demo.village.pk,
            "person_name": "王大山",
            "cause": "火灾",
            "needs": "x",
            "address": "y",
            "hukou_type": "rural",
        },
    )
    assert "请填写身份证号，或选择身份待核" in response.content.decode()
    assert not Emergency.objects.exists()


@pytest.mark.parametrize(("raw", "message"), [("-5", "金额须大于 0 元"), ("abc", "金额须为数字")])
def test_grant_form_refuses_bad_amounts_at_the_field(as_user, demo, raw, message):
    case = register(demo)
    client = as_user("clerk")
    response = client.post(
        reverse("cases:emergency_grant", args=[case.pk]),
        {"body": "township", "kind": "cash", "description": "生活费", "amount": raw},
    )
    assert response.status_code == 400
    assert 'data-testid="error-amount"' in response.content.decode()
    assert message in response.content.decode()
    assert not EmergencyGrant.objects.exists()


def test_grant_over_the_tier_names_the_county(as_user, demo):
    case = register(demo)
    client = as_user("clerk")
    response = client.post(
        reverse("cases:emergency_grant", args=[case.pk]),
        {"body": "township", "kind": "cash", "description": "生活费", "amount": "2000.01"},
    )
    assert response.status_code == 400 and "须由县民政局决定" in response.content.decode()
    response = client.post(
        reverse("cases:emergency_grant", args=[case.pk]),
        {"body": "township", "kind": "cash", "description": "生活费", "amount": "800"},
    )
    assert response.status_code == 302
    listing = client.get(reverse("cases:emergency_list")).content.decode()
    assert case.number in listing and "剩" in listing and "个工作日" in listing


def test_the_case_page_shows_the_card_with_the_skipped_steps(as_user, demo):
    case = register(demo, pending=True)
    body = as_user("clerk").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="emergency-panel"' in body and "身份待核" in body
    assert "经济状况核对：" in body and "民主评议：" in body and "公示：" in body


def test_another_township_gets_404(as_user, demo):
    case = register(demo)
    client = as_user("clerk_wuxi")
    for name in ("cases:emergency_detail", "cases:emergency_grant", "cases:emergency_identify"):
        assert client.get(reverse(name, args=[case.pk])).status_code == 404
    response = client.post(
        reverse("cases:emergency_grant", args=[case.pk]),
        {"body": "township", "kind": "cash", "description": "x", "amount": "10"},
    )
    assert response.status_code == 404
    assert case.number not in client.get(reverse("cases:emergency_list")).content.decode()


def test_the_navigation_links_the_list(as_user):
    body = as_user("assistant").get(reverse("cases:emergency_list")).content.decode()
    assert reverse("cases:emergency_list") in body
