"""Monthly payment rosters (发放花名册, DOMAIN §4 发放, §7; A Art.21, Art.25; C Art.17).

A ``RosterRun`` is one township × month × assistance type. Its lines are computed from the
recipient register's change log (the state in force for each month) minus what locked
rosters already paid for that recipient-month: the month's regular amount, back pay (补发)
for earlier months, recovery (追缴) as negative lines, arrears (欠发补付) for lines the bank
failed to pay or that were held for want of an account, and one-off payments (临时救助).

Two-person rule: the clerk prepares and checks, the township approver locks (审核); a
locked roster never changes (the service refuses, and on PostgreSQL a trigger refuses
UPDATE/DELETE of its lines except the bank's result fields). A correction after lock is a
supplementary run.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from funds.recipients.hooks import locked_roster_months
from funds.recipients.models import Bank, Recipient, RecipientChange
from relief.logchain import ChainedLog
from relief.models import AssistanceType, Job, Region, User


class RunKind(models.TextChoices):
    REGULAR = "regular", "月度花名册"
    SUPPLEMENTARY = "supplementary", "补充花名册"


class RunState(models.TextChoices):
    PREPARING = "preparing", "生成中"
    FAILED = "failed", "生成失败"
    PREPARED = "prepared", "待复核"
    CHECKED = "checked", "已复核"
    LOCKED = "locked", "已锁定"
    #: 作废: an unlocked run given up. It is kept (its log is append-only and hash-chained)
    #: without its lines; lists, the next run, exports and statistics ignore it.
    DISCARDED = "discarded", "已作废"


#: States of a run that is not locked yet: at most one per township × type at a time.
OPEN_STATES = (RunState.PREPARING, RunState.FAILED, RunState.PREPARED, RunState.CHECKED)


class RecoveryMode(models.TextChoices):
    OFFSET = "offset", "在下期花名册中抵扣"
    SEPARATE = "separate", "另行追缴"


def _money(label: str, **kwargs):
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0, **kwargs)


class RosterRun(models.Model):
    number = models.CharField("花名册编号", max_length=30, unique=True, null=True, blank=True)
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField("发放月份")
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类别", max_length=20, choices=RunKind.choices, default=RunKind.REGULAR)
    state = models.CharField(
        "状态", max_length=20, choices=RunState.choices, default=RunState.PREPARING
    )
    recovery_mode = models.CharField(
        "追缴方式", max_length=20, choices=RecoveryMode.choices, default=RecoveryMode.OFFSET
    )
    #: The greatest RecipientChange id the computation saw: later runs re-open every month
    #: from the earliest effective month of a change recorded after it.
    change_watermark = models.BigIntegerField(default=0)
    job = models.ForeignKey(
        Job, verbose_name="后台任务", null=True, blank=True, on_delete=models.SET_NULL
    )
    error = models.CharField("失败原因", max_length=300, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    prepared_by = models.ForeignKey(
        User, verbose_name="制表人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField("制表时间", default=timezone.now)
    computed_at = models.DateTimeField("生成时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        User, verbose_name="复核人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("复核时间", null=True, blank=True)
    locked_by = models.ForeignKey(
        User, verbose_name="审核人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)

    line_count = models.PositiveIntegerField("明细数", default=0)
    recipient_count = models.PositiveIntegerField("发放户数", default=0)
    bank_line_count = models.PositiveIntegerField("银行发放笔数", default=0)
    bank_amount = _money("银行发放金额(元)")
    held_line_count = models.PositiveIntegerField("暂缓发放笔数", default=0)
    held_amount = _money("暂缓发放金额(元)")
    separate_recovery_amount = _money("另行追缴金额(元)")
    missing_account_count = models.PositiveIntegerField("待补账户", default=0)
    totals_by_kind = models.JSONField("分类合计", default=dict)
    paid_count = models.PositiveIntegerField("已发放笔数", default=0)
    paid_amount = _money("已发放金额(元)")
    failed_count = models.PositiveIntegerField("发放失败笔数", default=0)
    failed_amount = _money("发放失败金额(元)")

    class Meta:
        verbose_name = "发放花名册"
        verbose_name_plural = "发放花名册"
        ordering = ["-month", "township__code", "assistance_type__sort_order", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "assistance_type"],
                condition=Q(state__in=[s.value for s in OPEN_STATES]),
                name="roster_one_open_run_per_township_type",
            ),
            models.UniqueConstraint(
                fields=["township", "month", "assistance_type"],
                condition=Q(kind="regular") & ~Q(state="discarded"),
                name="roster_one_regular_run_per_month",
            ),
        ]
        indexes = [
            models.Index(fields=["township", "assistance_type", "state"], name="roster_run_scope")
        ]

    def __str__(self) -> str:
        return (
            f"{self.township} {self.month:%Y年%m月} {self.assistance_type} "
            f"{self.get_kind_display()}"
        )

    @property
    def pending_count(self) -> int:
        return self.bank_line_count - self.paid_count - self.failed_count

    @property
    def pending_amount(self) -> Decimal:
        return self.bank_amount - self.paid_amount - self.failed_amount

    @property
    def is_locked(self) -> bool:
        return self.state == RunState.LOCKED

    @property
    def is_discarded(self) -> bool:
        return self.state == RunState.DISCARDED


class LineKind(models.TextChoices):
    REGULAR = "regular", "当月发放"
    BACK_PAY = "back_pay", "补发"
    RECOVERY = "recovery", "追缴"
    ARREARS = "arrears", "欠发补付"
    ONE_OFF = "one_off", "一次性发放"


class LineSource(models.TextChoices):
    CHANGES = "changes", "在册变更记录"
    ORDER = "order", "追缴决定"
    GRANT = "grant", "一次性救助"
    CARRY = "carry", "上期结转"


class Channel(models.TextChoices):
    BANK = "bank", "银行代发"
    HELD = "held", "暂缓发放(待补账户)"
    SEPARATE = "separate", "另行追缴"


class LineResult(models.TextChoices):
    PENDING = "pending", "待回盘"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"


class RosterLine(models.Model):
    # A province-sized run inserts 1.5 million lines in one statement: every index costs, so
    # the foreign keys whose lookups a composite index already serves have none of their own;
    # and the recipient and village keys are not checked by the database row by row (each
    # check would lock the referenced row: 1.5 million recipient rows rewritten per run).
    # The run's statement takes them from those very tables, and recipients and regions are
    # never deleted (the register is append-only; regions are PROTECTed and deactivated).
    # The run, carried-from and result-file keys are checked once per statement instead of
    # once per row (triggers.py: the same refusals as a foreign key, for 1.5 million rows
    # one anti-join rather than 4.5 million trigger calls).
    run = models.ForeignKey(
        RosterRun,
        verbose_name="花名册",
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,  # (run, line_no)
        db_constraint=False,  # checked per statement (triggers.py)
    )
    line_no = models.PositiveIntegerField("序号")
    #: What the bank returns in its result file: the run number and the sequence.
    line_id = models.CharField("明细编号", max_length=40, unique=True)
    recipient = models.ForeignKey(
        Recipient,
        verbose_name="在册对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roster_lines",
        db_index=False,  # (recipient, month)
        db_constraint=False,
    )
    village = models.ForeignKey(
        Region,
        verbose_name="村(社区)",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never looked up by village alone
        db_constraint=False,
    )
    kind = models.CharField("类别", max_length=20, choices=LineKind.choices)
    source = models.CharField("来源", max_length=20, choices=LineSource.choices)
    month = models.DateField("所属月份")
    name = models.CharField("户名", max_length=40)
    id_number = models.CharField("身份证号", max_length=18)
    bank = models.CharField("开户银行", max_length=20, choices=Bank.choices, blank=True)
    account_number = models.CharField("账号", max_length=25, blank=True)
    amount = models.DecimalField("金额(元)", max_digits=12, decimal_places=2)
    channel = models.CharField("发放渠道", max_length=20, choices=Channel.choices)
    #: A change-log line's why, in three columns rather than a JSON copy (building and
    #: storing 1.5 million JSON documents was a third of a province's run): the change in
    #: force for the month (the change log is append-only, so the reference is as frozen as
    #: a copy), the amount it set (0 while 暂停 / 停保) and what locked rosters paid before.
    change = models.ForeignKey(
        RecipientChange,
        verbose_name="依据变更",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    in_force = models.DecimalField(
        "当月应发(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    already = models.DecimalField(
        "此前已发(元)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    #: Why, for the other lines (carried, recovery orders, one-off payments).
    detail = models.JSONField("明细说明", default=dict)
    carried_from = models.OneToOneField(
        "self",
        verbose_name="结转自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
        db_constraint=False,  # checked per statement (triggers.py)
    )
    result = models.CharField(
        "发放结果", max_length=20, choices=LineResult.choices, default=LineResult.PENDING
    )
    result_reason = models.CharField("失败原因", max_length=200, blank=True)
    result_import = models.ForeignKey(
        "PaymentResultImport",
        verbose_name="回盘文件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,  # read with the run: (run, line_no)
        db_constraint=False,  # checked per statement (triggers.py)
    )

    class Meta:
        verbose_name = "花名册明细"
        verbose_name_plural = "花名册明细"
        ordering = ["run", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["run", "line_no"], name="roster_line_no_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "month"], name="roster_line_recipient_month"),
            # The few lines the next run carries over (held, or failed at the bank).
            models.Index(
                fields=["run"],
                condition=Q(channel="held") | Q(result="failed"),
                name="roster_line_to_carry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.name} {self.amount}"

    @property
    def why_detail(self) -> dict:
        """The line's "why" as one dict: for a change-log line built from its columns and
        its change (same keys as the other lines' stored ``detail``), else ``detail``."""
        if self.source != LineSource.CHANGES or self.in_force is None:
            return self.detail or {}  # (lines computed before the columns kept their JSON)
        change = self.change
        return {
            "month": f"{self.month:%Y-%m}",
            "status": change.status if change else None,
            "in_force": str(self.in_force),
            "already": str(self.already),
            "amount": str(self.amount),
            "change": None
            if change is None
            else {
                "id": change.pk,
                "kind": change.kind,
                "effective_month": f"{change.effective_month:%Y-%m}",
                "reason": change.reason,
                "source": change.source_label,
            },
        }

    @property
    def masked_account(self) -> str:
        digits = self.account_number or ""
        if len(digits) <= 8:
            return "*" * len(digits)
        return f"{digits[:4]} **** **** {digits[-4:]}"


class RosterEvent(ChainedLog):
    """Append-only, signed log of a run: started, computed, checked, locked, exported,
    discarded … Hash-chained per run (relief/logchain.py, issue 16: the roster lock is among
    the tamper-evident logs): ``save()`` seals each row; ``manage.py verify_log`` walks every
    run's chain. A run is never deleted (作废 keeps it, in state 已作废), so its chain is
    never cut: the key PROTECTs the run."""

    chain_on = "run"
    #: Frozen (a column added later must not change older rows' hashes); the migration that
    #: chained the table and sealed the rows written before keeps its own copy.
    chain_fields = ("run", "action", "label", "actor", "actor_name", "actor_role", "at")

    run = models.ForeignKey(RosterRun, on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=30)
    label = models.CharField("说明", max_length=200)
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("操作人姓名", max_length=60, blank=True)
    actor_role = models.CharField("角色", max_length=30, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "花名册操作记录"
        verbose_name_plural = "花名册操作记录"
        ordering = ["at", "pk"]


class OneOffPayment(models.Model):
    """A one-off grant (临时救助) waiting to be paid with the township's next roster of its
    type. A grant paid from the village fund (村级互助金) is recorded and counts toward the
    caps but is never put into a roster or sent to the bank."""

    case = models.ForeignKey(
        "cases.Case",
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="one_off_payments",
    )
    household = models.ForeignKey(
        "cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+"
    )
    assistance_type = models.ForeignKey(
        AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT, related_name="+"
    )
    payee_name = models.CharField("收款人", max_length=40)
    payee_id_number = models.CharField("收款人身份证号", max_length=18)
    payee_bank = models.CharField("开户银行", max_length=20, choices=Bank.choices, blank=True)
    payee_account = models.CharField("账号", max_length=25, blank=True)
    amount = models.DecimalField("金额(元)", max_digits=12, decimal_places=2)
    granted_on = models.DateField("批准日期")
    reason = models.CharField("事由", max_length=200)
    paid_by_village_fund = models.BooleanField("村级互助金已支付", default=False)
    roster_line = models.OneToOneField(
        RosterLine,
        verbose_name="花名册明细",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="one_off_payment",
    )
    created_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "一次性发放"
        verbose_name_plural = "一次性发放"
        ordering = ["-granted_on", "-pk"]
        indexes = [
            models.Index(fields=["township", "assistance_type"], name="oneoff_township_type")
        ]


class RecoveryOrder(models.Model):
    """追缴: an amount paid without right, decided (e.g. by a review) and handed to the roster.
    ``mode`` is the county's setting when decided: offset against the next roster (a negative
    line in the bank file) or collected separately (listed, never sent to the bank)."""

    recipient = models.ForeignKey(
        Recipient, verbose_name="在册对象", on_delete=models.PROTECT, related_name="recovery_orders"
    )
    amount = models.DecimalField("追缴金额(元)", max_digits=12, decimal_places=2)
    months = models.CharField("所涉月份", max_length=200)
    reason = models.TextField("原因")
    mode = models.CharField("追缴方式", max_length=20, choices=RecoveryMode.choices)
    decided_by = models.ForeignKey(
        User, verbose_name="决定人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", default=timezone.now)
    roster_line = models.OneToOneField(
        RosterLine,
        verbose_name="花名册明细",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recovery_order",
    )

    class Meta:
        verbose_name = "追缴决定"
        verbose_name_plural = "追缴决定"
        ordering = ["-decided_at", "-pk"]


class RosterExport(models.Model):
    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (XLSX)"
        CSV = "csv", "CSV (UTF-8)"

    run = models.ForeignKey(RosterRun, on_delete=models.PROTECT, related_name="exports")
    file = models.FileField("文件", upload_to="rosters/exports/%Y/%m/")
    filename = models.CharField("文件名", max_length=120)
    format = models.CharField("格式", max_length=10, choices=Format.choices)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("大小(字节)", default=0)
    row_count = models.PositiveIntegerField("明细行数", default=0)
    total_amount = _money("合计金额(元)")
    exported_by = models.ForeignKey(
        User, verbose_name="导出人", on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField("导出时间", default=timezone.now)

    class Meta:
        verbose_name = "花名册导出记录"
        verbose_name_plural = "花名册导出记录"
        ordering = ["-exported_at", "-pk"]


class PaymentResultImport(models.Model):
    """The bank's return file (回盘), imported all-or-nothing; the same file twice changes
    nothing (its SHA-256 is unique per run)."""

    run = models.ForeignKey(RosterRun, on_delete=models.PROTECT, related_name="result_imports")
    file = models.FileField("文件", upload_to="rosters/results/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    row_count = models.PositiveIntegerField("行数", default=0)
    paid_count = models.PositiveIntegerField("成功笔数", default=0)
    failed_count = models.PositiveIntegerField("失败笔数", default=0)
    paid_amount = _money("成功金额(元)")
    failed_amount = _money("失败金额(元)")
    imported_by = models.ForeignKey(
        User, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", default=timezone.now)

    class Meta:
        verbose_name = "发放结果导入"
        verbose_name_plural = "发放结果导入"
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "sha256"], name="result_import_once_per_file")
        ]


def locked_months(sender, *, recipient: Recipient, month, **kwargs) -> set:
    """The register's question (funds.recipients.hooks): the months from ``month`` on whose
    roster of the recipient's township and type is locked."""
    return set(
        RosterRun.objects.filter(
            township_id=recipient.township_id,
            assistance_type_id=recipient.assistance_type_id,
            state=RunState.LOCKED,
            month__gte=month,
        ).values_list("month", flat=True)
    )


# Connected as the models load (the register asks whenever it changes a recipient).
locked_roster_months.connect(locked_months, dispatch_uid="funds_rosters_locked_months")
