"""The case and its append-only log. Transitions are declared on ``Case`` (cases/workflow.py
holds the guards and their readable reasons); cases/services.py performs them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField

from relief.models import AssistanceType, Region, User


class CaseState(models.TextChoices):
    """DOMAIN §4: 受理 → 核对 → 入户 → 评议 → 审核确认 → 备案 → 公示 → 发放, and the exits."""

    DRAFT = "draft", "草稿(待受理)"
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


#: States in which a case is still being handled (for duplicate checks and clocks).
OPEN_STATES = (
    CaseState.DRAFT,
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
    CaseState.CONFIRMED,
    CaseState.RESULT_NOTICE,
)
#: States after a decision (confirmed and onward, or refused).
DECIDED_STATES = (CaseState.CONFIRMED, CaseState.RESULT_NOTICE, CaseState.PAYING, CaseState.REFUSED)
CLOSED_STATES = (CaseState.PAYING, CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.TERMINATED, CaseState.REVOKED)


class Case(ConcurrentTransitionMixin, models.Model):
    class Source(models.TextChoices):
        APPLICATION = "application", "本人申请"
        PROXY = "proxy", "委托代办"
        DISCOVERED = "discovered", "主动发现"

    class Route(models.TextChoices):
        TOWNSHIP = "township", "乡镇审核确认"
        COUNTY = "county", "报县审批"

    number = models.CharField("案件编号", max_length=32, unique=True)
    household = models.ForeignKey("cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="cases")
    assistance_type = models.ForeignKey(AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT)
    township = models.ForeignKey(Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+")
    state = FSMField("状态", default=CaseState.DRAFT, choices=CaseState.choices, protected=True, db_index=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.APPLICATION)
    applicant = models.ForeignKey(
        "cases.Member", verbose_name="申请人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proxy_name = models.CharField("代办人姓名", max_length=40, blank=True)
    proxy_id_number = models.CharField("代办人身份证号", max_length=18, blank=True)
    proxy_relation = models.CharField("代办人与申请人关系", max_length=40, blank=True)
    created_by = models.ForeignKey(User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    accepted_on = models.DateField("受理日期", null=True, blank=True, db_index=True)
    accepted_by = models.ForeignKey(User, verbose_name="受理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: Policy in force on the 受理 date (relief.policy.Policy.as_snapshot); never rewritten.
    policy_snapshot = models.JSONField("受理时政策", default=dict, blank=True)
    route = models.CharField("审批路径", max_length=10, choices=Route.choices, blank=True)
    near_relative_flag = models.BooleanField("近亲属备案", default=False, db_index=True)
    complaint_flag = models.BooleanField("有投诉举报", default=False, db_index=True)
    decided_on = models.DateField("决定日期", null=True, blank=True, db_index=True)
    monthly_amount = models.DecimalField("月救助金额(元)", max_digits=12, decimal_places=2, null=True, blank=True)
    amount_from = models.DateField("发放起始月", null=True, blank=True)
    refusal_reasons = models.TextField("不予确认理由", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "救助案件"
        verbose_name_plural = "救助案件"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["township", "state"]),
            models.Index(fields=["village", "state"]),
            models.Index(fields=["assistance_type", "state"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def policy(self):
        from relief.policy import Policy

        return Policy.from_snapshot(self.policy_snapshot)


class CaseEvent(models.Model):
    """Append-only log of every transition and signature: who, in which role, when, the
    opinion and the client address. Never updated or deleted (a PostgreSQL trigger refuses
    UPDATE and DELETE; the admin and API expose it read-only)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField("操作", max_length=60)
    label = models.CharField("操作名称", max_length=60)
    source_state = models.CharField("原状态", max_length=30, blank=True)
    target_state = models.CharField("新状态", max_length=30, blank=True)
    actor = models.ForeignKey(User, verbose_name="签署人", null=True, on_delete=models.PROTECT, related_name="+")
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
