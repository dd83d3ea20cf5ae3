import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseClock, CaseEvent, CaseState
from relief.models import Delegation
from review.models import AmountChange, Filing
from review.services import (
    complaint_register,
    query_open,
    rectification_issue,
    spot_check_campaign_create,
)
from review.tests.conftest import PERIOD


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "kind", ["queries", "rectifications", "complaints", "campaigns", "campaign_detail", "township"]
)
def test_list_pages_use_a_constant_number_of_queries(client, demo, confirmed_case, kind):
    supervisor = demo.user("supervisor")

    def add(n):
        for _ in range(n):
            case = confirmed_case()
            filing = Filing.objects.create(
                case=case,
                kind="confirmation",
                township=case.township,
                assistance_type=case.assistance_type,
                decided_on=case.decided_on,
            )
            query_open(filing=filing, actor=supervisor, subject="问", body="请说明")
            rectification_issue(
                actor=supervisor,
                township=demo.gushu,
                problem_kind="other",
                description="x",
                case=case,
            )
            complaint_register(
                actor=supervisor, channel="visit", named=False, content="x", case=case
            )
        return spot_check_campaign_create(
            actor=supervisor, name="c", period_start=PERIOD[0], period_end=PERIOD[1]
        )

    user = demo.user("clerk") if kind == "township" else supervisor
    client.force_login(user)
    campaign = add(2)
    url = {
        "campaign_detail": lambda: reverse("review:campaign_detail", args=[campaign.pk]),
    }.get(kind, lambda: reverse(f"review:{kind}"))
    few = _queries(client, url())
    campaign = add(6)
    assert _queries(client, url()) == few


def test_supervisor_suspends_a_delegation_from_the_page(client, demo):
    delegation = Delegation.objects.get(township=demo.huangchi, assistance_type__code="dibao_rural")
    client.force_login(demo.user("supervisor"))
    prefix = f"d{delegation.pk}"
    response = client.post(
        reverse("review:delegations"),
        {
            "delegation": delegation.pk,
            f"{prefix}-status": "suspended",
            f"{prefix}-effective_date": timezone.localdate().isoformat(),
            f"{prefix}-reason": "问题率高",
        },
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.status == Delegation.Status.SUSPENDED
    page = client.get(reverse("review:delegations")).content.decode()
    assert "问题率高" in page
    # No reason: refused with the service's Chinese message, nothing changed.
    client.post(
        reverse("review:delegations"),
        {
            "delegation": delegation.pk,
            f"{prefix}-status": "active",
            f"{prefix}-effective_date": timezone.localdate().isoformat(),
            f"{prefix}-reason": "",
        },
    )
    delegation.refresh_from_db()
    assert delegation.status == Delegation.Status.SUSPENDED


def test_correction_page_changes_the_amount_and_shows_the_notice(client, demo, confirmed_case):
    case = confirmed_case(monthly_amount=Decimal("500"))
    client.force_login(demo.user("supervisor"))
    url = reverse("review:correction", args=[case.pk])
    bad = client.post(
        url,
        {
            "action": "amount",
            "a-new_amount": "-5",
            "a-effective_from": "2026-11-01",
            "a-reasons": "r",
            "a-legal_basis": "b",
        },
    )
    assert bad.status_code == 200 and not AmountChange.objects.exists()
    response = client.post(
        url,
        {
            "action": "amount",
            "a-new_amount": "450",
            "a-effective_from": "2026-11-01",
            "a-reasons": "收入核算有误",
            "a-legal_basis": "办法第二十三条",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "依法纠正决定告知书" in response.content.decode() and "450" in response.content.decode()
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("450")
    event = CaseEvent.objects.get(case=case, transition="county_amount_change")
    # The township of the case may open the notice, another township may not.
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("review:correction_notice", args=[event.pk])).status_code == 200
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("review:correction_notice", args=[event.pk])).status_code == 404


def test_correction_page_revokes(client, demo, confirmed_case):
    case = confirmed_case()
    client.force_login(demo.user("supervisor"))
    response = client.post(
        reverse("review:correction", args=[case.pk]),
        {"action": "revoke", "x-reasons": "不符合条件", "x-legal_basis": "办法第三十五条"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REVOKED


def test_stats_on_time_rate_comes_from_the_case_clock(client, demo, confirmed_case):
    for on_time in (True, True, False):
        case = confirmed_case()
        CaseClock.objects.update_or_create(
            case=case,
            defaults=dict(
                started_on=datetime.date(2026, 9, 20),
                limit_wd=20,
                limit_max_wd=45,
                overall_due=datetime.date(2026, 10, 20),
                due_soon_from=datetime.date(2026, 10, 15),
                on_time=on_time,
            ),
        )
    client.force_login(demo.user("supervisor"))
    response = client.get(reverse("review:stats"), {"from": "2026-10-01", "to": "2026-10-31"})
    row = next(r for r in response.context["rows"] if r["township"] == demo.gushu)
    assert (row["on_time"], row["on_time_of"]) == (2, 3)
    assert row["on_time_rate"] == Decimal("66.7")
