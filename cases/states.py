"""Case states and the groups of states the rules speak of, defined once beside the enum.

DOMAIN §4: 受理 → 核对 → 入户 → 评议 → 审核确认 → 备案 → 公示 → 发放, and the exits.
"""

from __future__ import annotations

from django.db import models

from relief.models import AssistanceType

#: The route a case's assistance type follows (低保 / 特困 / 临时救助 / simple types).
WorkflowKind = AssistanceType.Workflow


class CaseState(models.TextChoices):
    """DOMAIN §4: 受理 → 核对 → 入户 → 评议 → 审核确认 → 备案 → 公示 → 发放, and the exits."""

    DRAFT = "draft", "草稿(待受理)"
    RETURNED_TO_VILLAGE = "returned_to_village", "退回村级补充"
    AWAITING_DOCUMENTS = "awaiting_documents", "待补正材料"
    ACCEPTED = "accepted", "已受理"
    CHECKING = "checking", "经济状况核对"
    VISITING = "visiting", "入户调查"
    INVESTIGATING = "investigating", "核对与入户(并行)"
    EVALUATING = "evaluating", "民主评议"
    PRE_NOTICE = "pre_notice", "确认前公示"
    OBJECTION = "objection", "异议复查"
    REVIEW = "review", "待审核确认"
    COUNTY_REVIEW = "county_review", "报县审批"
    CONFIRMED = "confirmed", "已确认"
    RESULT_NOTICE = "result_notice", "结果公示"
    PAYING = "paying", "发放中"
    REFUSED = "refused", "不予确认"
    WITHDRAWN = "withdrawn", "申请人撤回"
    TERMINATED = "terminated", "终止办理"
    REVOKED = "revoked", "县级纠正撤销"


#: States before a decision (confirmation, refusal) has been taken.
PRE_DECISION_STATES = (
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.EVALUATING,
    CaseState.PRE_NOTICE,
    CaseState.OBJECTION,
    CaseState.REVIEW,
    CaseState.COUNTY_REVIEW,
)
#: States after 受理 and before a decision, where a household may fail to cooperate (A Art.29).
INVESTIGATION_STATES = tuple(
    s
    for s in PRE_DECISION_STATES
    if s not in (CaseState.DRAFT, CaseState.RETURNED_TO_VILLAGE, CaseState.AWAITING_DOCUMENTS)
)
#: States in which a case is still being handled (for duplicate checks and clocks).
OPEN_STATES = (*PRE_DECISION_STATES, CaseState.CONFIRMED, CaseState.RESULT_NOTICE)
#: States after a decision (confirmed and onward, or refused).
DECIDED_STATES = (CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING, CaseState.REFUSED)
CLOSED_STATES = (
    CaseState.PAYING,
    CaseState.REFUSED,
    CaseState.WITHDRAWN,
    CaseState.TERMINATED,
    CaseState.REVOKED,
)

#: Leaves the normal route (refusal, withdrawal, termination, revocation).
EXIT_STATES = (CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.TERMINATED, CaseState.REVOKED)

#: Another case of the same category in one of these states blocks 受理 (duplicate check).
#: Drafts not yet accepted do not block: the first township to accept wins, and a stale
#: draft elsewhere must not hold a household hostage. Cases in payment do block.
BLOCKING_STATES = tuple(
    s for s in OPEN_STATES if s not in (CaseState.DRAFT, CaseState.RETURNED_TO_VILLAGE)
) + (CaseState.PAYING,)

#: States in which household data, the survey and the check may still be worked on.
EDITABLE_STATES = (
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.EVALUATING,
    CaseState.OBJECTION,
    CaseState.REVIEW,
    CaseState.COUNTY_REVIEW,
)
PRE_ACCEPTANCE_STATES = (
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
)
SURVEY_STATES = (
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.OBJECTION,
)
CHECK_REQUEST_STATES = (
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.INVESTIGATING,
    CaseState.VISITING,
)

#: States in which the investigation's facts (the county's check report and the home-visit
#: survey) are awaited; once both are in, the clerk's next step is due (cases.rules.facts_ready).
FACTS_PENDING_STATES = CHECK_REQUEST_STATES

#: States in which the notice period runs (the clock may pause there).
NOTICE_STATES = (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE)
#: Leaving the pre-decision process without a decision also stops the clock.
ENDED_STATES = (CaseState.WITHDRAWN, CaseState.TERMINATED, CaseState.REVOKED)
#: States in which the county's economic check has been requested and not yet returned.
CHECK_STATES = (CaseState.CHECKING, CaseState.INVESTIGATING)

#: After 受理 and before the decision: when the county's home visit can be recorded.
COUNTY_VISIT_STATES = INVESTIGATION_STATES

#: States of a case that stands confirmed (the spot-check population, the correctable cases).
CONFIRMED_STATES = (CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING)
#: Decided or closed: the household's file is complete and may be exported.
FILE_COMPLETE_STATES = (
    CaseState.CONFIRMED,
    CaseState.RESULT_NOTICE,
    CaseState.PAYING,
    CaseState.REFUSED,
    CaseState.TERMINATED,
    CaseState.REVOKED,
    CaseState.WITHDRAWN,
)
