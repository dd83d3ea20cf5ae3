"""The clerk's close of a notice (close_notice / close_result_notice) needs the notice to
have run in a published batch whose period is over (guards.notice_ran_in_batch): a date set
on entering the state is not enough, on the page, through the API or in the service."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState
from cases.notices.models import BatchState
from cases.notices.services import batch_withdraw, batches_close_due
from cases.workflow.services import TransitionRefused, available_transitions
from cases.workflow.tests.helpers import (  # noqa: F401
    LONG_AGO,
    fast_passwords,
    go,
    make_case,
    post_notice,
)

REFUSED = "须在公示批次中公示期满后方可办理（请先发布公示批次）"


def _waiting(demo) -> Case:
    """In 确认前公示 since 20 days ago (its period by date long over), never posted."""
    return make_case(demo.gushu, force_state=CaseState.PRE_NOTICE, notice_started_on=LONG_AGO)


def _reasons(case, user) -> list[str]:
    option = next(
        o for o in available_transitions(case=case, user=user) if o.name == "close_notice"
    )
    return [] if option.allowed else option.reasons


def _unchanged(case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == CaseState.PRE_NOTICE
    assert not CaseEvent.objects.filter(case=case, transition="close_notice").exists()


@pytest.mark.django_db
def test_without_a_batch_the_manual_close_is_refused_in_the_service(demo):
    case = _waiting(demo)
    clerk = demo.user("clerk")
    assert _reasons(case, clerk) == [REFUSED]
    with pytest.raises(TransitionRefused) as exc:
        go(case, "close_notice", clerk)
    assert REFUSED in exc.value.messages
    _unchanged(case)


@pytest.mark.django_db
def test_without_a_batch_the_page_refuses_with_the_reason_and_changes_nothing(demo, client):
    case = _waiting(demo)
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert REFUSED in page
    response = client.post(reverse("cases:transition", args=[case.pk, "close_notice"]), follow=True)
    assert response.status_code in (200, 400)
    assert REFUSED in response.content.decode()
    _unchanged(case)


@pytest.mark.django_db
def test_without_a_batch_the_api_refuses_with_the_reason_and_changes_nothing(demo):
    case = _waiting(demo)
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    listed = api.get(f"/api/cases/{case.pk}/transitions/").json()
    rows = listed if isinstance(listed, list) else listed.get("transitions", listed)
    close = next(o for o in rows if o["name"] == "close_notice")
    assert close["allowed"] is False and REFUSED in close["reasons"]
    response = api.post(f"/api/cases/{case.pk}/transitions/close_notice/", {}, format="json")
    assert response.status_code == 400
    assert REFUSED in response.json()["errors"]["non_field_errors"]
    _unchanged(case)


@pytest.mark.django_db
def test_refused_while_the_batch_runs_and_allowed_once_its_period_is_over(demo):
    case = _waiting(demo)
    clerk = demo.user("clerk")
    batch = post_notice(case, ended=False)  # on the wall from today
    assert batch.state == BatchState.PUBLISHED
    reasons = _reasons(case, clerk)
    assert REFUSED in reasons and "公示期未满（7天）" in reasons
    with pytest.raises(TransitionRefused):
        go(case, "close_notice", clerk)
    _unchanged(case)

    ended = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE, notice_started_on=LONG_AGO)
    post_notice(ended)  # began long enough ago: the period is over, the task not yet run
    assert _reasons(ended, clerk) == []
    assert go(ended, "close_notice", clerk) == CaseState.REVIEW


@pytest.mark.django_db
def test_an_objection_in_the_batch_keeps_the_case_out_of_the_close(demo):
    case = _waiting(demo)
    batch = post_notice(case)
    batch.entries.filter(case=case).update(outcome="objection")
    assert _reasons(case, demo.user("clerk")) == [REFUSED]


@pytest.mark.django_db
def test_a_withdrawn_batch_does_not_count(demo):
    case = _waiting(demo)
    clerk = demo.user("clerk")
    starts_on = timezone.localdate() + datetime.timedelta(days=2)
    batch = post_notice(case, starts_on=starts_on)  # published ahead of its first day
    batch_withdraw(batch=batch, actor=clerk, reason="张贴地点有误，重新安排")
    case.refresh_from_db()
    assert REFUSED in _reasons(case, clerk)
    # even were the notice dated again from its first day, the withdrawn batch is no notice
    Case.objects.filter(pk=case.pk).update(notice_started_on=starts_on)
    case.refresh_from_db()
    with pytest.raises(TransitionRefused) as exc:
        go(case, "close_notice", clerk)
    assert REFUSED in exc.value.messages
    _unchanged(case)


@pytest.mark.django_db
def test_the_daily_close_still_moves_the_case_signed_with_the_batch_number(demo):
    case = _waiting(demo)
    batch = post_notice(case)
    result = batches_close_due()
    assert result.batches == [batch.number] and result.closed_cases == 1
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    closing = case.events.get(transition="close_notice")
    assert batch.number in closing.opinion and closing.actor.username.startswith("system-")
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    assert batches_close_due().batches == []  # twice: nothing more


@pytest.mark.django_db
def test_the_result_notice_close_needs_its_batch_too(demo):
    case = make_case(
        demo.gushu,
        force_state=CaseState.RESULT_NOTICE,
        notice_started_on=LONG_AGO,
        decided_on=LONG_AGO,
        route="township",
        monthly_amount=Decimal("300.00"),
    )
    clerk = demo.user("clerk")
    with pytest.raises(TransitionRefused) as exc:
        go(case, "close_result_notice", clerk)
    assert REFUSED in exc.value.messages
    post_notice(case)
    assert go(case, "close_result_notice", clerk) == CaseState.PAYING
