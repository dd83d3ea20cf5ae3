"""The case and its append-only log. Transitions are declared on ``Case`` with their guards
(cases/workflow/guards.py, readable reasons); cases/workflow/services.py performs them."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from cases import access, rules
from cases.states import INVESTIGATION_STATES, PRE_DECISION_STATES, CaseState, WorkflowKind
from cases.temporary.rules import EMERGENCY_TYPE_CODE
from cases.workflow import guards as g
from relief.logchain import ChainedLog
from relief.models import AssistanceType, Region, User
from relief.policy import Policy, policy_for


class Case(ConcurrentTransitionMixin, models.Model):
    class Source(models.TextChoices):
        APPLICATION = "application", "本人申请"
        PROXY = "proxy", "委托代办"
        DISCOVERED = "discovered", "主动发现"

    class Route(models.TextChoices):
        TOWNSHIP = "township", "乡镇审核确认"
        COUNTY = "county", "报县审批"

    class Purpose(models.TextChoices):
        APPLICATION = "application", "申请审批"
        REVIEW = "review", "复核"

    number = models.CharField("案件编号", max_length=32, unique=True)
    # Indexed by case_household_keys (Meta.indexes), which carries the id and scope.
    household = models.ForeignKey(
        "cases.Household",
        verbose_name="家庭",
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    # No single-column index on these four: the composite indexes of Meta.indexes lead
    # with each (township/village/type + state, township/village/state + newest first), so
    # they serve every lookup and foreign-key check on the column alone, and each index
    # less is one less to maintain on every insert and transition.
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT, db_index=False
    )
    township = models.ForeignKey(
        Region,
        verbose_name="乡镇(街道)",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    state = FSMField(
        "状态", default=CaseState.DRAFT, choices=CaseState.choices, protected=True, db_index=False
    )
    source = models.CharField(
        "来源", max_length=20, choices=Source.choices, default=Source.APPLICATION
    )
    applicant = models.ForeignKey(
        "cases.Member",
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proxy_name = models.CharField("代办人姓名", max_length=40, blank=True)
    proxy_id_number = models.CharField("代办人身份证号", max_length=18, blank=True)
    proxy_relation = models.CharField("代办人与申请人关系", max_length=40, blank=True)
    # No index on the two user columns: no query filters cases on them (the guards read
    # them off the case in hand), users are deactivated and never deleted, and an index
    # each is two entries more on every case inserted (each of a campaign's review cases).
    created_by = models.ForeignKey(
        User,
        verbose_name="登记人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    accepted_on = models.DateField("受理日期", null=True, blank=True, db_index=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    #: Policy in force on the 受理 date (relief.policy.Policy.as_snapshot); never rewritten.
    policy_snapshot = models.JSONField("受理时政策", default=dict, blank=True)
    #: The same, shared: a case opened in bulk (a campaign's 100,000 review cases) points to
    #: its township's one stored snapshot instead of copying ~2 KB of JSON into each row;
    #: ``frozen_policy`` reads whichever is set. No index: nothing looks cases up by it.
    policy_shared = models.ForeignKey(
        "relief.PolicySnapshot",
        verbose_name="受理时政策(共享)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    route = models.CharField("审批路径", max_length=10, choices=Route.choices, blank=True)
    #: 复核 (A Art.31): a review of a household in support, on the light route (facts,
    #: home visit, decision; no evaluation or notice); funds.dynamic applies the decision.
    purpose = models.CharField(
        "案件性质", max_length=12, choices=Purpose.choices, default=Purpose.APPLICATION
    )
    # The two flags are indexed by partial indexes of the flagged cases only (Meta.indexes:
    # the lists filter on ``= True``), and the decision date by case_decided_frame, of the
    # decided cases only: a case inserted unflagged and undecided (every campaign review
    # case) touches none of the three.
    near_relative_flag = models.BooleanField("近亲属备案", default=False)
    complaint_flag = models.BooleanField("有投诉举报", default=False)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    monthly_amount = models.DecimalField(
        "月救助金额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_from = models.DateField("发放起始月", null=True, blank=True)
    refusal_reasons = models.TextField("不予确认理由", blank=True)
    notice_started_on = models.DateField("公示开始日期", null=True, blank=True)
    # Facts the intake services maintain and the guards read (cases/workflow/guards.py).
    documents_complete = models.BooleanField("材料齐全", default=False)
    check_status = models.CharField(
        "核对状态",
        max_length=10,
        blank=True,
        choices=[("", "未申请"), ("requested", "核对中"), ("returned", "已返回")],
    )
    survey_status = models.CharField(
        "入户调查状态",
        max_length=10,
        blank=True,
        choices=[("", "未开始"), ("draft", "填写中"), ("complete", "已完成")],
    )
    county_visit_done = models.BooleanField("县级入户核查已完成", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "救助案件"
        verbose_name_plural = "救助案件"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # A state filter per scope, newest first (the list filtered on a state reads a
            # page of index entries); the leading pair serves (scope, state) lookups too.
            models.Index(
                fields=["township", "state", "-created_at", "-id"],
                name="case_township_state_newest",
            ),
            models.Index(
                fields=["village", "state", "-created_at", "-id"], name="case_village_state_newest"
            ),
            models.Index(fields=["assistance_type", "state"]),
            # The lists' default order (newest first) per scope, read by keyset
            # (relief/paging.py): a page costs the same whatever the table's size.
            models.Index(fields=["-created_at", "-id"], name="case_newest"),
            models.Index(fields=["township", "-created_at", "-id"], name="case_township_newest"),
            models.Index(fields=["village", "-created_at", "-id"], name="case_village_newest"),
            models.Index(fields=["state", "-created_at", "-id"], name="case_state_newest"),
            # The search's member side (cases of the matching households) read from the
            # index alone on PostgreSQL: the id, scope and order come with the key.
            models.Index(
                fields=["household"],
                include=["township", "village", "created_at", "id"],
                name="case_household_keys",
            ),
            # The spot-check frame (review/sampling.py): cases decided in a period, read
            # index-only on PostgreSQL with every column the draw filters and groups on.
            # Decided cases only: every reader asks for a date range or a decided case.
            models.Index(
                fields=["decided_on", "township"],
                condition=models.Q(decided_on__isnull=False),
                include=[
                    "state",
                    "assistance_type",
                    "purpose",
                    "near_relative_flag",
                    "complaint_flag",
                    "id",
                ],
                name="case_decided_frame",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(near_relative_flag=True),
                name="case_near_relative_flagged",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(complaint_flag=True),
                name="case_complaint_flagged",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def frozen_policy(self) -> dict:
        """The policy frozen on 受理: the case's own copy or the shared snapshot it points
        to; ``{}`` before 受理."""
        if self.policy_snapshot:
            return self.policy_snapshot
        if self.policy_shared_id is not None:
            return self.policy_shared.data
        return {}

    @property
    def policy(self):
        return Policy.from_snapshot(self.frozen_policy)

    @property
    def workflow(self) -> str:
        return self.assistance_type.workflow

    @property
    def short_route(self) -> bool:
        """临时救助 and the simple types skip 核对, 评议 and 公示 (DOMAIN §4; seed 002); so does
        a review (复核, A Art.31), whose economic check is held only when its policy snapshot
        says so (``skips``)."""
        return self.workflow in (WorkflowKind.TEMPORARY, WorkflowKind.SIMPLE) or (
            self.purpose == Case.Purpose.REVIEW
        )

    @property
    def is_emergency(self) -> bool:
        """急难型临时救助 (cases.temporary): help first, the file completed after."""
        return self.assistance_type.code == EMERGENCY_TYPE_CODE

    def skips(self, step: str) -> bool:
        """Whether the case skips ``step`` ("check", "evaluation" or "notice"): 急难型 by the
        county's policy (``emergency_skip_<step>``); a review's economic check by its
        snapshot's ``review_check_required`` (A Art.31); the other short-route cases always."""
        if self.is_emergency and self.purpose == Case.Purpose.APPLICATION:
            return bool(self.policy[f"emergency_skip_{step}"])
        if step == "check" and self.purpose == Case.Purpose.REVIEW:
            return not self.policy.review_check_required
        return self.short_route

    def is_recused(self, user) -> bool:
        """Whether ``user`` must stay out of this case (cases.rules.is_recused)."""
        return rules.is_recused(self, user)

    def require_actor(self, actor, roles, *, role_message: str | None = None) -> None:
        """cases.access.case_require_actor for apps that may not import cases (the document
        store): role, region, recusal; raises access.AccessRefused."""
        access.case_require_actor(case=self, actor=actor, roles=roles, role_message=role_message)

    @property
    def is_decided(self) -> bool:
        """Confirmed (by the township or the county) at some point: objections now lead to
        revocation, not refusal, and the applicant can no longer withdraw."""
        return self.decided_on is not None and self.state != CaseState.REFUSED

    # --- Next-state rules (the route follows the policy snapshot) -----------------------
    def _after_acceptance(self) -> str:
        # 急难型 helps first (cases.temporary: the grants and their clock run from the
        # registration); its file then skips the steps its county's policy lets it skip.
        if self.skips("check"):
            return CaseState.VISITING
        return CaseState.INVESTIGATING if self.policy.parallel_check_visit else CaseState.CHECKING

    def _after_investigation(self) -> str:
        if self.is_emergency:
            if not self.skips("evaluation"):
                return CaseState.EVALUATING
            return self._after_evaluation()
        if self.short_route:
            return CaseState.REVIEW
        if self.policy.evaluation_mode == "always":
            return CaseState.EVALUATING
        return self._after_evaluation()

    def _after_evaluation(self) -> str:
        if self.is_emergency and self.skips("notice"):
            return CaseState.REVIEW
        if self.is_decided:
            return CaseState.RESULT_NOTICE
        return CaseState.PRE_NOTICE if self.policy.notice_timing == "before" else CaseState.REVIEW

    def _after_reinvestigation(self) -> str:
        """A Art.19, E item 24: the evaluation is held when a notice meets an objection
        (unless the policy abolishes it, seed 002); then a new notice."""
        if self.policy.evaluation_mode in ("always", "on_objection"):
            return CaseState.EVALUATING
        return CaseState.RESULT_NOTICE if self.is_decided else CaseState.PRE_NOTICE

    def _after_objection_upheld(self) -> str:
        return CaseState.REVOKED if self.is_decided else CaseState.REFUSED

    def on_entered(self, *, source: str, on, opinion: str = "") -> None:
        """Bookkeeping common to every way into a state (called by case_transition after
        the state changed, before saving)."""
        if self.state in (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE):
            self.notice_started_on = on  # every (new) notice runs its full period
        if self.state == CaseState.REFUSED:
            # A Art.21, C Art.18: the written notice states the reasons (the opinion).
            self.decided_on = on
            self.refusal_reasons = opinion

    # --- Transitions. ``custom``: label, roles allowed, whether an opinion is required,
    # whether it is a decision (four eyes: cases.access), whether the review panel may be
    # required first (cases.panel.rules). ---
    # Bodies only change the case's own fields; cases/workflow/services.py checks roles, region,
    # recusal and guards, writes the signed log row and schedules side effects.
    @transition(
        state,
        source=CaseState.DRAFT,
        target=CaseState.RETURNED_TO_VILLAGE,
        custom={"label": "退回村级补充", "roles": ("township_clerk",), "opinion": True},
    )
    def return_to_village(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.RETURNED_TO_VILLAGE,
        target=CaseState.DRAFT,
        custom={
            "label": "重新提交",
            "roles": ("village_assistant", "township_clerk"),
            "opinion": False,
        },
    )
    def resubmit(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.DRAFT,
        target=CaseState.AWAITING_DOCUMENTS,
        conditions=[g.has_applicant],
        custom={"label": "一次性告知补正材料", "roles": ("township_clerk",), "opinion": False},
    )
    def request_documents(self, **kw):
        pass

    @transition(
        state,
        source=[CaseState.DRAFT, CaseState.AWAITING_DOCUMENTS],
        target=CaseState.ACCEPTED,
        conditions=[g.has_applicant, g.documents_complete, g.no_duplicate_open_case],
        custom={"label": "受理", "roles": ("township_clerk",), "opinion": False},
    )
    def accept(self, *, on, actor=None, **kw):
        """受理 (A Art.4–10): the clock starts and the policy in force today is frozen."""
        self.accepted_on = on
        self.accepted_by = actor
        self.policy_snapshot = policy_for(self.township, on).as_snapshot()

    @transition(
        state,
        source=CaseState.ACCEPTED,
        target=GET_STATE(
            lambda self, **kw: self._after_acceptance(),
            states=[CaseState.CHECKING, CaseState.INVESTIGATING, CaseState.VISITING],
        ),
        custom={"label": "启动调查核对", "roles": ("township_clerk",), "opinion": False},
    )
    def start_investigation(self, **kw):
        """A Art.15: the township starts the investigation within 3 working days of 受理."""

    @transition(
        state,
        source=CaseState.CHECKING,
        target=CaseState.VISITING,
        conditions=[g.check_returned],
        custom={
            "label": "核对完成转入户调查",
            "roles": ("county_verifier", "township_clerk"),
            "opinion": False,
        },
    )
    def finish_check(self, **kw):
        pass

    @transition(
        state,
        source=[CaseState.VISITING, CaseState.INVESTIGATING],
        target=GET_STATE(
            lambda self, **kw: self._after_investigation(),
            states=[CaseState.REVIEW, CaseState.EVALUATING, CaseState.PRE_NOTICE],
        ),
        conditions=[g.survey_complete, g.check_returned_unless_short],
        custom={"label": "调查完成", "roles": ("township_clerk",), "opinion": True},
    )
    def finish_investigation(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.EVALUATING,
        target=GET_STATE(
            lambda self, **kw: self._after_evaluation(),
            states=[CaseState.PRE_NOTICE, CaseState.REVIEW, CaseState.RESULT_NOTICE],
        ),
        custom={"label": "民主评议完成", "roles": ("township_clerk",), "opinion": True},
    )
    def finish_evaluation(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.PRE_NOTICE,
        target=CaseState.REVIEW,
        conditions=[g.notice_period_over, g.notice_ran_in_batch],
        custom={"label": "公示期满无异议", "roles": ("township_clerk",), "opinion": False},
    )
    def close_notice(self, **kw):
        pass

    @transition(
        state,
        source=[CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE],
        target=CaseState.OBJECTION,
        custom={"label": "登记公示异议", "roles": ("township_clerk",), "opinion": True},
    )
    def raise_objection(self, **kw):
        """A Art.19, C Art.15: an objection during the notice leads to re-investigation."""

    @transition(
        state,
        source=CaseState.OBJECTION,
        target=GET_STATE(
            lambda self, **kw: self._after_reinvestigation(),
            states=[CaseState.RESULT_NOTICE, CaseState.EVALUATING, CaseState.PRE_NOTICE],
        ),
        custom={
            "label": "异议不成立，继续办理",
            "roles": ("township_clerk", "county_supervisor"),
            "opinion": True,
        },
    )
    def finish_reinvestigation(self, **kw):
        """Re-investigation found the objection unfounded (county-organised in seed 002)."""

    @transition(
        state,
        source=CaseState.OBJECTION,
        target=GET_STATE(
            lambda self, **kw: self._after_objection_upheld(),
            states=[CaseState.REFUSED, CaseState.REVOKED],
        ),
        conditions=[g.township_decides_objection],
        # Upholding refuses (or revokes) the case: a decision, so four eyes apply.
        custom={
            "label": "异议成立",
            "roles": ("township_approver",),
            "opinion": True,
            "decision": True,
        },
    )
    def uphold_objection(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.OBJECTION,
        target=GET_STATE(
            lambda self, **kw: self._after_objection_upheld(),
            states=[CaseState.REFUSED, CaseState.REVOKED],
        ),
        custom={
            "label": "异议成立(县级决定)",
            "roles": ("county_supervisor",),
            "opinion": True,
            "decision": True,
        },
    )
    def county_uphold_objection(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.REVIEW,
        target=CaseState.CONFIRMED,
        conditions=[
            g.township_holds_power,
            g.within_township_cap,
            g.county_visit_done_if_required,
            g.amount_set,
            g.identity_known,
        ],
        custom={
            "label": "审核确认",
            "roles": ("township_approver",),
            "opinion": True,
            "decision": True,
            "panel": True,
        },
    )
    def confirm(self, *, on, **kw):
        """审核确认 by a township holding delegated power for this type on this date."""
        self.route = Case.Route.TOWNSHIP
        self.decided_on = on

    @transition(
        state,
        source=CaseState.REVIEW,
        target=CaseState.COUNTY_REVIEW,
        conditions=[g.township_must_refer],
        custom={
            "label": "报县审批",
            "roles": ("township_approver", "township_clerk"),
            "opinion": True,
        },
    )
    def refer_to_county(self, **kw):
        """The pre-reform route: the township reviews, the county approves."""
        self.route = Case.Route.COUNTY

    @transition(
        state,
        source=[
            CaseState.CHECKING,
            CaseState.VISITING,
            CaseState.INVESTIGATING,
            CaseState.EVALUATING,
            CaseState.REVIEW,
        ],
        target=CaseState.REFUSED,
        conditions=[g.township_holds_power],
        custom={
            "label": "不予确认",
            "roles": ("township_approver",),
            "opinion": True,
            "decision": True,
        },
    )
    def refuse(self, **kw):
        """A Art.21, C Art.18: a written notice with reasons (the opinion) within 3 working
        days; seed 002: a plainly ineligible check result ends here too."""
        self.route = Case.Route.TOWNSHIP

    @transition(
        state,
        source=CaseState.REVIEW,
        target=CaseState.VISITING,
        custom={"label": "退回补充调查", "roles": ("township_approver",), "opinion": True},
    )
    def return_for_investigation(self, **kw):
        self.survey_status = "draft"

    @transition(
        state,
        source=CaseState.COUNTY_REVIEW,
        target=CaseState.CONFIRMED,
        conditions=[g.county_visit_done_if_required, g.amount_set, g.identity_known],
        custom={
            "label": "县级审批同意",
            "roles": ("county_supervisor",),
            "opinion": True,
            "decision": True,
        },
    )
    def county_approve(self, *, on, **kw):
        self.decided_on = on

    @transition(
        state,
        source=CaseState.COUNTY_REVIEW,
        target=CaseState.REFUSED,
        custom={
            "label": "县级审批不同意",
            "roles": ("county_supervisor",),
            "opinion": True,
            "decision": True,
        },
    )
    def county_refuse(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.COUNTY_REVIEW,
        target=CaseState.VISITING,
        custom={"label": "县级退回补充调查", "roles": ("county_supervisor",), "opinion": True},
    )
    def county_return(self, **kw):
        self.survey_status = "draft"

    @transition(
        state,
        source=CaseState.CONFIRMED,
        target=CaseState.RESULT_NOTICE,
        conditions=[g.notice_after_confirmation],
        custom={"label": "结果公示", "roles": ("township_clerk",), "opinion": False},
    )
    def publish_result(self, **kw):
        pass

    @transition(
        state,
        source=CaseState.CONFIRMED,
        target=CaseState.PAYING,
        conditions=[g.no_result_notice, g.not_a_review],
        custom={"label": "纳入发放", "roles": ("township_clerk",), "opinion": False},
    )
    def start_payment(self, *, on, **kw):
        """A Art.21, Art.25: paid monthly from the month after confirmation."""
        self.amount_from = _first_of_next_month(self.decided_on or on)

    @transition(
        state,
        source=CaseState.RESULT_NOTICE,
        target=CaseState.PAYING,
        conditions=[g.notice_period_over, g.notice_ran_in_batch],
        custom={"label": "公示期满纳入发放", "roles": ("township_clerk",), "opinion": False},
    )
    def close_result_notice(self, *, on, **kw):
        self.amount_from = _first_of_next_month(self.decided_on or on)

    @transition(
        state,
        source=PRE_DECISION_STATES,
        target=CaseState.WITHDRAWN,
        conditions=[g.not_decided],
        custom={"label": "申请人撤回", "roles": ("township_clerk",), "opinion": True},
    )
    def withdraw(self, **kw):
        pass

    @transition(
        state,
        source=INVESTIGATION_STATES,
        target=CaseState.TERMINATED,
        conditions=[g.not_decided],
        custom={
            "label": "终止办理(不配合调查)",
            "roles": ("township_clerk", "township_approver"),
            "opinion": True,
        },
    )
    def terminate(self, **kw):
        """A Art.29: the household refuses to cooperate with the investigation."""

    @transition(
        state,
        source=[CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING],
        target=CaseState.REVOKED,
        custom={"label": "依法纠正撤销", "roles": ("county_supervisor",), "opinion": True},
    )
    def county_revoke(self, **kw):
        """Seeds 000, 003: the county corrects a wrong decision, with reasons."""


def _first_of_next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


class CaseEvent(ChainedLog):
    """Append-only log of every transition and signature: who, in which role, when, the
    opinion and the client address. Never updated or deleted (a PostgreSQL trigger refuses
    UPDATE and DELETE; the admin and API expose it read-only)."""

    chain_on = "case"
    chain_fields = (
        "case",
        "transition",
        "label",
        "source_state",
        "target_state",
        "actor",
        "actor_role",
        "actor_name",
        "opinion",
        "client_address",
        "data",
        "created_at",
    )

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField("操作", max_length=60)
    label = models.CharField("操作名称", max_length=60)
    source_state = models.CharField("原状态", max_length=30, blank=True)
    target_state = models.CharField("新状态", max_length=30, blank=True)
    actor = models.ForeignKey(
        User, verbose_name="签署人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField("签署角色", max_length=30, blank=True)
    actor_name = models.CharField("签署人姓名", max_length=60, blank=True)
    opinion = models.TextField("意见", blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    data = models.JSONField("附加数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "案件日志"
        verbose_name_plural = "案件日志"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.label}"
