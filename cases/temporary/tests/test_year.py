"""[G] per household and per year: the cumulative 临时救助 amount and the same-cause count
(cases.temporary.yearly.year_figures) shown for an ordinary (支出型) case on the case page
and the amount page, and counted by the tier guard: over the yearly cap or the same-cause
limit the township cannot confirm and the case goes to the county (报县审批)."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState, Member
from cases.temporary import services, yearly
from cases.workflow.services import TransitionRefused
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401
from relief.models import AssistanceType
from tests.factories import CaseFactory, make_id_number

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=BJ)


@pytest.fixture(autouse=True)
def june(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _emergency_grant(demo, amount, *, at=NOW):
    """A 先行救助 grant of the county to a person registered as an emergency; their number."""
    id_number = make_id_number(birth=D(1970, 5, 1))
    case = services.emergency_register(
        actor=demo.user("assistant"),
        village=demo.village,
        person_name="王大山",
        id_number=id_number,
        identity_pending=False,
        identity_note="",
        cause="火灾",
        needs="临时住所和生活用品",
        address="城东社区幸福路1号",
        hukou_type="rural",
    )
    services.emergency_grant_create(
        case=case,
        actor=demo.user("supervisor"),
        body="county",
        kind="cash",
        description="生活救助金",
        amount=amount,
        granted_at=at,
    )
    return id_number


def _in_review(demo, amount, *, id_number=None):
    """An ordinary case in review; its applicant holds ``id_number`` (the person helped as an
    emergency, registered in a household of their own) when given."""
    case = make_case(demo.gushu, type_code="temp_expense")
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.survey_status, case.monthly_amount = "complete", Decimal(amount)
    go(case, "finish_investigation", "clerk")
    if id_number:
        Member.objects.filter(pk=case.applicant_id).update(id_number=id_number)
    return case


def _refusal(case, name, user):
    with pytest.raises(TransitionRefused) as exc:
        go(case, name, user)
    return " ".join(exc.value.messages)


def test_an_earlier_emergency_grant_of_the_year_is_shown_for_an_ordinary_case(demo, client):
    number = _emergency_grant(demo, "500")
    case = _in_review(demo, "800", id_number=number)
    figures = yearly.year_figures(case, year=2026)
    assert (figures["total"], figures["same_cause_count"]) == (Decimal("500"), 0)
    assert figures["cause"] == "支出型"
    client.force_login(demo.user("clerk"))
    for url in (
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:temporary_amount", args=[case.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'data-testid="year-figures"' in page, url
        assert "本户2026年累计救助" in page and "500.00 元（不含本案）" in page, url
        assert "同一事由（支出型）" in page and "此前已救助 0 次" in page, url


def test_over_the_yearly_cap_the_township_cannot_confirm_and_refers_to_the_county(demo):
    number = _emergency_grant(demo, "2500")
    case = _in_review(demo, "800", id_number=number)
    reason = _refusal(case, "confirm", "approver")
    assert "须报县审批" in reason
    assert "本户本年度已救助2,500.00元，加本次超过年度累计上限3,000.00元" in reason
    assert go(case, "refer_to_county", "approver") == CaseState.COUNTY_REVIEW


def test_under_the_yearly_cap_the_township_confirms_as_before(demo):
    number = _emergency_grant(demo, "2200")
    case = _in_review(demo, "800", id_number=number)  # 2,200 + 800 = 3,000
    assert go(case, "confirm", "approver") == CaseState.CONFIRMED


def test_a_grant_of_another_year_is_not_counted(demo, monkeypatch):
    new_year_eve = datetime.datetime(2025, 12, 31, 23, 0, tzinfo=BJ)
    monkeypatch.setattr(timezone, "now", lambda: new_year_eve)
    number = _emergency_grant(demo, "2500", at=new_year_eve)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    case = _in_review(demo, "800", id_number=number)
    assert yearly.year_figures(case, year=2026)["total"] == Decimal("0")
    assert yearly.year_figures(case, year=2025)["total"] == Decimal("2500")
    assert go(case, "confirm", "approver") == CaseState.CONFIRMED


def test_a_second_expenditure_case_of_the_year_goes_to_the_county(demo):
    first = _in_review(demo, "600")
    go(first, "confirm", "approver")
    # Its one-off aid paid, the case has ended (the duplicate guard lets a new one in).
    Case.objects.filter(pk=first.pk).update(state=CaseState.TERMINATED)
    first.refresh_from_db()
    second = CaseFactory(
        household=first.household,
        assistance_type=AssistanceType.objects.get(code="temp_expense"),
        documents_complete=True,
    )
    figures = yearly.year_figures(second, year=2026)
    assert (figures["total"], figures["same_cause_count"]) == (Decimal("600"), 1)
    go(second, "accept", "clerk")
    go(second, "start_investigation", "clerk")
    second.survey_status, second.monthly_amount = "complete", Decimal("300")
    go(second, "finish_investigation", "clerk")
    reason = _refusal(second, "confirm", "approver")
    assert "本户本年度同一事由已救助1次（上限1次）" in reason
    assert go(second, "refer_to_county", "approver") == CaseState.COUNTY_REVIEW


def test_the_case_page_names_the_body_that_decides(demo, client):
    client.force_login(demo.user("clerk"))
    village = _in_review(demo, "800")
    page = client.get(reverse("cases:detail", args=[village.pk])).content.decode()
    assert "审批机关：<strong>村级救急难互助金</strong>" in page
    township = _in_review(demo, "1800")
    page = client.get(reverse("cases:detail", args=[township.pk])).content.decode()
    assert "审批机关：<strong>乡镇(街道)</strong>" in page
    number = _emergency_grant(demo, "2500")
    county = _in_review(demo, "1800", id_number=number)
    page = client.get(reverse("cases:detail", args=[county.pk])).content.decode()
    assert "审批机关：<strong>县民政局</strong>" in page
    assert "加本次超过年度累计上限3,000.00元" in page
