"""A review (复核) holds a new economic check only when its policy snapshot's
``review_check_required`` says so (A Art.31); otherwise it goes straight to the home visit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from cases.intake.services.checks import check_request
from cases.models import Case, CaseState
from cases.workflow.services import available_transitions, case_transition
from funds.dynamic.models import ReviewTrigger
from funds.dynamic.services import review_open
from funds.recipients.tests.support import registered
from relief.policy import policy_set

pytestmark = pytest.mark.django_db


def _require_check(demo, value: bool) -> None:
    policy_set(
        region=demo.county,
        key="review_check_required",
        raw_value=value,
        effective_from=datetime.date(2020, 1, 1),
        actor=None,
    )


def _open(demo) -> Case:
    review = review_open(
        recipient=registered(demo), actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    return review.case


def test_with_the_check_required_a_review_goes_through_the_economic_check(demo):
    _require_check(demo, True)
    case = _open(demo)
    assert not case.skips("check")
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.state == CaseState.CHECKING
    options = {o.name: o for o in available_transitions(case=case, user=demo.user("clerk"))}
    assert not options["finish_check"].allowed
    assert "核对报告尚未返回" in options["finish_check"].reasons
    with pytest.raises(ValidationError):
        case_transition(case=case, name="finish_check", actor=demo.user("clerk"))
    check_request(case=case, actor=demo.user("clerk"))  # the county's check agency is asked
    case.refresh_from_db()
    assert case.check_status == "requested"
    Case.objects.filter(pk=case.pk).update(check_status="returned")
    case.refresh_from_db()
    case_transition(case=case, name="finish_check", actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.state == CaseState.VISITING


def test_with_the_check_off_a_review_skips_it_as_before(demo):
    _require_check(demo, False)
    case = _open(demo)
    assert case.skips("check")
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.state == CaseState.VISITING


def test_the_review_follows_its_snapshot_not_the_live_policy(demo):
    case = _open(demo)  # default: no check
    _require_check(demo, True)
    case.refresh_from_db()
    assert case.skips("check")
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.state == CaseState.VISITING
