import pytest

from cases.models import CaseState
from cases.workflow.services import TransitionRefused, available_transitions, case_transition
from tests.factories import CaseFactory


def test_full_route_in_delegated_township(demo):
    clerk, approver = demo.user("clerk"), demo.user("approver")
    case = CaseFactory(documents_complete=True)
    case_transition(case=case, name="accept", actor=clerk)
    assert case.state == CaseState.ACCEPTED and case.policy_snapshot
    case_transition(case=case, name="start_investigation", actor=clerk)
    assert case.state == CaseState.CHECKING
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="finish_check", actor=demo.user("verifier"))
    assert "核对报告尚未返回" in exc.value.messages
    case.check_status = "returned"
    case_transition(case=case, name="finish_check", actor=demo.user("verifier"))
    case.survey_status = "complete"
    case_transition(case=case, name="finish_investigation", actor=clerk, opinion="符合条件")
    assert case.state == CaseState.PRE_NOTICE
    options = {o.name: o for o in available_transitions(case=case, user=approver)}
    assert not options["close_notice"].allowed
