"""Every transition × every role: the roles declared on the transition may take it (when
its guards pass), every other role is refused with a readable reason."""

from decimal import Decimal

import pytest

from cases.models import Case, CaseState, NearRelative
from cases.workflow.services import (
    TransitionRefused,
    available_transitions,
    case_record_county_visit,
    case_transition,
)
from cases.workflow.tests.helpers import (  # noqa: F401
    LONG_AGO,
    fast_passwords,
    make_case,
    make_user,
    post_notice,
)
from relief.models import Region, Role

SPECS = {}
for _t in Case().get_all_state_transitions():
    SPECS.setdefault(_t.name, _t)  # one source state per transition is enough here

#: Per transition: the township where its power guard passes, and snapshot overrides.
SETUP = {
    "refer_to_county": {"township": "wuxi"},
    "publish_result": {"snapshot": {"notice_timing": "after"}},
}


def case_ready_for(demo, name: str) -> Case:
    spec = SPECS[name]
    setup = SETUP.get(name, {})
    township = getattr(demo, setup.get("township", "gushu"))
    case = make_case(
        township,
        force_state=spec.source,
        check_status="returned",
        survey_status="complete",
        monthly_amount=Decimal("300.00"),
        notice_started_on=LONG_AGO,
        accepted_on=LONG_AGO,
        policy_snapshot=setup.get("snapshot", {}),
    )
    if spec.source in (CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING):
        Case.objects.filter(pk=case.pk).update(decided_on=LONG_AGO, route="township")
        case.refresh_from_db()
    if name in ("close_notice", "close_result_notice"):
        post_notice(case)  # the notice ran its period in a batch (guards.notice_ran_in_batch)
    return case


def user_for(role: str, case: Case, n: int):
    level_region = {
        Role.VILLAGE_ASSISTANT: case.village,
        Role.TOWNSHIP_CLERK: case.township,
        Role.TOWNSHIP_APPROVER: case.township,
    }.get(role, case.township.parent)
    return make_user(f"{role}_{n}", role, level_region)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_transition_is_allowed_exactly_for_its_declared_roles(demo, name):
    allowed_roles = set(SPECS[name].custom["roles"])
    assert allowed_roles <= set(Role.values)
    for n, role in enumerate(Role.values):
        case = case_ready_for(demo, name)
        user = user_for(role, case, n)
        source = case.state
        option = next(o for o in available_transitions(case=case, user=user) if o.name == name)
        if role in allowed_roles:
            assert option.allowed, (name, role, option.reasons)
            event = case_transition(
                case=case, name=name, actor=user, opinion="意见", client_address="127.0.0.1"
            )
            assert case.state != source and event.actor_role == role
            assert Case.objects.get(pk=case.pk).state == case.state
        else:
            assert not option.allowed
            assert option.reasons[0].startswith("此操作须由"), (name, role, option.reasons)
            with pytest.raises(TransitionRefused) as exc:
                case_transition(case=case, name=name, actor=user, opinion="意见")
            assert exc.value.messages[0] == option.reasons[0]
            assert Case.objects.get(pk=case.pk).state == source


def test_only_the_final_states_have_no_way_out():
    sources = {t.source for t in Case().get_all_state_transitions()}
    finals = {CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.TERMINATED, CaseState.REVOKED}
    assert set(CaseState.values) - sources == finals


def test_every_transition_declares_a_chinese_label_roles_and_opinion_flag():
    for spec in SPECS.values():
        assert set(spec.custom) >= {"label", "roles", "opinion"}
        assert spec.custom["roles"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in spec.custom["label"])


def test_a_user_of_the_right_role_in_another_township_is_refused(demo):
    case = case_ready_for(demo, "accept")
    other = demo.user("clerk_huangchi")
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="accept", actor=other)
    assert exc.value.messages == ["案件不在您的管辖区域内"]


def test_village_assistant_of_another_village_is_refused(demo):
    case = case_ready_for(demo, "resubmit")
    other_village = Region.objects.get(code="340521100202")
    user = make_user("assistant_other", Role.VILLAGE_ASSISTANT, other_village)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="resubmit", actor=user)
    assert exc.value.messages == ["案件不在您的管辖区域内"]


def test_worker_is_recused_from_a_relatives_case(demo):
    case = case_ready_for(demo, "accept")
    clerk = demo.user("clerk")
    NearRelative.objects.create(
        worker_name=clerk.full_name,
        worker_position="civil_affairs",
        worker_user=clerk,
        township=demo.gushu,
        relative_name=case.applicant.name,
        relative_id_number=case.applicant.id_number,
        relation="兄弟姐妹",
    )
    option = next(o for o in available_transitions(case=case, user=clerk) if o.name == "accept")
    assert option.reasons == ["您是申请人的近亲属，须回避"]
    with pytest.raises(TransitionRefused):
        case_transition(case=case, name="accept", actor=clerk)


def test_worker_is_recused_from_own_household(demo):
    case = case_ready_for(demo, "accept")
    clerk = demo.user("clerk")
    clerk.id_number = case.applicant.id_number
    clerk.save()
    option = next(o for o in available_transitions(case=case, user=clerk) if o.name == "accept")
    assert option.reasons == ["您是申请人的近亲属，须回避"]


def test_transition_not_possible_in_current_state_is_refused_in_chinese(demo):
    case = case_ready_for(demo, "accept")
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert exc.value.messages == ["当前状态“草稿(待受理)”下不能执行此操作"]


@pytest.mark.parametrize("role", Role.values)
def test_only_the_county_supervisor_records_the_county_visit(demo, role):
    case = make_case(demo.gushu, force_state=CaseState.REVIEW, near_relative_flag=True)
    user = user_for(role, case, 0)
    if role == Role.COUNTY_SUPERVISOR:
        event = case_record_county_visit(case=case, actor=user, opinion="入户核查属实")
        assert event.actor_role == role and Case.objects.get(pk=case.pk).county_visit_done
    else:
        with pytest.raises(TransitionRefused) as exc:
            case_record_county_visit(case=case, actor=user, opinion="入户核查属实")
        assert exc.value.messages[0] == "此操作须由县民政局监管人员办理"
        assert not Case.objects.get(pk=case.pk).county_visit_done
