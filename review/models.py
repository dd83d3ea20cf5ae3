"""County supervision (DOMAIN §1, §6): filings (备案), queries, spot checks (入户抽查),
rectification orders (整改通知), corrections (依法纠正) and complaints (举报).

Every row that belongs to one township carries ``township`` so that relief.scoping can
restrict it; a township user never sees another township's rows (404)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from relief.logchain import ChainedLog
from relief.models import AssistanceType, Region, User

#: Filing fields the tally's key is made of (FilingTally, review/tallies.py), in key order.
FILING_TALLY_FIELDS = ("township", "assistance_type", "kind", "status", "decided_on")
FILING_TALLY_COLS = ("township_id", "assistance_type_id", "kind", "status", "decided_on")


class FilingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """A set-based update that changes a counted field keeps ``FilingTally`` too: the
        rows' keys before and after, moved in the update's transaction (an update of no
        counted field is passed through)."""
        if not {name.removesuffix("_id") for name in kwargs} & set(FILING_TALLY_FIELDS):
            return super().update(**kwargs)
        from collections import Counter

        from django.db import transaction

        from cases.stats.services import add_counts

        with transaction.atomic():
            rows = list(
                self.order_by()
                .select_for_update(of=("self",))
                .values_list("pk", *FILING_TALLY_COLS)
            )
            n = super().update(**kwargs)
            if rows:
                after = Filing.objects.filter(pk__in=[r[0] for r in rows]).order_by()
                deltas: Counter = Counter(
                    FilingTally.key_of(r) for r in after.values_list(*FILING_TALLY_COLS)
                )
                deltas.subtract(Counter(FilingTally.key_of(r[1:]) for r in rows))
                add_counts(FilingTally, FILING_TALLY_COLS, deltas)
        return n


class Filing(models.Model):
    """A township decision reported to the county for the record (备案, seeds 000, 003).
    Created inside the transition's transaction by review.services.filing_create_for_event
    (a receiver of cases.workflow.hooks.case_transitioned)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "审核确认"
        REFUSAL = "refusal", "不予确认"
        TERMINATION = "termination", "终止办理"
        REVOCATION = "revocation", "撤销"

    class Status(models.TextChoices):
        NEW = "new", "待阅"
        ACKNOWLEDGED = "acknowledged", "已阅"
        QUERIED = "queried", "已质询"

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="filings"
    )
    event = models.OneToOneField(
        "cases.CaseEvent",
        verbose_name="对应日志",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filing",
    )
    kind = models.CharField("备案类别", max_length=20, choices=Kind.choices)
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT
    )
    decided_on = models.DateField("决定日期", null=True, blank=True, db_index=True)
    #: Key figures at filing time: type, household size, monthly amount, route, flags.
    snapshot = models.JSONField("关键数据", default=dict, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口", default=0)
    monthly_amount = models.DecimalField(
        "月救助金额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    route = models.CharField("审批路径", max_length=10, blank=True)
    near_relative_flag = models.BooleanField("近亲属备案", default=False)
    complaint_flag = models.BooleanField("有投诉举报", default=False)
    filed_at = models.DateTimeField("备案时间", default=timezone.now)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW)
    acknowledged_by = models.ForeignKey(
        User,
        verbose_name="阅知人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("阅知时间", null=True, blank=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = "决定备案"
        verbose_name_plural = "决定备案"
        ordering = ["-filed_at", "-pk"]
        indexes = [
            # The inbox's default order (newest first) per scope and status filter, read by
            # keyset (relief/paging.py): a page costs the same whatever the table's size.
            # (They lead with the columns the single-column indexes on filed_at and status
            # and the (township, status) index covered, which they replace.)
            models.Index(fields=["-filed_at", "-id"], name="filing_newest"),
            models.Index(fields=["township", "-filed_at", "-id"], name="filing_township_newest"),
            models.Index(fields=["status", "-filed_at", "-id"], name="filing_status_newest"),
            models.Index(
                fields=["township", "status", "-filed_at", "-id"],
                name="filing_township_status_newest",
            ),
            # 近亲属备案, a filter the tally does not carry: its page and capped count read
            # only these entries.
            models.Index(
                fields=["-filed_at", "-id"],
                condition=models.Q(near_relative_flag=True),
                name="filing_near_relative_newest",
            ),
            # ... and its capped count index-only (township for the county's scope): no heap
            # page per near-relative filing.
            models.Index(
                fields=["township"],
                condition=models.Q(near_relative_flag=True),
                name="filing_near_relative_township",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"


class FilingTally(models.Model):
    """Filings per township × assistance type × kind × status × decision day (issue 17):
    the inbox's counts and the statistics page's decisions are sums over a few of these
    rows, not counts over the filings. Kept in the transaction of every write that creates,
    changes or deletes a filing (review/tallies.py); ``manage.py check_summaries`` proves it
    equals a recount. A filing without a decision date is counted under ``NO_DECISION_DAY``
    (a day no period reaches)."""

    NO_DECISION_DAY = datetime.date(1, 1, 1)

    township = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    assistance_type = models.ForeignKey(
        AssistanceType, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    decided_on = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "备案汇总"
        verbose_name_plural = "备案汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["township", "assistance_type", "kind", "status", "decided_on"],
                name="filing_tally_key",
            )
        ]

    @classmethod
    def key_of(cls, values) -> tuple:
        """The tally key of a filing's values over ``FILING_TALLY_COLS``."""
        township_id, type_id, kind, status, decided_on = values
        day = decided_on if decided_on is not None else cls.NO_DECISION_DAY
        return (township_id, type_id, kind, status, day)


class Query(models.Model):
    """The county's question to a township about a filed decision; answered in a thread."""

    class Status(models.TextChoices):
        OPEN = "open", "待乡镇答复"
        ANSWERED = "answered", "乡镇已答复"
        CLOSED = "closed", "已办结"

    filing = models.ForeignKey(
        Filing,
        verbose_name="备案",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queries",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="review_queries"
    )
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField("质询事项", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        User, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("发起时间", default=timezone.now)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "备案质询"
        verbose_name_plural = "备案质询"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject


class QueryMessage(models.Model):
    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        User, verbose_name="发言人", on_delete=models.PROTECT, related_name="+"
    )
    from_county = models.BooleanField("县级发出", default=False)
    body = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "质询往来"
        verbose_name_plural = "质询往来"
        ordering = ["created_at", "pk"]


class ProblemKind(models.TextChoices):
    """Kinds of problem a spot check or a complaint finds (listed, for the statistics)."""

    INCOME = "income", "收入核算不实"
    MEMBERS = "members", "家庭成员认定有误"
    ASSETS = "assets", "财产状况不符"
    AMOUNT = "amount", "救助金额计算错误"
    INELIGIBLE = "ineligible", "不符合救助条件"
    NEAR_RELATIVE = "near_relative", "近亲属未备案"
    PROCEDURE = "procedure", "程序不规范"
    DOCUMENTS = "documents", "档案材料不全"
    OTHER = "other", "其他问题"


class SpotCheckCampaign(models.Model):
    """入户抽查 of the cases newly confirmed in a period (C Art.16: 特困 ≥30%). The seed and
    the sampling frame are stored, so the draw can be reproduced for an auditor."""

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("抽查名称", max_length=100)
    period_start = models.DateField("确认日期自")
    period_end = models.DateField("确认日期至")
    seed = models.BigIntegerField("随机种子")
    #: {stratum key: {"township_id", "township", "category", "ratio", "population",
    #:  "quota", "mandatory": {number: reason}, "method", "drawn", "cutoff"}}: the input and
    #: the outcome of the draw (review/sampling.py); campaigns drawn before it was set-based
    #: list "candidates": [case numbers] instead of "drawn" and "cutoff".
    frame = models.JSONField("抽样框", default=dict, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "入户抽查"
        verbose_name_plural = "入户抽查"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class SpotCheckItem(models.Model):
    class Reason(models.TextChoices):
        RANDOM = "random", "随机抽取"
        NEAR_RELATIVE = "near_relative", "近亲属备案(必查)"
        COMPLAINT = "complaint", "有投诉举报(必查)"

    class Outcome(models.TextChoices):
        PENDING = "", "未核查"
        CORRECT = "correct", "认定准确"
        PROBLEM = "problem", "发现问题"

    # No index of its own: the unique (campaign, case) constraint's index leads with it (one
    # index fewer to fill for each drawn case).
    campaign = models.ForeignKey(
        SpotCheckCampaign, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="spot_checks"
    )
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField("类别", max_length=20)
    reason = models.CharField(
        "抽取方式", max_length=20, choices=Reason.choices, default=Reason.RANDOM
    )
    assignee = models.ForeignKey(
        User,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spot_check_items",
    )
    visit_date = models.DateField("核查日期", null=True, blank=True)
    people_met = models.CharField("见到的家庭成员/知情人", max_length=200, blank=True)
    findings = models.TextField("核查情况", blank=True)
    outcome = models.CharField(
        "核查结论", max_length=10, choices=Outcome.choices, default=Outcome.PENDING, blank=True
    )
    problem_kind = models.CharField(
        "问题类型", max_length=20, choices=ProblemKind.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查案件"
        verbose_name_plural = "抽查案件"
        ordering = ["township__code", "case__number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "case"], name="spot_check_case_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.case}"


class VisitPhoto(models.Model):
    """A photo taken at a spot-check visit. The file itself is an archive Document of the
    case (kind 入户调查照片), so it joins the household's file (一户一档) and is checked by
    content and served only after scoping."""

    item = models.ForeignKey(SpotCheckItem, on_delete=models.CASCADE, related_name="photos")
    document = models.OneToOneField("archive.Document", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "核查照片"
        verbose_name_plural = "核查照片"
        ordering = ["uploaded_at", "pk"]


class RectificationOrder(models.Model):
    """整改通知: issued to a township from a problem, due in working days
    (policy rectification_due_wd); the township responds, the county accepts or sends back."""

    class Status(models.TextChoices):
        ISSUED = "issued", "待乡镇整改"
        RESPONDED = "responded", "乡镇已反馈"
        RETURNED = "returned", "退回重新整改"
        ACCEPTED = "accepted", "整改验收通过"

    OPEN_STATUSES = (Status.ISSUED, Status.RESPONDED, Status.RETURNED)
    #: The township owes an answer in these statuses; the due date runs.
    AWAITING_TOWNSHIP = (Status.ISSUED, Status.RETURNED)

    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    spot_check_item = models.ForeignKey(
        SpotCheckItem,
        verbose_name="来源抽查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    complaint = models.ForeignKey(
        "review.Complaint",
        verbose_name="来源举报",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    problem_kind = models.CharField("问题类型", max_length=20, choices=ProblemKind.choices)
    description = models.TextField("问题及整改要求")
    due_date = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    overdue = models.BooleanField("已逾期", default=False, db_index=True)
    issued_by = models.ForeignKey(
        User, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    closed_by = models.ForeignKey(
        User,
        verbose_name="验收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("验收时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改通知"
        verbose_name_plural = "整改通知"
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"整改通知#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def _evidence_path(instance, filename: str) -> str:
    return (
        f"review/rectifications/{instance.order_id}/"
        f"{timezone.now():%Y%m%d%H%M%S%f}.{instance.evidence_extension}"
    )


class RectificationResponse(models.Model):
    """One round: the township's account of what it did (with evidence), then the county's
    review of it (accepted / sent back with a comment)."""

    class Decision(models.TextChoices):
        PENDING = "", "待县级审查"
        ACCEPTED = "accepted", "通过"
        RETURNED = "returned", "退回"

    order = models.ForeignKey(
        RectificationOrder, on_delete=models.CASCADE, related_name="responses"
    )
    author = models.ForeignKey(
        User, verbose_name="反馈人", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField("整改情况")
    evidence = models.FileField("佐证材料", upload_to=_evidence_path, blank=True)
    evidence_content_type = models.CharField(max_length=40, blank=True)
    evidence_extension = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField("反馈时间", default=timezone.now)
    decision = models.CharField(
        "审查结论", max_length=10, choices=Decision.choices, default=Decision.PENDING, blank=True
    )
    review_comment = models.TextField("审查意见", blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name="审查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)

    class Meta:
        verbose_name = "整改反馈"
        verbose_name_plural = "整改反馈"
        ordering = ["created_at", "pk"]


class AmountChange(ChainedLog):
    """依法纠正 of the amount: the new monthly amount from a date, with reasons and legal
    basis. Written with a CaseEvent(transition="county_amount_change") in one transaction.
    Append-only and hash-chained per case (relief/logchain.py)."""

    chain_on = "case"
    chain_fields = (
        "case",
        "old_amount",
        "new_amount",
        "effective_from",
        "reasons",
        "legal_basis",
        "event",
        "actor",
        "created_at",
    )

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="amount_changes"
    )
    old_amount = models.DecimalField(
        "原月救助金额", max_digits=12, decimal_places=2, null=True, blank=True
    )
    new_amount = models.DecimalField("新月救助金额", max_digits=12, decimal_places=2)
    effective_from = models.DateField("自何日起")
    reasons = models.TextField("纠正理由")
    legal_basis = models.CharField("法律依据", max_length=300)
    event = models.OneToOneField(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        User, verbose_name="决定人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "金额纠正"
        verbose_name_plural = "金额纠正"
        ordering = ["-created_at", "-pk"]


class Complaint(models.Model):
    """举报投诉 (12349 hotline, E item 22). Every named report is checked and the result fed
    back to the reporter before it is closed (A Art.36–37)."""

    class Channel(models.TextChoices):
        HOTLINE = "hotline_12349", "12349热线"
        LETTER = "letter", "来信"
        VISIT = "visit", "来访"
        ONLINE = "online", "网上举报"
        REFERRAL = "referral", "上级转办"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        RECEIVED = "received", "已登记"
        INVESTIGATING = "investigating", "核查中"
        CONCLUDED = "concluded", "已出结果"
        CLOSED = "closed", "已办结"

    class Result(models.TextChoices):
        NONE = "", "—"
        SUBSTANTIATED = "substantiated", "属实"
        PARTLY = "partly", "部分属实"
        UNFOUNDED = "unfounded", "不属实"

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField("登记号", max_length=30, unique=True)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    named = models.BooleanField("实名举报", default=False)
    reporter_name = models.CharField("举报人姓名", max_length=40, blank=True)
    reporter_phone = models.CharField("举报人联系方式", max_length=40, blank=True)
    subject_name = models.CharField("被举报人", max_length=60, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="涉及案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    township = models.ForeignKey(
        Region,
        verbose_name="涉及乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField("举报内容")
    received_on = models.DateField("受理日期", default=timezone.localdate)
    received_by = models.ForeignKey(
        User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        User,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    result = models.CharField("核查结果", max_length=20, choices=Result.choices, blank=True)
    result_text = models.TextField("处理结果", blank=True)
    problem_kind = models.CharField(
        "问题类型", max_length=20, choices=ProblemKind.choices, blank=True
    )
    feedback_text = models.TextField("向举报人反馈内容", blank=True)
    feedback_on = models.DateField("反馈日期", null=True, blank=True)
    feedback_by = models.ForeignKey(
        User,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "举报投诉"
        verbose_name_plural = "举报投诉"
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return self.number


class ComplaintNote(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("核查记录")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "核查记录"
        verbose_name_plural = "核查记录"
        ordering = ["created_at", "pk"]
