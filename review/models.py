"""County supervision (DOMAIN §1, §6): filings (备案), queries, spot checks (入户抽查),
rectification orders (整改通知), corrections (依法纠正) and complaints (举报).

Every row that belongs to one township carries ``township`` so that relief.scoping can
restrict it; a township user never sees another township's rows (404)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import AssistanceType, Region, User


class Filing(models.Model):
    """A township decision reported to the county for the record (备案, seeds 000, 003).
    Created inside the transition's transaction by review.services.filing_create_for_event
    (registered into cases.workflow.IN_TRANSACTION)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "审核确认"
        REFUSAL = "refusal", "不予确认"
        TERMINATION = "termination", "终止办理"
        REVOCATION = "revocation", "撤销"

    class Status(models.TextChoices):
        NEW = "new", "待阅"
        ACKNOWLEDGED = "acknowledged", "已阅"
        QUERIED = "queried", "已质询"

    case = models.ForeignKey("cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="filings")
    event = models.OneToOneField(
        "cases.CaseEvent", verbose_name="对应日志", null=True, blank=True, on_delete=models.PROTECT, related_name="filing"
    )
    kind = models.CharField("备案类别", max_length=20, choices=Kind.choices)
    township = models.ForeignKey(Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+")
    assistance_type = models.ForeignKey(AssistanceType, verbose_name="救助类型", on_delete=models.PROTECT)
    decided_on = models.DateField("决定日期", null=True, blank=True, db_index=True)
    #: Key figures at filing time: type, household size, monthly amount, route, flags.
    snapshot = models.JSONField("关键数据", default=dict, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口", default=0)
    monthly_amount = models.DecimalField("月救助金额(元)", max_digits=12, decimal_places=2, null=True, blank=True)
    route = models.CharField("审批路径", max_length=10, blank=True)
    near_relative_flag = models.BooleanField("近亲属备案", default=False)
    complaint_flag = models.BooleanField("有投诉举报", default=False)
    filed_at = models.DateTimeField("备案时间", default=timezone.now, db_index=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    acknowledged_by = models.ForeignKey(
        User, verbose_name="阅知人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField("阅知时间", null=True, blank=True)

    class Meta:
        verbose_name = "决定备案"
        verbose_name_plural = "决定备案"
        ordering = ["-filed_at", "-pk"]
        indexes = [models.Index(fields=["township", "status"])]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"
