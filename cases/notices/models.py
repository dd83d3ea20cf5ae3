"""Public notice (公示) per village: a batch of cases posted together for the policy's
period, and the objections residents raise against one of its households
(A Art.19, Art.24; C Art.15)."""

from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.utils import timezone

from cases.intake.models.household import VILLAGE_GROUP_MAX
from relief.models import Region, User


def _public_token() -> str:
    return secrets.token_urlsafe(12)


class NoticeKind(models.TextChoices):
    PRE = "pre", "确认前公示"
    RESULT = "result", "结果公示"


class BatchState(models.TextChoices):
    DRAFT = "draft", "待发布"
    PUBLISHED = "published", "公示中"
    CLOSED = "closed", "已结束"
    WITHDRAWN = "withdrawn", "已撤回"


class NoticeBatch(models.Model):
    number = models.CharField("公示批次号", max_length=40, unique=True)
    #: An unguessable part of the public address (the QR code's target).
    token = models.CharField("公开访问码", max_length=32, unique=True, default=_public_token)
    kind = models.CharField("公示类别", max_length=10, choices=NoticeKind.choices)
    township = models.ForeignKey(
        Region, verbose_name="乡镇(街道)", on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Region, verbose_name="村(社区)", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=12, choices=BatchState.choices, default=BatchState.DRAFT
    )
    starts_on = models.DateField("公示开始日期")
    days = models.PositiveSmallIntegerField("公示天数")
    place = models.CharField("张贴地点", max_length=100)
    phone = models.CharField("乡镇异议受理电话", max_length=40)
    created_by = models.ForeignKey(
        User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    published_by = models.ForeignKey(
        User,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    photo_uploaded_at = models.DateTimeField("张贴照片上传时间", null=True, blank=True)
    photo_sha256 = models.CharField("张贴照片SHA-256", max_length=64, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤回理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "公示批次"
        verbose_name_plural = "公示批次"
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["village", "state"], name="notice_batch_village_state"),
            models.Index(fields=["state", "starts_on"], name="notice_batch_state_start"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def ends_on(self) -> datetime.date:
        """The last day of the period: calendar days, the first day counted (A Art.19)."""
        return self.starts_on + datetime.timedelta(days=self.days - 1)

    @property
    def closes_on(self) -> datetime.date:
        """The first day the period is over (the case guard ``notice_period_over``)."""
        return self.starts_on + datetime.timedelta(days=self.days)

    def is_open_on(self, day: datetime.date) -> bool:
        return self.state == BatchState.PUBLISHED and self.starts_on <= day <= self.ends_on


class NoticeEntry(models.Model):
    """One household (its case) in a batch. ``open`` stays True until the batch closes it
    or an objection takes it out of the notice."""

    batch = models.ForeignKey(NoticeBatch, on_delete=models.CASCADE, related_name="entries")
    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="notice_entries"
    )
    position = models.PositiveIntegerField("序号", default=0)
    #: What the paper shows, frozen at publication (masked; never an ID number or address).
    masked_name = models.CharField("公示姓名", max_length=20, blank=True)
    village_group = models.CharField("村民小组", max_length=VILLAGE_GROUP_MAX, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口", default=0)
    amount_text = models.CharField("月保障金额", max_length=30, blank=True)
    outcome = models.CharField("结果", max_length=20, blank=True)  # "", closed, objection

    class Meta:
        verbose_name = "公示户"
        verbose_name_plural = "公示户"
        ordering = ["batch", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "case"], name="notice_entry_once"),
        ]


class Objection(models.Model):
    class Channel(models.TextChoices):
        TOWNSHIP = "township", "乡镇登记"
        ONLINE = "online", "在线提交"

    class Status(models.TextChoices):
        OPEN = "open", "处理中"
        ANSWERED = "answered", "已反馈"
        CLOSED = "closed", "已办结(无联系方式)"

    batch = models.ForeignKey(
        NoticeBatch,
        verbose_name="公示批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="objections"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    #: Raised after the period (or with no open notice): handled as a complaint.
    is_complaint = models.BooleanField("按投诉处理", default=False)
    anonymous = models.BooleanField("匿名", default=False)
    raised_by = models.CharField("异议人", max_length=40, blank=True)
    contact = models.CharField("联系方式", max_length=60, blank=True)
    text = models.TextField("异议内容")
    status = models.CharField(
        "处理状态", max_length=10, choices=Status.choices, default=Status.OPEN
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_address = models.GenericIPAddressField("提交地址", null=True, blank=True)
    received_at = models.DateTimeField("收到时间", default=timezone.now)
    feedback = models.TextField("反馈内容", blank=True)
    feedback_by = models.ForeignKey(
        User,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="objection_status")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_channel_display()}"
