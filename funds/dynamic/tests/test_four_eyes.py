"""Four eyes (A Art.11, cases.access.four_eyes_reason) on review decisions: whoever
registered, accepted or investigated a review may not decide it where the policy settings
(four_eyes_registration / _acceptance / _investigation) say so, on the township route and on
the county route alike; the refusal is in Chinese and saves no conclusion; with the setting
off the same person may decide."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.access import AccessRefused
from cases.models import Case, CaseState
from cases.workflow.services import case_transition
from funds.dynamic.models import ReviewOutcome, ReviewTrigger
from funds.dynamic.services import review_conclude, review_open
from funds.recipients.tests.support import registered
from relief.delegation import delegation_change_status
from relief.models import Delegation, Role
from relief.policy import policy_set

pytestmark = pytest.mark.django_db


def _investigate(case, actor):
    case_transition(case=case, name="start_investigation", actor=actor)
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(case=case, name="finish_investigation", actor=actor, opinion="入户核实")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_approver_who_investigated_the_review_may_not_decide_it(demo):
    recipient = registered(demo)
    approver = demo.user("approver")
    approver.extra_role = Role.TOWNSHIP_CLERK
    approver.save(update_fields=["extra_role"])
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    _investigate(review.case, approver)
    with pytest.raises(AccessRefused) as err:
        review_conclude(
            review=review,
            actor=approver,
            outcome=ReviewOutcome.CONTINUE,
            reasons="",
            then="decide",
            opinion="同意",
        )
    assert "您办理了本案的入户调查，决定须由其他人员作出（四眼原则）" in err.value.messages
    response = _api(approver).post(
        f"/api/dynamic/reviews/{review.pk}/conclude/",
        {"outcome": "continue", "then": "decide", "opinion": "同意"},
        format="json",
    )
    assert response.status_code in (400, 403), response.content
    assert "四眼原则" in response.content.decode()
    review.refresh_from_db()
    review.case.refresh_from_db()
    assert review.outcome == "" and review.applied_at is None
    assert review.case.state == CaseState.REVIEW
    assert not review.case.events.filter(transition="confirm").exists()

    # With the county's setting off, the same person may decide.
    policy_set(
        region=demo.county,
        key="four_eyes_investigation",
        raw_value=False,
        effective_from=timezone.localdate(),
        actor=demo.user("admin"),
    )
    result = review_conclude(
        review=review,
        actor=approver,
        outcome=ReviewOutcome.CONTINUE,
        reasons="",
        then="decide",
        opinion="同意",
    )
    assert result.event is not None and result.review.applied_at is not None


def test_the_county_supervisor_who_opened_the_review_may_not_approve_it(demo):
    recipient = registered(demo)
    supervisor = demo.user("supervisor")
    review = review_open(recipient=recipient, actor=supervisor, trigger=ReviewTrigger.INCOME)
    delegation_change_status(
        delegation=Delegation.objects.get(
            township=recipient.township, assistance_type=recipient.assistance_type
        ),
        status="suspended",
        effective_date=timezone.localdate(),
        reason="整改期间暂停",
        actor=supervisor,
    )
    case = review.case
    _investigate(case, demo.user("clerk"))
    review_conclude(
        review=review,
        actor=demo.user("clerk"),
        outcome=ReviewOutcome.SUSPEND,
        reasons="外出务工收入待核实",
        then="refer",
    )
    case.refresh_from_db()
    assert case.state == CaseState.COUNTY_REVIEW
    with pytest.raises(AccessRefused) as err:
        review_conclude(
            review=review,
            actor=supervisor,
            outcome=ReviewOutcome.SUSPEND,
            reasons="外出务工收入待核实",
            then="decide",
            opinion="同意暂停",
        )
    assert "您办理了本案的登记、受理，决定须由其他人员作出（四眼原则）" in err.value.messages
    review.refresh_from_db()
    case.refresh_from_db()
    assert review.applied_at is None and case.state == CaseState.COUNTY_REVIEW
