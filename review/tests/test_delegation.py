import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases.models import CaseState
from cases.workflow.services import TransitionRefused, available_transitions, case_transition
from relief.delegation import holds_power
from relief.models import AssistanceType, Delegation
from review.services import delegation_supervise
from tests.factories import CaseFactory


def _suspend(demo, type_code="dibao_rural"):
    delegation = Delegation.objects.get(township=demo.gushu, assistance_type__code=type_code)
    delegation_supervise(
        delegation=delegation,
        actor=demo.user("supervisor"),
        status=Delegation.Status.SUSPENDED,
        effective_date=timezone.localdate(),
        reason="抽查问题率过高，暂停委托",
    )
    return delegation


def test_after_suspension_new_decisions_route_to_county_approval(demo):
    approver = demo.user("approver")
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("400"))
    before = {o.name: o for o in available_transitions(case=case, user=approver)}
    assert before["confirm"].allowed and not before["refer_to_county"].allowed

    _suspend(demo)

    after = {o.name: o for o in available_transitions(case=case, user=approver)}
    assert not after["confirm"].allowed
    assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in after["confirm"].reasons
    assert after["refer_to_county"].allowed
    with pytest.raises(TransitionRefused):
        case_transition(case=case, name="confirm", actor=approver, opinion="同意")
    case_transition(
        case=case, name="refer_to_county", actor=approver, opinion="委托已暂停，报县审批"
    )
    assert case.state == CaseState.COUNTY_REVIEW and case.route == "county"


def test_suspension_leaves_cases_already_confirmed_unaffected(demo):
    confirmed = CaseFactory(
        force_state=CaseState.PAYING,
        decided_on=datetime.date(2026, 10, 10),
        route="township",
        monthly_amount=Decimal("400"),
    )
    _suspend(demo)
    confirmed.refresh_from_db()
    assert confirmed.state == CaseState.PAYING and confirmed.route == "township"
    assert confirmed.decided_on == datetime.date(2026, 10, 10)


def test_suspension_is_per_type_and_the_history_is_kept(demo):
    delegation = _suspend(demo)
    tekun = AssistanceType.objects.get(code="tekun_dispersed")
    assert not holds_power(demo.gushu, delegation.assistance_type, timezone.localdate())
    assert holds_power(demo.gushu, tekun, timezone.localdate())
    event = delegation.events.get()
    assert event.reason == "抽查问题率过高，暂停委托" and event.actor == demo.user("supervisor")


def test_a_supervisor_cannot_touch_a_delegation_of_another_county(demo):
    delegation = Delegation.objects.filter(township=demo.gushu).first()
    with pytest.raises(PermissionDenied):
        delegation_supervise(
            delegation=delegation,
            actor=demo.user("approver"),
            status="suspended",
            effective_date=timezone.localdate(),
            reason="x",
        )
