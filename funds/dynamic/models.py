"""动态管理 (A Art.31; F §1(3)): each recipient's review schedule, the link between a review
case (复核, a ``Case`` with purpose "review") and the recipient it reviews, with the decision
the review reaches, and the 渐退 schedules that decision sets."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Region, User


class ReviewTrigger(models.TextChoices):
    SCHEDULED = "scheduled", "定期复核"
    CAMPAIGN = "campaign", "集中复核"
    DEATH = "death", "成员死亡"
    MOVED_OUT = "moved_out", "成员迁出"
    INCOME = "income", "收入变化"
    NEW_MEMBER = "new_member", "新增成员"
    IMPRISONED = "imprisoned", "成员服刑"
    AGE = "age", "成员年满16/60周岁"
    DISABILITY = "disability", "残疾等级变化"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "继续保障(不变)"
    AMOUNT = "amount", "调整金额"
    PHASE_OUT = "phase_out", "渐退"
    SUSPEND = "suspend", "暂停"
    STOP = "stop", "停保"


class ReviewSchedule(models.Model):
    """When a recipient is next reviewed, and why that interval (A Art.31)."""

    recipient = models.OneToOneField(
        "funds.Recipient", verbose_name="在册对象", on_delete=models.CASCADE, related_name="+"
    )
    interval_months = models.PositiveSmallIntegerField("复核间隔(月)")
    basis = models.CharField("间隔依据", max_length=200)
    next_due = models.DateField("下次复核截止日", db_index=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "复核计划"
        verbose_name_plural = "复核计划"


class ReviewCampaign(models.Model):
    """集中复核: review cases opened at once for a filtered set of recipients."""

    county = models.ForeignKey(Region, verbose_name="县(区)", on_delete=models.PROTECT)
    name = models.CharField("名称", max_length=100)
    due_on = models.DateField("复核截止日")
    opened = models.PositiveIntegerField("生成复核案件数", default=0)
    created_by = models.ForeignKey(User, verbose_name="发起人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("发起时间", default=timezone.now)

    class Meta:
        verbose_name = "集中复核"
        verbose_name_plural = "集中复核"


class ReviewCase(models.Model):
    """One review: the case that carries it, the recipient, why it was opened, by when, and
    the decision the approver (or the county) confirms."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="复核案件", on_delete=models.PROTECT, related_name="+"
    )
    # Indexed by reviewcase_recipient (Meta.indexes), which leads with it: no index of its
    # own, one entry less for each review a campaign inserts.
    recipient = models.ForeignKey(
        "funds.Recipient",
        verbose_name="在册对象",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    trigger = models.CharField("复核原因", max_length=20, choices=ReviewTrigger.choices)
    trigger_note = models.CharField("情况说明", max_length=300, blank=True)
    due_on = models.DateField("复核截止日")
    campaign = models.ForeignKey(
        ReviewCampaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("复核结论", max_length=20, choices=ReviewOutcome.choices, blank=True)
    new_amount = models.DecimalField(
        "调整后月发放额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    effective_month = models.DateField("生效月份", null=True, blank=True)
    phase_out_months = models.PositiveSmallIntegerField("渐退月数", null=True, blank=True)
    reasons = models.TextField("理由", blank=True)
    #: 失信: the false information the review found (a record is made on confirmation).
    dishonesty_note = models.TextField("查实的虚假信息", blank=True)
    #: 追缴 decided in the review: amount and the months paid without right.
    recovery_amount = models.DecimalField(
        "追缴金额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    recovery_from = models.DateField("追缴起始月", null=True, blank=True)
    recovery_to = models.DateField("追缴截止月", null=True, blank=True)
    recovery_order = models.OneToOneField(
        "funds.RecoveryOrder",
        verbose_name="追缴决定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField("执行时间", null=True, blank=True)

    class Meta:
        verbose_name = "复核"
        verbose_name_plural = "复核"
        indexes = [models.Index(fields=["recipient", "applied_at"], name="reviewcase_recipient")]


class PhaseOut(models.Model):
    """渐退 (F §1(3)): paid ``monthly_amount`` from ``start_month`` and stopped from
    ``stop_month``; both are dated register changes, so the roster follows them."""

    recipient = models.ForeignKey(
        "funds.Recipient", verbose_name="在册对象", on_delete=models.PROTECT, related_name="+"
    )
    review = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="phase_out")
    start_month = models.DateField("渐退起始月")
    stop_month = models.DateField("停保月")
    monthly_amount = models.DecimalField("渐退期月发放额(元)", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "渐退计划"
        verbose_name_plural = "渐退计划"


class FindingSource(models.TextChoices):
    """Where the false information was found."""

    REVIEW = "review", "复核"
    SPOT_CHECK = "spot_check", "入户抽查"
    COMPLAINT = "complaint", "举报投诉"


class DishonestyRecord(models.Model):
    """失信记录 (seed 002: 守信承诺和失信记录制度): a review, a spot check or a complaint found
    that the household gave false information. What, when, by whom and the amount to
    recover; the members' ID numbers at the time (``DishonestyPerson``) let any later case
    in the county of one of them show it to the clerk until ``expires_on`` (the policy's
    ``dishonesty_expiry_months`` from ``found_on``)."""

    recipient = models.ForeignKey(
        "funds.Recipient", verbose_name="在册对象", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("发现途径", max_length=20, choices=FindingSource.choices)
    review = models.OneToOneField(
        ReviewCase,
        verbose_name="复核",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dishonesty",
    )
    #: The finding it rests on (the review case's number, or the spot check / complaint).
    reference = models.CharField("依据的核查结论", max_length=200)
    what = models.TextField("虚假信息情形")
    found_on = models.DateField("认定日期")
    recorded_by = models.ForeignKey(
        User, verbose_name="认定人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_name = models.CharField("认定人姓名", max_length=60)
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    recovery_amount = models.DecimalField(
        "应追缴金额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    recovery_order = models.OneToOneField(
        "funds.RecoveryOrder",
        verbose_name="追缴决定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expires_on = models.DateField("有效期至", db_index=True)

    class Meta:
        verbose_name = "失信记录"
        verbose_name_plural = "失信记录"
        ordering = ["-found_on", "-pk"]


class DishonestyPerson(models.Model):
    """A member of the household when the record was made (name and ID number frozen)."""

    record = models.ForeignKey(DishonestyRecord, on_delete=models.CASCADE, related_name="people")
    name = models.CharField("姓名", max_length=40)
    id_number = models.CharField("身份证号", max_length=18, db_index=True)

    class Meta:
        verbose_name = "失信记录涉及人员"
        verbose_name_plural = "失信记录涉及人员"


class TerminationPosting(models.Model):
    """特困 终止 (C Art.25): the stop is posted in the village for the policy's
    ``tekun_termination_notice_days`` (calendar days, the first day counted) before it takes
    effect; the daily deadline scan ends the posting and writes the stop from the month
    after its last day (``effective_month``)."""

    review = models.OneToOneField(ReviewCase, on_delete=models.PROTECT, related_name="posting")
    recipient = models.ForeignKey(
        "funds.Recipient", verbose_name="在册对象", on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField("公示开始日期")
    days = models.PositiveSmallIntegerField("公示天数")
    ends_on = models.DateField("公示截止日期")
    #: The month the decision asked for (the stop takes the later of it and the month
    #: after the posting).
    requested_month = models.DateField("决定的生效月份", null=True, blank=True)
    ended_at = models.DateTimeField("公示结束时间", null=True, blank=True)
    effective_month = models.DateField("停保生效月份", null=True, blank=True)
    #: An objection found well-founded withdrew the termination (the recipient stays).
    withdrawn_at = models.DateTimeField("终止撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "特困终止公示"
        verbose_name_plural = "特困终止公示"
        indexes = [
            models.Index(
                fields=["ends_on"],
                condition=models.Q(ended_at__isnull=True),
                name="termposting_open_end",
            )
        ]


class PostingObjectionStatus(models.TextChoices):
    OPEN = "open", "处理中"
    UPHELD = "upheld", "异议成立，撤回终止"
    DISMISSED = "dismissed", "异议不成立，终止生效"


class PostingObjection(models.Model):
    """An objection to a 特困 termination during its posting (C Art.25), recorded by the
    township clerk or the village assistant: who raised it (or anonymous), how to reach
    them, what. While one is open the termination does not take effect; handled, it is
    withdrawn (upheld) or takes effect at the next scan (dismissed), with feedback."""

    posting = models.ForeignKey(
        TerminationPosting,
        verbose_name="特困终止公示",
        on_delete=models.PROTECT,
        related_name="objections",
    )
    anonymous = models.BooleanField("匿名", default=False)
    raised_by = models.CharField("异议人", max_length=40, blank=True)
    contact = models.CharField("联系方式", max_length=60, blank=True)
    text = models.TextField("异议内容")
    status = models.CharField(
        "处理状态",
        max_length=10,
        choices=PostingObjectionStatus.choices,
        default=PostingObjectionStatus.OPEN,
    )
    recorded_by = models.ForeignKey(
        User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_name = models.CharField("登记人姓名", max_length=60)
    received_at = models.DateTimeField("收到时间", default=timezone.now)
    feedback = models.TextField("处理结果与反馈", blank=True)
    handled_by = models.ForeignKey(
        User,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "特困终止公示异议"
        verbose_name_plural = "特困终止公示异议"
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(
                fields=["posting"],
                condition=models.Q(status="open"),
                name="postingobjection_open",
            )
        ]
