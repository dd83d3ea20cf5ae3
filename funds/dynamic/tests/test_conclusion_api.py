"""The review-conclusion API (/api/dynamic/reviews/<id>/conclude/): its months
(effective_month, recovery_from, recovery_to) are months, YYYY-MM as the conclusion page's
form and the dishonesty API take them, the month's 1st as a date still accepted, another day
or a bad month refused at the field in Chinese with nothing saved; the schema shows it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseState
from cases.workflow.services import case_transition
from funds.dynamic.models import DishonestyRecord, ReviewCase, ReviewOutcome, ReviewTrigger
from funds.dynamic.services import add_months, review_open
from funds.recipients.selectors import state_for_month
from funds.recipients.tests.support import registered
from funds.rosters.models import RecoveryOrder

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _in_review(demo) -> ReviewCase:
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return review


def _url(review) -> str:
    return f"/api/dynamic/reviews/{review.pk}/conclude/"


def _payload(**changes) -> dict:
    return {
        "outcome": ReviewOutcome.AMOUNT,
        "new_amount": "400.00",
        "reasons": "家庭收入增加",
        "effective_month": f"{_month(2):%Y-%m}",
        "dishonesty_note": "申报时隐瞒务工收入",
        "recovery_amount": "300.00",
        "recovery_from": f"{_month(-2):%Y-%m}",
        "recovery_to": f"{_month(-1):%Y-%m}",
        **changes,
    }


def test_the_months_are_taken_as_yyyy_mm_and_the_decision_follows_them(demo):
    review = _in_review(demo)
    response = _api(demo.user("approver")).post(
        _url(review), _payload(then="decide", opinion="同意"), format="json"
    )
    assert response.status_code == 200, response.content
    review.refresh_from_db()
    assert review.applied_at is not None
    assert review.effective_month == _month(2)
    assert (review.recovery_from, review.recovery_to) == (_month(-2), _month(-1))
    recipient = review.recipient
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("580")
    assert state_for_month(recipient=recipient, month=_month(2)).monthly_amount == Decimal("400")
    order = RecoveryOrder.objects.get()
    assert order.months == f"{_month(-2):%Y年%m月}至{_month(-1):%Y年%m月}"
    assert DishonestyRecord.objects.get().recovery_order == order


def test_the_first_of_the_month_as_a_date_still_works(demo):
    review = _in_review(demo)
    response = _api(demo.user("clerk")).post(
        _url(review),
        _payload(
            effective_month=_month(2).isoformat(),
            recovery_from=_month(-2).isoformat(),
            recovery_to=_month(-1).isoformat(),
        ),
        format="json",
    )
    assert response.status_code == 200, response.content
    review.refresh_from_db()
    assert review.outcome == ReviewOutcome.AMOUNT and review.applied_at is None
    assert review.effective_month == _month(2)
    assert (review.recovery_from, review.recovery_to) == (_month(-2), _month(-1))


@pytest.mark.parametrize("name", ["effective_month", "recovery_from", "recovery_to"])
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{day:%Y-%m}-15", "填写日期的须为当月1日"),
        ("2026-13", "请填写有效月份（如 2026-07）"),
        ("七月", "请填写有效月份（如 2026-07）"),
        (202607, "请填写有效月份（如 2026-07）"),
    ],
)
def test_another_day_or_a_bad_month_is_refused_at_the_field_and_nothing_is_saved(
    demo, name, raw, message
):
    review = _in_review(demo)
    value = raw.format(day=_month(-1)) if isinstance(raw, str) else raw
    response = _api(demo.user("approver")).post(
        _url(review), _payload(then="decide", **{name: value}), format="json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(message in error for error in errors[name]), errors
    assert set(errors) == {name}
    review.refresh_from_db()
    review.case.refresh_from_db()
    assert review.outcome == "" and review.applied_at is None
    assert review.effective_month is None and review.recovery_from is None
    assert review.case.state == CaseState.REVIEW
    assert not DishonestyRecord.objects.exists() and not RecoveryOrder.objects.exists()


def test_the_schema_shows_the_month_format(client, demo):
    client.force_login(demo.user("admin"))
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["ReviewConcludeInput"]["properties"]
    for name in ("effective_month", "recovery_from", "recovery_to"):
        assert fields[name]["type"] == "string"
        assert fields[name]["pattern"] == r"^\d{4}-\d{2}(-01)?$"
        assert fields[name]["example"] == "2026-07"
        assert "YYYY-MM" in fields[name]["description"]
        assert fields[name].get("nullable") is True
