"""One household, one file (一户一档, DOMAIN §8): uploaded scans and reports. Files are
never served from a public path; archive/views.py serves them after case scoping."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from relief.models import Job, User


class Document(models.Model):
    class Kind(models.TextChoices):
        ID_CARD = "id_card", "身份证"
        HUKOU = "hukou", "户口簿"
        AUTHORISATION = "authorisation", "核对授权书"
        APPLICATION = "application", "申请书"
        EVIDENCE = "evidence", "证明材料"
        SURVEY_PHOTO = "survey_photo", "入户调查照片"
        CHECK_REPORT = "check_report", "核对报告"
        PLEDGE = "pledge", "守信承诺书"
        SURVEY_FORM = "survey_form", "入户调查表"
        REVIEW_FORM = "review_form", "审核确认表"
        OTHER = "other", "其他"

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    title = models.CharField("说明", max_length=100, blank=True)
    file = models.FileField("文件", upload_to="archive/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)  # sniffed from the content
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "档案文件"
        verbose_name_plural = "档案文件"
        ordering = ["kind", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title or self.original_name


class ArchiveSequence(models.Model):
    """The last sequence number handed out per 档号 scope (county + year + type)."""

    scope = models.CharField("范围", max_length=60, unique=True)
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "档号顺序号"
        verbose_name_plural = "档号顺序号"


class ArchiveNumber(models.Model):
    """A case's 档号, assigned once (the first time its file is generated) and never changed:
    the pattern is the policy setting ``archive_number_pattern`` in force on that day."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="archive_number"
    )
    number = models.CharField("档号", max_length=40, unique=True)
    scope = models.CharField("范围", max_length=60)
    seq = models.PositiveIntegerField("顺序号")
    assigned_at = models.DateTimeField("编号时间", default=timezone.now)

    class Meta:
        verbose_name = "档号"
        verbose_name_plural = "档号"

    def __str__(self) -> str:
        return self.number


class ArchiveExport(models.Model):
    """A township archive export (ZIP of case files) asked for by a supervisor or a clerk.
    The selection is frozen when asked (``case_ids``); the ZIP appears only when complete."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"
        EXPIRED = "expired", "已过期删除"

    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="archive_export")
    requested_by = models.ForeignKey(
        User, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    criteria = models.JSONField("导出条件", default=dict)
    case_ids = models.JSONField("案件", default=list)
    total = models.PositiveIntegerField("案件数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    cancel_requested = models.BooleanField("已请求取消", default=False)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    file_path = models.CharField("文件", max_length=300, blank=True)  # relative to MEDIA_ROOT
    file_name = models.CharField("下载文件名", max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField("大小(字节)", default=0)
    file_sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    message = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "档案导出"
        verbose_name_plural = "档案导出"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"档案导出 #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)


class CaseFileRecord(models.Model):
    """One generated case file (案卷 PDF): its SHA-256 and who generated it when, so that a
    file handed out can be matched later. ``export`` is set for files inside an export."""

    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="file_records"
    )
    archive_number = models.CharField("档号", max_length=40)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    pages = models.PositiveIntegerField("页数")
    size = models.PositiveIntegerField("大小(字节)")
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(
        User, verbose_name="生成人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    export = models.ForeignKey(
        ArchiveExport,
        verbose_name="所属导出",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="records",
    )
    file_name = models.CharField("文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "案卷生成记录"
        verbose_name_plural = "案卷生成记录"
        ordering = ["-generated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "case"],
                condition=models.Q(export__isnull=False),
                name="case_file_once_per_export",
            )
        ]


class ArchiveAccessLog(models.Model):
    """Every export asked for, cancelled, downloaded or refused: who, when, which cases.
    Append-only (relief/dbroles.py: PostgreSQL refuses UPDATE and DELETE)."""

    append_only = True

    class Action(models.TextChoices):
        REQUEST = "request", "申请导出"
        CANCEL = "cancel", "取消导出"
        DOWNLOAD = "download", "下载"
        REFUSED = "refused", "拒绝下载"
        CASE_FILE = "case_file", "生成案卷"

    action = models.CharField("操作", max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    export = models.ForeignKey(
        ArchiveExport, null=True, blank=True, on_delete=models.SET_NULL, related_name="log"
    )
    case_ids = models.JSONField("案件", default=list)
    note = models.CharField("说明", max_length=300, blank=True)
    client_address = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "档案访问记录"
        verbose_name_plural = "档案访问记录"
        ordering = ["-at", "-pk"]
