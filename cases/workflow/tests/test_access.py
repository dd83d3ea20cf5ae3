"""The one access check (cases.access): role, region, recusal and four eyes on decisions,
through the service, the case page and the API; a refusal changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.access import (
    AccessRefused,
    case_involvement,
    case_may_act,
    case_require_actor,
    four_eyes_reason,
)
from cases.models import Case, CaseEvent, CaseState, NearRelative, Survey
from cases.workflow.services import TransitionRefused, available_transitions, case_transition
from cases.workflow.tests.helpers import LONG_AGO, fast_passwords, make_case, make_user  # noqa: F401
from relief.models import PolicySetting, Role

FOUR_EYES = "您办理了本案的登记、受理，决定须由其他人员作出（四眼原则）"


def review_case(demo, **kwargs) -> Case:
    """A 低保 case of 姑孰镇 waiting for the approver's confirmation."""
    return make_case(
        demo.gushu,
        force_state=CaseState.REVIEW,
        check_status="returned",
        survey_status="complete",
        monthly_amount=Decimal("300.00"),
        notice_started_on=LONG_AGO,
        accepted_on=LONG_AGO,
        **kwargs,
    )


@pytest.fixture
def both_roles(demo):
    """One person holding clerk and approver roles in 姑孰镇 (the finding's attacker)."""
    return make_user(
        "clerk_approver", Role.TOWNSHIP_CLERK, demo.gushu, extra_role=Role.TOWNSHIP_APPROVER
    )


def snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.state,
        case.decided_on,
        case.route,
        case.near_relative_flag,
        case.county_visit_done,
        CaseEvent.objects.filter(case=case).count(),
    )


def test_who_registered_and_accepted_may_not_confirm(demo, both_roles):
    case = review_case(demo, created_by=both_roles, accepted_by=both_roles)
    assert case_involvement(case=case, user=both_roles) == ["registration", "acceptance"]
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="confirm", actor=both_roles, opinion="同意")
    assert exc.value.messages == [FOUR_EYES]
    assert snapshot(case) == before
    option = next(
        o for o in available_transitions(case=case, user=both_roles) if o.name == "confirm"
    )
    assert not option.allowed and option.reasons == [FOUR_EYES]
    # the same person may still take the steps that are not decisions
    assert case_may_act(case=case, actor=both_roles, roles=(Role.TOWNSHIP_CLERK,)) == (True, "")
    # another approver decides
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert case.state == CaseState.CONFIRMED


def test_refusal_is_a_decision_too(demo, both_roles):
    case = review_case(demo, created_by=both_roles)
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="refuse", actor=both_roles, opinion="不符合条件")
    assert exc.value.messages == ["您办理了本案的登记，决定须由其他人员作出（四眼原则）"]
    assert snapshot(case) == before


def test_upholding_an_objection_refuses_so_it_is_a_decision_too(demo, both_roles):
    case = make_case(demo.gushu, force_state=CaseState.OBJECTION, created_by=both_roles)
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="uphold_objection", actor=both_roles, opinion="属实")
    assert exc.value.messages == ["您办理了本案的登记，决定须由其他人员作出（四眼原则）"]
    assert snapshot(case) == before
    case_transition(case=case, name="uphold_objection", actor=demo.user("approver"), opinion="属实")
    assert case.state == CaseState.REFUSED


def test_the_investigator_may_not_decide(demo, both_roles):
    case = review_case(demo)
    Survey.objects.create(case=case, status="complete", recorded_by=both_roles)
    assert four_eyes_reason(case=case, user=both_roles) == (
        "您办理了本案的入户调查，决定须由其他人员作出（四眼原则）"
    )
    with pytest.raises(TransitionRefused):
        case_transition(case=case, name="confirm", actor=both_roles, opinion="同意")


def test_county_approval_is_refused_to_whoever_registered_the_case(demo):
    supervisor = demo.user("supervisor")
    case = make_case(
        demo.wuxi,
        force_state=CaseState.COUNTY_REVIEW,
        check_status="returned",
        survey_status="complete",
        monthly_amount=Decimal("300.00"),
        accepted_on=LONG_AGO,
        accepted_by=supervisor,
    )
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="county_approve", actor=supervisor, opinion="同意")
    assert exc.value.messages == ["您办理了本案的受理，决定须由其他人员作出（四眼原则）"]
    assert snapshot(case) == before


def test_which_steps_count_is_a_policy_setting(demo, both_roles):
    case = review_case(demo, created_by=both_roles, accepted_by=both_roles)
    for key in ("four_eyes_registration", "four_eyes_acceptance"):
        PolicySetting.objects.create(
            region=demo.gushu, key=key, value=False, effective_from=LONG_AGO
        )
    assert four_eyes_reason(case=case, user=both_roles) is None
    case_transition(case=case, name="confirm", actor=both_roles, opinion="同意")
    assert case.state == CaseState.CONFIRMED


def test_the_case_page_shows_the_decision_disabled_with_its_reason(demo, both_roles, client):
    case = review_case(demo, created_by=both_roles, accepted_by=both_roles)
    client.force_login(both_roles)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert FOUR_EYES in page
    before = snapshot(case)
    response = client.post(
        reverse("cases:transition", args=[case.pk, "confirm"]), {"opinion": "同意"}
    )
    assert response.status_code in (200, 302, 400)
    assert snapshot(case) == before


def test_the_api_refuses_the_decision_and_changes_nothing(demo, both_roles):
    case = review_case(demo, created_by=both_roles, accepted_by=both_roles)
    api = APIClient()
    api.force_authenticate(both_roles)
    listed = api.get(f"/api/cases/{case.pk}/transitions/").json()
    rows = listed if isinstance(listed, list) else listed.get("transitions", listed)
    confirm = next(o for o in rows if o["name"] == "confirm")
    assert confirm["allowed"] is False and FOUR_EYES in confirm["reasons"]
    before = snapshot(case)
    response = api.post(
        f"/api/cases/{case.pk}/transitions/confirm/", {"opinion": "同意"}, format="json"
    )
    assert response.status_code == 400
    assert FOUR_EYES in str(response.json())
    assert snapshot(case) == before


def test_access_check_order_role_region_recusal(demo):
    case = review_case(demo)
    clerk, other = demo.user("clerk"), demo.user("clerk_huangchi")
    with pytest.raises(AccessRefused) as exc:
        case_require_actor(case=case, actor=clerk, roles=(Role.TOWNSHIP_APPROVER,))
    assert exc.value.messages == ["此操作须由乡镇审核确认人办理"]
    with pytest.raises(AccessRefused) as exc:
        case_require_actor(case=case, actor=other, roles=(Role.TOWNSHIP_CLERK,))
    assert exc.value.messages == ["案件不在您的管辖区域内"]
    NearRelative.objects.create(
        worker_name=clerk.full_name,
        worker_position="civil_affairs",
        worker_user=clerk,
        township=demo.gushu,
        relative_name=case.applicant.name,
        relative_id_number=case.applicant.id_number,
        relation="兄弟姐妹",
        registered_at=timezone.now(),
    )
    assert case_may_act(case=case, actor=clerk, roles=(Role.TOWNSHIP_CLERK,)) == (
        False,
        "您是申请人的近亲属，须回避",
    )
