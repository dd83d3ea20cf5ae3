"""Case clocks (DOMAIN §5): the overall limit from 受理 to the decision and the current
step limit, computed with the working-day calendar when a transition starts them and
stored here, so that pages and the daily scan only compare dates.

One row per accepted case (a one-to-one beside ``Case``; cases/clocks/services.py keeps it up to
date from the workflow's in-transaction callback)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class StepKind(models.TextChoices):
    NONE = "", "无"
    INVESTIGATION_START = "investigation_start", "启动调查"
    CHECK_START = "check_start", "启动核对"
    REFUSAL_NOTICE = "refusal_notice", "送达不予确认通知书"
    EMERGENCY_HELP = "emergency_help", "先行救助"
    EMERGENCY_FILE = "emergency_file", "补齐救助手续"


_RUNNING = Q(stopped_on__isnull=True, paused_at__isnull=True)


class CaseClock(models.Model):
    case = models.OneToOneField(
        "cases.Case",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="clock",
        verbose_name="案件",
    )
    # --- overall limit: 受理 → 审核确认/不予确认 --------------------------------------------
    started_on = models.DateField("起算日(受理日)")
    limit_wd = models.PositiveSmallIntegerField("法定时限(工作日)")
    limit_max_wd = models.PositiveSmallIntegerField("延长后最长时限(工作日)")
    extended_wd = models.PositiveSmallIntegerField("已延长(工作日)", default=0)
    extended_to = models.DateField("延长后截止日", null=True, blank=True)
    paused_at = models.DateField("暂停于(公示期)", null=True, blank=True)
    paused_workdays = models.PositiveSmallIntegerField("累计暂停(工作日)", default=0)
    # Indexed for running clocks only (clock_running_due and the alert indexes): every
    # reader of the due date asks for running clocks, so a full index was one entry more
    # per clock inserted (each of a campaign's 100,000) that no plan used.
    overall_due = models.DateField("办理截止日")
    due_soon_from = models.DateField("临期提醒起始日")
    stopped_on = models.DateField("停止计时日(决定日)", null=True, blank=True)
    elapsed_wd = models.PositiveSmallIntegerField("实际用时(工作日)", null=True, blank=True)
    on_time = models.BooleanField("按时办结", null=True, blank=True)
    # --- current step limit --------------------------------------------------------------
    step_kind = models.CharField(
        "当前环节时限", max_length=30, choices=StepKind.choices, blank=True, default=""
    )
    step_started_on = models.DateField("环节起算日", null=True, blank=True)
    step_due = models.DateField("环节截止日", null=True, blank=True)
    #: A step limit counted in hours (急难型临时救助: help within 24 hours, seed 002): the
    #: exact moment, with ``step_due`` its Beijing date so day-based pages still sort by it.
    step_due_at = models.DateTimeField("环节截止时刻(按小时)", null=True, blank=True)
    step_soon_at = models.DateTimeField("环节临期提醒时刻", null=True, blank=True)
    step_due_soon = models.BooleanField("环节临期", default=False)
    # --- calendar certainty: a date beyond the known holiday data is provisional ----------
    overall_confirmed = models.BooleanField("截止日已确认", default=True)
    step_confirmed = models.BooleanField("环节截止日已确认", default=True)
    # Shown on the case's clock, never filtered on: no index (one entry less per new clock).
    unconfirmed = models.BooleanField("日期待确认", default=False)
    # --- flags the daily scan maintains (cases/clocks/services.py scan_deadlines) -----------------
    due_soon = models.BooleanField("临期", default=False)
    overdue = models.BooleanField("超期", default=False)
    step_overdue = models.BooleanField("环节超期", default=False)
    #: The due date the last due-soon / overdue / step notice was sent for: a new due date
    #: (after an extension) is a new threshold, the same one is never notified twice.
    notified_due_soon_for = models.DateField(null=True, blank=True)
    notified_overdue_for = models.DateField(null=True, blank=True)
    notified_step_for = models.DateField(null=True, blank=True)
    notified_step_soon_for = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "案件时限"
        verbose_name_plural = "案件时限"
        indexes = [
            # The scan touches running clocks only; partial indexes keep it off the decided ones.
            models.Index(fields=["overall_due"], condition=_RUNNING, name="clock_running_due"),
            models.Index(fields=["due_soon_from"], condition=_RUNNING, name="clock_running_soon"),
            models.Index(
                fields=["step_kind", "step_due"],
                condition=Q(step_due__isnull=False),
                name="clock_step_due",
            ),
            models.Index(
                fields=["overdue", "due_soon"],
                condition=Q(stopped_on__isnull=True),
                name="clock_open_flags",
            ),
            # Stopped clocks by decision date (the statistics' recount); a running clock,
            # each new one, has no entry.
            models.Index(
                fields=["stopped_on"],
                condition=Q(stopped_on__isnull=False),
                name="clock_stopped_on",
            ),
            models.Index(
                fields=["paused_at"], condition=Q(paused_at__isnull=False), name="clock_paused"
            ),
            # The home page's alerts (clock_alerts_for_user), most urgent first: each list a
            # walk of its own partial index in due order, whatever the number of clocks.
            models.Index(
                fields=["overall_due", "case"],
                condition=Q(stopped_on__isnull=True, overdue=True),
                name="clock_alert_overdue",
            ),
            models.Index(
                fields=["overall_due", "case"],
                condition=Q(step_overdue=True),
                name="clock_alert_step_overdue",
            ),
            models.Index(
                fields=["overall_due", "case"],
                condition=Q(
                    stopped_on__isnull=True, due_soon=True, overdue=False, step_overdue=False
                ),
                name="clock_alert_due_soon",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.overall_due:%Y-%m-%d}"

    @property
    def total_wd(self) -> int:
        """Working days counted from 受理 to the due date.

        The limit, plus the extension, plus the days paused for a notice.
        """
        return self.limit_wd + self.extended_wd + self.paused_workdays

    @property
    def running(self) -> bool:
        return self.stopped_on is None

    @property
    def can_extend_by(self) -> int:
        return max(0, self.limit_max_wd - self.limit_wd - self.extended_wd)
