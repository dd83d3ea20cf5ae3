"""The register of households in support (A Art.21, Art.25).

A ``Recipient`` holds the *current* state for lists and pages; the truth over time is the
append-only ``RecipientChange`` log: every change (amount, members, status, standard,
account) is a new dated, signed row with its effective month, never an edit in place. The
state for month M is the change with the greatest (effective_month, id) where
effective_month <= M; rosters read that, never the Recipient's current fields.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from relief.logchain import ChainedLog
from relief.models import AssistanceType, Region, User


class RecipientStatus(models.TextChoices):
    ACTIVE = "active", "在保"
    SUSPENDED = "suspended", "暂停"
    PHASING_OUT = "phasing_out", "渐退中"
    STOPPED = "stopped", "停保"


#: Statuses in which no money is due for the month.
UNPAID_STATUSES = (RecipientStatus.SUSPENDED, RecipientStatus.STOPPED)


class ChangeKind(models.TextChoices):
    REGISTERED = "registered", "纳入保障"
    AMOUNT = "amount", "调整金额"
    MEMBERS = "members", "调整保障成员"
    STATUS = "status", "变更状态"
    STANDARD = "standard", "调整标准"
    ACCOUNT = "account", "变更账户"


class Bank(models.TextChoices):
    """Banks that pay social assistance in the townships (惠农一本通 agents and the big
    four). A choices list: adding a bank is a code change reviewed with the export layout."""

    RCC = "rcc", "农村信用社"
    RCB = "rcb", "农村商业银行"
    PSBC = "psbc", "中国邮政储蓄银行"
    ABC = "abc", "中国农业银行"
    ICBC = "icbc", "中国工商银行"
    CCB = "ccb", "中国建设银行"
    BOC = "boc", "中国银行"
    BOCOM = "bocom", "交通银行"
    VILLAGE_BANK = "village_bank", "村镇银行"


class AccountKind(models.TextChoices):
    CARD = "card", "银行卡(社保卡/一卡通)"
    PASSBOOK = "passbook", "存折(惠农一本通)"


class BankAccount(models.Model):
    """The account a household's money is paid into. The holder is a member, or an agent
    (代领人) with a reason. ``account_number`` holds digits only; pages show ``masked()``
    except to the roles that export rosters, and every reveal is logged (the core's
    ``relief.DataReveal``)."""

    household = models.ForeignKey(
        "cases.Household",
        verbose_name="家庭",
        on_delete=models.PROTECT,
        related_name="bank_accounts",
    )
    holder_name = models.CharField("账户户名", max_length=40)
    holder_member = models.ForeignKey(
        "cases.Member",
        verbose_name="户名对应成员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agent_reason = models.CharField("代领原因", max_length=200, blank=True)
    bank = models.CharField("开户银行", max_length=20, choices=Bank.choices)
    kind = models.CharField(
        "账户类型", max_length=10, choices=AccountKind.choices, default=AccountKind.CARD
    )
    account_number = models.CharField("账号", max_length=25)
    is_active = models.BooleanField("有效", default=True)
    created_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "发放账户"
        verbose_name_plural = "发放账户"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["household", "is_active"], name="bankacct_household_active")
        ]

    def __str__(self) -> str:
        return f"{self.get_bank_display()} {self.masked()}"

    def masked(self) -> str:
        """e.g. "6217 **** **** 1234": the first and last four digits only."""
        digits = self.account_number or ""
        if len(digits) <= 8:
            return "*" * len(digits)
        return f"{digits[:4]} **** **** {digits[-4:]}"


class Recipient(models.Model):
    """A household in support of one assistance type (one per confirmed case)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="recipient"
    )
    household = models.ForeignKey(
        "cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="recipients"
    )
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+"
    )
    #: "urban" / "rural": which of the county's standards applies (for 调标).
    area = models.CharField("城乡", max_length=10, blank=True)
    status = models.CharField(
        "当前状态",
        max_length=20,
        choices=RecipientStatus.choices,
        default=RecipientStatus.ACTIVE,
    )
    monthly_amount = models.DecimalField("当前月发放额(元)", max_digits=12, decimal_places=2)
    covered_count = models.PositiveSmallIntegerField("保障人数", default=0)
    first_month = models.DateField("起始发放月")
    head_name = models.CharField("户主(申请人)姓名", max_length=40)
    head_id_number = models.CharField("户主(申请人)身份证号", max_length=18)
    standard_label = models.CharField("依据标准与核算", max_length=300, blank=True)
    computation = models.ForeignKey(
        "cases.AmountComputation",
        verbose_name="金额核算",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bank_account = models.ForeignKey(
        BankAccount,
        verbose_name="发放账户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("纳入时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "在册对象"
        verbose_name_plural = "在册对象"
        ordering = ["township__code", "village__code", "pk"]
        indexes = [
            models.Index(fields=["township", "status"], name="recipient_township_status"),
            models.Index(fields=["village", "status"], name="recipient_village_status"),
            models.Index(fields=["assistance_type", "status"], name="recipient_type_status"),
        ]

    def __str__(self) -> str:
        return f"{self.head_name}（{self.assistance_type}）"


class RecipientChange(ChainedLog):
    """Append-only, signed: one row per change, in force from ``effective_month``. Hash-chained
    per recipient (relief/logchain.py, issue 16: amount changes are chained): ``save()`` seals
    a row; bulk writers (调标) use ``relief.logchain.bulk_create_sealed``; ``manage.py
    verify_log`` walks every recipient's chain and names the first bad row."""

    chain_on = "recipient"
    #: Frozen (a column added later must not change older rows' hashes); the migration
    #: 0015 that backfilled the existing rows keeps its own copy.
    chain_fields = (
        "recipient",
        "kind",
        "effective_month",
        "status",
        "monthly_amount",
        "covered_member_ids",
        "reason",
        "source_label",
        "previous_status",
        "previous_amount",
        "adjustment_run",
        "actor",
        "actor_role",
        "actor_name",
        "created_at",
    )

    recipient = models.ForeignKey(
        Recipient, verbose_name="在册对象", on_delete=models.PROTECT, related_name="changes"
    )
    kind = models.CharField("变更类型", max_length=20, choices=ChangeKind.choices)
    effective_month = models.DateField("生效月份")
    status = models.CharField("状态", max_length=20, choices=RecipientStatus.choices)
    monthly_amount = models.DecimalField("月发放额(元)", max_digits=12, decimal_places=2)
    covered_member_ids = models.JSONField("保障成员", default=list)
    reason = models.TextField("原因")
    source_label = models.CharField("来源", max_length=200)
    previous_status = models.CharField(
        "原状态", max_length=20, choices=RecipientStatus.choices, blank=True, null=True
    )
    previous_amount = models.DecimalField(
        "原月发放额(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    adjustment_run = models.ForeignKey(
        "funds.StandardAdjustmentRun",
        verbose_name="调标批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    actor = models.ForeignKey(
        User, verbose_name="签署人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField("签署角色", max_length=30, blank=True)
    actor_name = models.CharField("签署人姓名", max_length=60, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    #: Set by ``recipient_change``, not stored: the month asked for when a locked roster
    #: moved the change to the next open month, and the message saying so.
    moved_from: datetime.date | None = None
    moved_notice: str = ""

    class Meta:
        verbose_name = "在册变更记录"
        verbose_name_plural = "在册变更记录"
        ordering = ["effective_month", "pk"]
        indexes = [
            models.Index(
                fields=["recipient", "effective_month", "id"], name="recipchange_recip_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.get_kind_display()} {self.effective_month:%Y-%m}"


class StandardAdjustmentRun(models.Model):
    """调标: a county's new standard applied to every affected recipient from an effective
    month. Previewed first (lines with old and new amounts), applied once."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        APPLIED = "applied", "已执行"
        STALE = "stale", "已失效"

    county = models.ForeignKey(
        Region, verbose_name="县(区)", on_delete=models.PROTECT, related_name="+"
    )
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField("城乡", max_length=10)
    effective_month = models.DateField("生效月份")
    standard_label = models.CharField("新标准", max_length=300)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    households = models.PositiveIntegerField("涉及户数", default=0)
    changed_households = models.PositiveIntegerField("金额变化户数", default=0)
    old_total = models.DecimalField("原月发放合计(元)", max_digits=14, decimal_places=2, default=0)
    new_total = models.DecimalField("新月发放合计(元)", max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        User, verbose_name="预览人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("预览时间", default=timezone.now)
    applied_by = models.ForeignKey(
        User,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField("执行时间", null=True, blank=True)

    class Meta:
        verbose_name = "调标批次"
        verbose_name_plural = "调标批次"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"调标批次 {self.pk}"


class StandardAdjustmentLine(models.Model):
    """One recipient in a 调标 run: the amount in force before and the recomputed one."""

    run = models.ForeignKey(
        StandardAdjustmentRun,
        verbose_name="调标批次",
        on_delete=models.CASCADE,
        related_name="lines",
    )
    recipient = models.ForeignKey(
        Recipient, verbose_name="在册对象", on_delete=models.PROTECT, related_name="+"
    )
    #: The change the old amount came from; a later change makes the run stale.
    based_on = models.ForeignKey(
        RecipientChange, verbose_name="依据变更", on_delete=models.PROTECT, related_name="+"
    )
    #: The run's month, or the recipient's first month when that is later.
    effective_month = models.DateField("生效月份")
    status = models.CharField("状态", max_length=20, choices=RecipientStatus.choices)
    covered_member_ids = models.JSONField("保障成员", default=list)
    old_amount = models.DecimalField("原月发放额(元)", max_digits=12, decimal_places=2)
    new_amount = models.DecimalField("新月发放额(元)", max_digits=12, decimal_places=2)
    #: False when the household no longer qualifies under the recomputation: listed for a
    #: review (复核), never changed by the run.
    eligible = models.BooleanField("按新标准仍符合条件", default=True)
    steps = models.JSONField("计算过程", default=list)

    class Meta:
        verbose_name = "调标明细"
        verbose_name_plural = "调标明细"
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "recipient"], name="adjustment_line_once")
        ]

    @property
    def difference(self):
        return self.new_amount - self.old_amount
