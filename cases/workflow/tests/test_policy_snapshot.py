"""受理 freezes the policy in force on the acceptance date (relief.policy snapshots)."""

from datetime import date as D

from cases.workflow.services import case_transition
from relief.policy import policy_for, policy_set
from tests.factories import CaseFactory


def test_a_case_accepted_under_one_value_keeps_it_after_a_new_setting(demo):
    admin, clerk = demo.user("admin"), demo.user("clerk")
    policy_set(
        region=demo.county,
        key="notice_days",
        raw_value=7,
        effective_from=D(2026, 1, 1),
        actor=admin,
    )
    case = CaseFactory(documents_complete=True)
    case_transition(case=case, name="accept", actor=clerk, on=D(2026, 3, 2))
    assert case.policy.notice_days == 7

    # the county changes the rule, effective before the acceptance date even
    policy_set(
        region=demo.county,
        key="notice_days",
        raw_value=10,
        effective_from=D(2026, 2, 1),
        actor=admin,
    )
    policy_set(
        region=demo.gushu,
        key="evaluation_mode",
        raw_value="always",
        effective_from=D(2026, 2, 1),
        actor=admin,
    )
    case.refresh_from_db()
    assert case.policy.notice_days == 7
    assert case.policy.evaluation_mode == "on_objection"
    assert case.policy_snapshot["_on"] == "2026-03-02"
    # while a case accepted now takes the new values
    assert policy_for(case.township, D(2026, 3, 2)).notice_days == 10
